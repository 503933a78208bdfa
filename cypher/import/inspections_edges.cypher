// The edges of new or changed inspections: reference nodes are merged (a device or location named
// before its own record gets a bare node), edges merged. Free of Eager plans.
UNWIND $rows AS row
MATCH (n:Inspection {inspection_id: row.inspection_id})
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.lot_id IS NOT NULL
  MERGE (lot:Lot {lot_id: row.lot_id})
    ON CREATE SET lot.origin_known = false
  MERGE (n)-[:OF_LOT]->(lot)
}
CALL (n, row) {
  WITH n, row WHERE row.step_id IS NOT NULL
  MATCH (step:ProcessStep {step_id: row.step_id})
  MERGE (n)-[:DURING]->(step)
}
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
