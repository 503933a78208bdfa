// Content hashes of the lots already in the graph: rows whose hash is unchanged are not
// written again, so re-importing the same export costs one index look-up per row.
// With the sources that sent the row (`_sources`), and the node's element id where this run's
// source $source is not one of them (writer._write_batch adds it to an unchanged row), or where
// several sources sent the lot and it has more than one supplier-lot identity (two sources'
// spellings, `000123` and `123`): an unchanged row then still says which one this source sends
// (lots_identity_sources). A lot one source sent costs no expansion.
UNWIND $keys AS key
MATCH (n:Lot {lot_id: key})
WITH key, n, split(coalesce(n._sources, ''), ' ') AS sources
RETURN key, n._row_sha AS sha, n._sources AS sources,
  CASE WHEN $source IN sources
            AND (size(sources) = 1
                 OR COUNT { (n)<-[:IDENTIFIES]-(:Identifier {scheme: 'supplier_lot'}) } < 2)
       THEN null ELSE elementId(n) END AS id
