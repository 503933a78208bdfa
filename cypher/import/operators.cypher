// Upsert operators; unchanged rows (same content hash) are skipped. See materials.cypher.
UNWIND $rows AS row
MERGE (n:Operator {operator_id: row.operator_id})
WITH n, row
WHERE n._row_sha IS NULL OR n._row_sha <> row.props._row_sha
SET n = row.props
RETURN count(n) AS changed
