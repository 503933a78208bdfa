// Content hashes of the suppliers already in the graph: rows whose hash is unchanged are not
// written again, so re-importing the same export costs one index look-up per row.
// With the sources that sent the row (`_sources`), and the node's element id where this run's
// source $source is not one of them (writer._write_batch adds it to an unchanged row).
UNWIND $keys AS key
MATCH (n:Supplier {supplier_id: key})
RETURN key, n._row_sha AS sha, n._sources AS sources,
  CASE WHEN $source IN split(coalesce(n._sources, ''), ' ') THEN null ELSE elementId(n) END AS id
