// Content hashes of the devices already in the graph: rows whose hash is unchanged are not
// written again, so re-importing the same export costs one index look-up per row.
// With the sources that sent the row (`_sources`), and the node's element id where this run's
// source $source is not its only one (writer._add_sources adds it to an unchanged row
// and keeps the senders' last hashes, `_source_shas`, where there are several).
// An id also where this source is the row's one sender and the row keeps `_source_shas`: a
// --full took another source off it, and its entries change as this source vouches for it
// again (writer.TO_VOUCH) — a few rows, not every row one source sends.
UNWIND $keys AS key
MATCH (n:Device {device_id: key})
RETURN key, n._row_sha AS sha, n._sources AS sources,
  n._source_shas AS source_shas,
  CASE WHEN n._sources = $source AND n._source_shas IS NULL THEN null ELSE elementId(n) END AS id
