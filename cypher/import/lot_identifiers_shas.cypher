// Content hashes of the lot_identifiers rows already in the graph (see lots_shas.cypher): the
// IDENTIFIES edge from the row's Identifier to its lot, found from the Identifier's unique key.
// A supplier lot's edge (from lots) has no hash, and another key: never one of these rows.
// With the sources that sent the row (`_sources`), and the link's element id where this run's
// source $source is not one of them (writer._write_batch adds it to an unchanged row).
UNWIND $rows AS row
MATCH (identity:Identifier {key: row.identity_key})-[r:IDENTIFIES]->(lot:Lot)
WHERE lot.lot_id = row.lot_id
RETURN row.identity_key AS parent, row.lot_id AS lot_id, r._row_sha AS sha,
  r._sources AS sources,
  CASE WHEN $source IN split(coalesce(r._sources, ''), ' ') THEN null ELSE elementId(r) END AS id
