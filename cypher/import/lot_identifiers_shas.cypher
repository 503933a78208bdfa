// Content hashes of the lot_identifiers rows already in the graph (see lots_shas.cypher): the
// IDENTIFIES edge from the row's Identifier to its lot, found from the Identifier's unique key.
// A supplier lot's edge (from lots) has no hash, and another key: never one of these rows.
// With the sources that sent the row (`_sources`), and the link's element id where this run's
// source $source is not its only one (writer._add_sources adds it to an unchanged row
// and keeps the senders' last hashes, `_source_shas`, where there are several).
// An id also where this source is the row's one sender and the row keeps `_source_shas`: a
// --full took another source off it, and its entries change as this source vouches for it
// again (writer.TO_VOUCH) — a few rows, not every row one source sends.
UNWIND $rows AS row
MATCH (identity:Identifier {key: row.identity_key})-[r:IDENTIFIES]->(lot:Lot)
WHERE lot.lot_id = row.lot_id
RETURN row.identity_key AS parent, row.lot_id AS lot_id, r._row_sha AS sha,
  r._sources AS sources,
  r._source_shas AS source_shas,
  CASE WHEN r._sources = $source AND r._source_shas IS NULL THEN null ELSE elementId(r) END AS id
