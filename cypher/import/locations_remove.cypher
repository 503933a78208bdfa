// A full import (--full): remove the locations rows tonight's complete dump no longer has.
// A node other rows still refer to (lots, steps, devices AT it, shipments FROM it, receipts
// received at it) stays as a node known only from references — its key alone, no row hash —
// which is what a clean import of tonight's files makes of it; one nothing refers to is
// deleted (a ledger change ABOUT it does not keep it: the change keeps its table and key as
// text). Returns the keys kept so.
// Read-then-delete plans an Eager, bounded by one batch of keys.
UNWIND $keys AS key
MATCH (n:Location {location_id: key})
WHERE n._row_sha IS NOT NULL
// a receipt names the location it happened at by id (received_location_id), not by an edge
WITH n, key, EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' }
             OR EXISTS { ()-[receipt:SUPPLIED_BY]->()
                         WHERE receipt.received_location_id = n.location_id } AS used
CALL (n, used) {
  WITH n WHERE used
  SET n = {location_id: n.location_id}
}
CALL (n, used) {
  WITH n WHERE NOT used
  DETACH DELETE n
}
RETURN collect(CASE WHEN used THEN key END) AS kept
