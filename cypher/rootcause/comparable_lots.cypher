// Lots comparable to the complaint lots: the same materials, created within $days days of the
// complaint lots' own period, the complaint lots themselves excluded. At most $max_controls of
// them, evenly spaced in creation time (thinned here, so that tens of thousands of candidates
// never cross the wire), and how many there were.
MATCH (complaint:Lot) WHERE complaint.lot_id IN $lot_ids
MATCH (complaint)-[:OF]->(material:Material)
WITH collect(DISTINCT material) AS materials,
     min(complaint.created_at) - duration({days: $days}) AS first,
     max(complaint.created_at) + duration({days: $days}) AS last
UNWIND materials AS material
MATCH (material)<-[:OF]-(lot:Lot)
WHERE lot.created_at >= first AND lot.created_at <= last AND NOT lot.lot_id IN $lot_ids
WITH lot ORDER BY lot.created_at, lot.lot_id
WITH collect(lot.lot_id) AS found
WITH found, CASE WHEN size(found) > $max_controls THEN toInteger(ceil(toFloat(size(found)) / $max_controls)) ELSE 1 END AS step
RETURN size(found) AS comparable,
       [i IN range(0, size(found) - 1, step) | found[i]][..$max_controls] AS controls
