// Before a changed lot row is written again: drop the supplier-lot identity it gave the lot
// (a corrected supplier lot number must not keep finding the lot). Eager, bounded as in
// lots_detach.cypher.
MATCH (:Identifier {scheme: 'supplier_lot'})-[old:IDENTIFIES]->(n:Lot)
WHERE n.lot_id IN $keys
DELETE old
