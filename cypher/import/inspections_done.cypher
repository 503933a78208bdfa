// Last write of a batch of new or changed inspections: the content hash, which marks the row as
// complete. The node and its edges are written by earlier queries in their own transactions;
// if the import dies between them, the hash is still missing or old, so a re-run writes the row
// again instead of skipping it as unchanged.
UNWIND $rows AS row
MATCH (n:Inspection {inspection_id: row.inspection_id})
SET n._row_sha = row.props._row_sha
