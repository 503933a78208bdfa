// The sources and senders' last rows (`_sources`, `_source_shas`) of nodes by element id: for
// the rows a restore's folder puts back (restore.put_back_shas), one seek each.
UNWIND $ids AS id
MATCH (n)
WHERE elementId(n) = id
RETURN id, n._sources AS sources, n._source_shas AS shas
