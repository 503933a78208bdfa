// Reads every lot with the properties traces return and every relationship with its quantity,
// so that pages a question needs are in Neo4j's page cache before anything is timed (Community
// has no page-cache warm-up of its own; after a restart the first questions would read disk).
MATCH (lot:Lot)
WITH count(lot.lot_id) + count(lot.quantity) + count(lot.created_at) AS lots
MATCH ()-[r]->()
RETURN lots, count(r.quantity) AS relationships
