// More controls, read only when the evenly spaced picks of comparable_lots.cypher came out
// short of what was asked (two picks that fell on complaint lots took the same lot, or a
// material had more picks than lots that are no complaint, or the complaints' genealogy was
// passed over in clusters): $missing lots of the complaint lots' materials in the period that
// are neither complaints nor taken, evenly spaced in creation order over those free lots, as
// the first picks are (the first $missing in time took the period's oldest lots only).
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
WITH lot ORDER BY lot.created_at, lot.lot_id
WITH collect(lot.lot_id) AS free
UNWIND CASE WHEN size(free) <= $missing THEN range(0, size(free) - 1)
            ELSE [i IN range(0, $missing - 1) | toInteger(i * toFloat(size(free)) / $missing)]
       END AS at
RETURN free[at] AS lot_id
