// Upsert materials. A row whose content hash matches the node's is skipped, so re-importing an
// unchanged export writes nothing; SET n = row.props replaces every property, so a changed row
// leaves exactly what a clean import of it would.
UNWIND $rows AS row
MERGE (n:Material {material_id: row.material_id})
WITH n, row
WHERE n._row_sha IS NULL OR n._row_sha <> row.props._row_sha
SET n = row.props
RETURN count(n) AS changed
