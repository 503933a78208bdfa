// Lots comparable to the complaint lots: the same materials, created within $days days of the
// complaint lots' own period, the complaint lots themselves excluded. Oldest first.
MATCH (complaint:Lot) WHERE complaint.lot_id IN $lot_ids
MATCH (complaint)-[:OF]->(material:Material)
WITH collect(DISTINCT material) AS materials,
     min(complaint.created_at) - duration({days: $days}) AS first,
     max(complaint.created_at) + duration({days: $days}) AS last
UNWIND materials AS material
MATCH (material)<-[:OF]-(lot:Lot)
WHERE lot.created_at >= first AND lot.created_at <= last AND NOT lot.lot_id IN $lot_ids
RETURN lot.lot_id AS lot_id
ORDER BY lot.created_at, lot_id
