// More controls, read only when the evenly spaced picks of comparable_lots.cypher came out
// short of what was asked (two picks that fell on complaint lots took the same lot, or a
// material had more picks than lots that are no complaint): the first lots of the complaint
// lots' materials in the period, in creation order, that are neither complaints nor picked.
MATCH (complaint:Lot) WHERE complaint.lot_id IN $lot_ids
WITH collect(DISTINCT complaint.material_id) AS materials,
     min(complaint.created_at) - duration({days: $days}) AS first,
     max(complaint.created_at) + duration({days: $days}) AS last
// The period's ends as instants, as comparable_lots.cypher has them (see there).
WITH materials,
     CASE WHEN first IS NOT NULL THEN datetime({datetime: first, timezone: '-18:00'}) END AS first,
     CASE WHEN last IS NOT NULL THEN datetime({datetime: last, timezone: '+18:00'}) END AS last
UNWIND materials AS material_id
MATCH (lot:Lot)
WHERE lot.material_id = material_id AND lot.created_at >= first AND lot.created_at <= last
  AND NOT lot.lot_id IN $taken
RETURN lot.lot_id AS lot_id
ORDER BY lot.created_at, lot_id
LIMIT $missing
