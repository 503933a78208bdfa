// The time and edges of inspections inspections_create just made, in the same transaction:
// reference nodes merged as inspections_edges merges them, edges created (the inspection is
// new, so none can exist; MERGE would look for one on both nodes). Free of Eager plans.
UNWIND $rows AS row
MATCH (n:Inspection {inspection_id: row.inspection_id})
SET n.inspected_at = datetime(row.inspected_at)
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.lot_id IS NOT NULL
  MERGE (lot:Lot {lot_id: row.lot_id})
    ON CREATE SET lot.origin_known = false
  CREATE (n)-[:OF_LOT]->(lot)
}
CALL (n, row) {
  WITH n, row WHERE row.step_id IS NOT NULL
  MATCH (step:ProcessStep {step_id: row.step_id})
  CREATE (n)-[:DURING]->(step)
}
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
