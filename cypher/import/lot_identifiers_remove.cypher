// A full import (--full): remove the lot_identifiers rows tonight's complete dump no longer
// has, keys [identity_key, lot_id]. The Identifier goes with its last edge (a clean import of
// the dump has no such node; lots_detach_identities does the same for a supplier lot). A stub
// lot left with no edge is deleted at the end of the import (delete_orphan_references.cypher).
UNWIND $keys AS key
MATCH (identity:Identifier {key: key[0]})-[r:IDENTIFIES]->(lot:Lot)
WHERE lot.lot_id = key[1] AND r._row_sha IS NOT NULL
DELETE r
WITH DISTINCT identity
WHERE NOT EXISTS { (identity)-[:IDENTIFIES]->() }
DELETE identity
