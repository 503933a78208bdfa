// Content hashes of the suppliers already in the graph: rows whose hash is unchanged are not
// written again, so re-importing the same export costs one index look-up per row.
UNWIND $keys AS key
MATCH (n:Supplier {supplier_id: key})
RETURN key, n._row_sha AS sha
