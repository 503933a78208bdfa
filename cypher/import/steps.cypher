// Upsert process steps (extra columns are process parameters) with device, operator, work order
// and location. Unchanged rows are skipped; a changed row replaces its edges.
UNWIND $rows AS row
MERGE (n:ProcessStep {step_id: row.step_id})
WITH n, row
WHERE n._row_sha IS NULL OR n._row_sha <> row.props._row_sha
SET n = row.props
WITH n, row
CALL (n) {
  MATCH (n)-[old:ON|BY|FOR|AT]->()
  DELETE old
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
CALL (n, row) {
  WITH n, row WHERE row.work_order_id IS NOT NULL
  MERGE (work_order:WorkOrder {work_order_id: row.work_order_id})
  MERGE (n)-[:FOR]->(work_order)
}
CALL (n, row) {
  WITH n, row WHERE row.location_id IS NOT NULL
  MERGE (location:Location {location_id: row.location_id})
  MERGE (n)-[:AT]->(location)
}
RETURN count(n) AS changed
