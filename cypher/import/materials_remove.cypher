// A full import (--full): remove the materials rows tonight's complete dump no longer has.
// A node other rows still refer to (lots OF it) stays as a
// node known only from references — its key alone, no row hash — which is what a clean import
// of tonight's files makes of it; one nothing refers to is deleted (a ledger change ABOUT it
// does not keep it: the change keeps its table and key as text). Returns the keys kept so.
// Read-then-delete plans an Eager, bounded by one batch of keys.
UNWIND $keys AS key
MATCH (n:Material {material_id: key})
WHERE n._row_sha IS NOT NULL
WITH n, key, EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' } AS used
CALL (n, used) {
  WITH n WHERE used
  SET n = {material_id: n.material_id}
}
CALL (n, used) {
  WITH n WHERE NOT used
  DETACH DELETE n
}
RETURN collect(CASE WHEN used THEN key END) AS kept
