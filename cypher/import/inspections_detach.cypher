// Before a changed inspection row is written again: remove the edges its
// references made, so the graph equals a clean import of the new row. Runs only for rows whose
// content changed; Neo4j plans an Eager here (it must read before it deletes), which is
// bounded by the number of changed rows in one batch.
MATCH (n:Inspection)-[old:OF_LOT|DURING|ON|BY]->()
WHERE n.inspection_id IN $keys
DELETE old
