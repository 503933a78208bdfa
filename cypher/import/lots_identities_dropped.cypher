// A --full run's source no longer sends a lot another source still sends (full.drop_sources):
// that source ($source) is taken off the lot's supplier-lot identities too, and an identity no
// source sends any more goes (with its Identifier when no other lot carries it), as the next
// row with another number takes it away (lots_detach_identities): the ERP's `000123` stops
// finding a lot only the MES (`123`) still sends. The lots are found by the element ids the
// lots_keys query read in this run, one seek each. Eager, bounded by one batch.
UNWIND $ids AS id
MATCH (n)
WHERE elementId(n) = id
MATCH (identity:Identifier {scheme: 'supplier_lot'})-[old:IDENTIFIES]->(n)
WHERE $source IN split(coalesce(old._sources, ''), ' ')
WITH identity, old, [s IN split(old._sources, ' ') WHERE s <> $source] AS others
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
