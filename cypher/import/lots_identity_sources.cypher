// An unchanged lot row (writer._add_sources) says which supplier-lot identity its source
// ($source) sends: the one of its key gains the source on its IDENTIFIES edge, as the lot's
// `_sources` does, and any other supplier-lot identity of the lot loses it — gone when no
// source sends it any more, its Identifier too when no other lot carries it (as
// lots_detach_identities does for a changed row): the MES that sent `123` and now sends the
// ERP's `000123`, a row equal to the lot's, no longer keeps `123`. Only for lots lots_shas gave
// an element id (a source new to the lot, or a lot with several spellings), found by it, one
// seek each (the import lock keeps them). Eager, bounded by one batch.
UNWIND $rows AS row
MATCH (n)
WHERE elementId(n) = row.id
CALL (n, row) {
  MATCH (other:Identifier {scheme: 'supplier_lot'})-[old:IDENTIFIES]->(n)
  WHERE other.key <> row.identity_key AND $source IN split(coalesce(old._sources, ''), ' ')
  WITH other, old, [s IN split(old._sources, ' ') WHERE s <> $source] AS others
  CALL (old, others) {
    WITH old, others WHERE size(others) > 0
    SET old._sources = reduce(text = head(others), s IN tail(others) | text + ' ' + s)
  }
  CALL (old, others) {
    WITH old, others WHERE size(others) = 0
    DELETE old
  }
  WITH DISTINCT other
  WHERE NOT EXISTS { (other)-[:IDENTIFIES]->() }
  DELETE other
}
// The identity is made again where it is gone: the MES's `123`, removed with the MES's
// sources by its bad --full, stayed gone when the MES sent the lot again as before (a row no
// news for it, unchanged: `lot show 123` knew no lot).
MERGE (identity:Identifier {key: row.identity_key})
  ON CREATE SET identity.scheme = 'supplier_lot', identity.issuer = row.supplier_id,
                identity.value = row.supplier_lot
MERGE (identity)-[edge:IDENTIFIES]->(n)
WITH edge, [s IN split(coalesce(edge._sources, ''), ' ') WHERE s <> '' AND s <> $source] AS held
WITH edge, [s IN held WHERE s < $source] + [$source] + [s IN held WHERE s > $source] AS sources
SET edge._sources = reduce(text = head(sources), s IN tail(sources) | text + ' ' + s)
