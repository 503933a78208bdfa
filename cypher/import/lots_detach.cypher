// Before a changed lot row is written again: remove the edges its
// references made, so the graph equals a clean import of the new row. Runs only for rows whose
// content changed; Neo4j plans an Eager here (it must read before it deletes), which is
// bounded by the number of changed rows in one batch.
MATCH (n:Lot)-[old:OF|SUPPLIED_BY|AT]->()
WHERE n.lot_id IN $keys
DELETE old
