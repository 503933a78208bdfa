// Upsert devices and where they stand; unchanged rows are skipped. A changed location replaces
// the old AT edge, so the graph equals a clean import.
UNWIND $rows AS row
MERGE (n:Device {device_id: row.device_id})
WITH n, row
WHERE n._row_sha IS NULL OR n._row_sha <> row.props._row_sha
SET n = row.props
WITH n, row
CALL (n) {
  MATCH (n)-[old:AT]->(:Location)
  DELETE old
}
CALL (n, row) {
  WITH n, row WHERE row.location_id IS NOT NULL
  MERGE (location:Location {location_id: row.location_id})
  MERGE (n)-[:AT]->(location)
}
RETURN count(n) AS changed
