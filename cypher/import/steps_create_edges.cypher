// The times and edges of steps steps_create just made, in the same transaction: reference nodes merged,
// edges created (the step is new, so none can exist). Free of Eager plans.
UNWIND $rows AS row
MATCH (n:ProcessStep {step_id: row.step_id})
SET n.started_at = datetime(row.started_at), n.ended_at = datetime(row.ended_at)
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.device_id IS NOT NULL
  MERGE (ref:Device {device_id: row.device_id})
  CREATE (n)-[:ON]->(ref)
}
CALL (n, row) {
  WITH n, row WHERE row.operator_id IS NOT NULL
  MERGE (ref:Operator {operator_id: row.operator_id})
  CREATE (n)-[:BY]->(ref)
}
CALL (n, row) {
  WITH n, row WHERE row.work_order_id IS NOT NULL
  MERGE (ref:WorkOrder {work_order_id: row.work_order_id})
  CREATE (n)-[:FOR]->(ref)
}
CALL (n, row) {
  WITH n, row WHERE row.location_id IS NOT NULL
  MERGE (ref:Location {location_id: row.location_id})
  CREATE (n)-[:AT]->(ref)
}
