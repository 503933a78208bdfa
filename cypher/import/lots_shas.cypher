// Content hashes of the lots already in the graph: rows whose hash is unchanged are not
// written again, so re-importing the same export costs one index look-up per row.
// With the sources that sent the row (`_sources`), and the node's element id where this run's
// source $source is not the lot's only one (writer._write_batch adds a missing source to an
// unchanged row). Where several sources sent the lot, `spelled`: the keys of the supplier-lot
// identities whose IDENTIFIES edge names $source (two sources' spellings, `000123` and `123`):
// an unchanged row whose identity is not exactly these says which one this source sends
// (lots_identity_sources), and only then — every re-import rewrote every such lot's links; a
// run killed before the spelling was written is repaired by the next. A lot one source sent
// costs no expansion, nor does a file without supplier lots ($spells false: a QC status
// update leaves the spellings as they are, writer.says_supplier_lot). `_source_shas`: each
// sender's last row hash, where there are several (writer.own_shas).
// An id also where this source is the row's one sender and the row keeps `_source_shas`: a
// --full took another source off it, and its entries change as this source vouches for it
// again (writer.TO_VOUCH) — a few rows, not every row one source sends.
UNWIND $keys AS key
MATCH (n:Lot {lot_id: key})
WITH key, n, split(coalesce(n._sources, ''), ' ') AS sources
RETURN key, n._row_sha AS sha, n._sources AS sources, n._source_shas AS source_shas,
  CASE WHEN $source IN sources AND size(sources) = 1 AND n._source_shas IS NULL THEN null
    ELSE elementId(n) END AS id,
  CASE WHEN $spells AND size(sources) > 1 AND $source IN sources THEN COLLECT {
    MATCH (n)<-[named:IDENTIFIES]-(i:Identifier {scheme: 'supplier_lot'})
    WHERE $source IN split(coalesce(named._sources, ''), ' ')
    RETURN i.key
  } END AS spelled
