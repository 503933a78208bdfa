// A full import (--full): remove the lots rows tonight's complete dump no longer has. The row's
// own edges go (OF, SUPPLIED_BY, AT, and its supplier-lot identity, deleted when no other lot
// carries it, as lots_detach_identities does). A lot that steps, inspections, shipments, a
// lot_identifiers row (its IDENTIFIES edge) or a recall still name becomes a stub
// (origin_known = false), as a reference to an unknown lot does: deleting it would cut a trace
// through it. One nothing names is deleted (a ledger change ABOUT it does not keep it). Returns
// the keys made stubs. Eager, bounded by one batch.
UNWIND $keys AS key
MATCH (n:Lot {lot_id: key})
WHERE n._row_sha IS NOT NULL
CALL (n) {
  OPTIONAL MATCH (n)-[own:OF|SUPPLIED_BY|AT]->()
  DELETE own
}
CALL (n) {
  OPTIONAL MATCH (identity:Identifier {scheme: 'supplier_lot'})-[old:IDENTIFIES]->(n)
  DELETE old
  WITH identity
  WHERE identity IS NOT NULL AND NOT EXISTS { (identity)-[:IDENTIFIES]->() }
  DELETE identity
}
WITH n, key, EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' } AS used
CALL (n, used) {
  WITH n WHERE used
  SET n = {lot_id: n.lot_id, origin_known: false}
}
CALL (n, used) {
  WITH n WHERE NOT used
  DETACH DELETE n
}
RETURN collect(CASE WHEN used THEN key END) AS kept
