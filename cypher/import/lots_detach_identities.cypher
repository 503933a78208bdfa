// Before a changed lot row is written again: take this run's source ($source) off the
// supplier-lot identities of the lot (IDENTIFIES `_sources`, sorted), and drop an identity no
// source sends any more — with its Identifier when no other lot carries it (a corrected number
// left its old Identifier behind, which a clean import of the same data does not have). An
// identity another source still sends stays: the ERP's `000123` and the MES's `123` of one lot
// both find it, whichever import ran last. An identity without `_sources` (written before
// identities kept them), or a run without a source ($source null), is dropped as before. A row
// that keeps its number merges it again (lots_identities). Eager, bounded as in
// lots_detach.cypher.
MATCH (identity:Identifier {scheme: 'supplier_lot'})-[old:IDENTIFIES]->(n:Lot)
WHERE n.lot_id IN $keys
WITH identity, old,
     [s IN split(coalesce(old._sources, ''), ' ') WHERE s <> '' AND s <> $source] AS others
CALL (old, others) {
  WITH old, others WHERE size(others) > 0
  SET old._sources = reduce(text = head(others), s IN tail(others) | text + ' ' + s)
}
CALL (old, others) {
  WITH old, others WHERE size(others) = 0
  DELETE old
}
WITH DISTINCT identity
WHERE NOT EXISTS { (identity)-[:IDENTIFIES]->() }
DELETE identity
