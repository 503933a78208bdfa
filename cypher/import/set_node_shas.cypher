// The senders' last rows (`_source_shas`, writer.source_shas) of rows a restore's folder put
// back (restore.put_back_shas): as the removed row held them, not as the folder's import of
// the restored (mixed) row recorded them. Found by the element ids read in this run, one seek each.
UNWIND $rows AS row
MATCH (n)
WHERE elementId(n) = row.id
SET n._source_shas = row.shas
