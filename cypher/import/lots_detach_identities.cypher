// Before a changed lot row is written again: drop the supplier-lot identity it gave the lot
// (a corrected supplier lot number must not keep finding the lot), and the identity itself
// when no other lot carries it (a corrected number left its old Identifier behind, which a
// clean import of the same data does not have). A row that keeps its number merges it again.
// Eager, bounded as in lots_detach.cypher.
MATCH (identity:Identifier {scheme: 'supplier_lot'})-[old:IDENTIFIES]->(n:Lot)
WHERE n.lot_id IN $keys
DELETE old
WITH DISTINCT identity
WHERE NOT EXISTS { (identity)-[:IDENTIFIES]->() }
DELETE identity
