// Content hashes of the step_outputs already in the graph (see lots_shas.cypher).
// Anchored on the lot only; the parent is matched by property without its label, so no index
// can anchor it. With both ends labelled, a plan made while the index statistics were still
// those of an empty graph scanned the parent's whole index per row (17.8M rows for a batch
// of 5,000: 2 s) and was kept from then on.
// With the sources that sent the row (`_sources`), and the link's element id where this run's
// source $source is not its only one (writer._add_sources adds it to an unchanged row
// and keeps the senders' last hashes, `_source_shas`, where there are several).
// An id also where this source is the row's one sender and the row keeps `_source_shas`: a
// --full took another source off it, and its entries change as this source vouches for it
// again (writer.TO_VOUCH) — a few rows, not every row one source sends.
UNWIND $rows AS row
MATCH (lot:Lot {lot_id: row.lot_id})<-[r:PRODUCED]-(parent)
WHERE parent.step_id = row.step_id
RETURN row.step_id AS parent, row.lot_id AS lot_id, r._row_sha AS sha,
  r._sources AS sources,
  r._source_shas AS source_shas,
  CASE WHEN r._sources = $source AND r._source_shas IS NULL THEN null ELSE elementId(r) END AS id
