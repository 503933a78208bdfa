// A full import (--full): remove the lot_identifiers rows tonight's complete dump no longer
// has, keys [identity_key, lot_id]. The Identifier goes with its last edge (a clean import of
// the dump has no such node; lots_detach_identities does the same for a supplier lot), and with
// it the ledger's ABOUT edges of its changed rows: as the other *_remove queries, a ledger change
// ABOUT it does not keep it (the change keeps its table and key as text), and a plain DELETE
// failed on them, on every re-run. A stub lot left with no edge is deleted at the end of the
// import (delete_orphan_references.cypher).
UNWIND $keys AS key
MATCH (identity:Identifier {key: key[0]})-[r:IDENTIFIES]->(lot:Lot)
WHERE lot.lot_id = key[1] AND r._row_sha IS NOT NULL
DELETE r
WITH DISTINCT identity
WHERE NOT EXISTS { (identity)-[:IDENTIFIES]->() }
DETACH DELETE identity
