// More controls, read only when the evenly spaced picks of comparable_lots.cypher came out
// short of what was asked (two picks that fell on complaint lots took the same lot, or a
// material had more picks than lots that are no complaint, or the complaints' genealogy was
// passed over in clusters): $missing lots of the complaint lots' materials in their windows
// that are neither complaints nor taken, evenly spaced in creation order over those free lots,
// as the first picks are (the first $missing in time took the period's oldest lots only).
// The windows are comparable_lots.cypher's (see there): around each complaint lot, per
// material, merged where they overlap — one span from the first complaint to the last took
// the lots of months between complaints made months apart.
MATCH (complaint:Lot) WHERE complaint.lot_id IN $lot_ids AND complaint.created_at IS NOT NULL
WITH complaint.material_id AS material_id,
     datetime({datetime: complaint.created_at - duration({days: $days}), timezone: '-18:00'})
       AS first,
     datetime({datetime: complaint.created_at + duration({days: $days}), timezone: '+18:00'})
       AS last
  ORDER BY first
WITH material_id, collect([first, last]) AS windows
WITH material_id,
     reduce(merged = [], window IN windows |
       CASE WHEN size(merged) > 0 AND window[0] <= merged[-1][1]
            THEN merged[0..-1] + [[merged[-1][0],
                                   CASE WHEN window[1] > merged[-1][1] THEN window[1]
                                        ELSE merged[-1][1] END]]
            ELSE merged + [window] END) AS windows
UNWIND windows AS window
WITH material_id, window[0] AS first, window[1] AS last
MATCH (lot:Lot)
WHERE lot.material_id = material_id AND lot.created_at >= first AND lot.created_at <= last
  AND NOT lot.lot_id IN $taken
WITH lot ORDER BY lot.created_at, lot.lot_id
WITH collect(lot.lot_id) AS free
UNWIND CASE WHEN size(free) <= $missing THEN range(0, size(free) - 1)
            ELSE [i IN range(0, $missing - 1) | toInteger(i * toFloat(size(free)) / $missing)]
       END AS at
RETURN free[at] AS lot_id
