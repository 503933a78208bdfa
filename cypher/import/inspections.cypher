// Upsert inspections with the lot, step, device and operator they concern. A referenced step
// exists (checked by the importer); a referenced lot not seen before becomes a stub.
UNWIND $rows AS row
MERGE (n:Inspection {inspection_id: row.inspection_id})
WITH n, row
WHERE n._row_sha IS NULL OR n._row_sha <> row.props._row_sha
SET n = row.props
WITH n, row
CALL (n) {
  MATCH (n)-[old:OF_LOT|DURING|ON|BY]->()
  DELETE old
}
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
  MERGE (device:Device {device_id: row.device_id})
  MERGE (n)-[:ON]->(device)
}
CALL (n, row) {
  WITH n, row WHERE row.operator_id IS NOT NULL
  MERGE (operator:Operator {operator_id: row.operator_id})
  MERGE (n)-[:BY]->(operator)
}
RETURN count(n) AS changed
