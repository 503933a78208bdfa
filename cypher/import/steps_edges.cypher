// The edges of new or changed steps: reference nodes are merged (a device or location named
// before its own record gets a bare node), edges merged. Free of Eager plans.
UNWIND $rows AS row
MATCH (n:ProcessStep {step_id: row.step_id})
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.device_id IS NOT NULL
  MERGE (ref:Device {device_id: row.device_id})
  MERGE (n)-[:ON]->(ref)
}
CALL (n, row) {
  WITH n, row WHERE row.operator_id IS NOT NULL
  MERGE (ref:Operator {operator_id: row.operator_id})
  MERGE (n)-[:BY]->(ref)
}
CALL (n, row) {
  WITH n, row WHERE row.work_order_id IS NOT NULL
  MERGE (ref:WorkOrder {work_order_id: row.work_order_id})
  MERGE (n)-[:FOR]->(ref)
}
CALL (n, row) {
  WITH n, row WHERE row.location_id IS NOT NULL
  MERGE (ref:Location {location_id: row.location_id})
  MERGE (n)-[:AT]->(ref)
}
