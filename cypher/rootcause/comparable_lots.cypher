// Lots comparable to the complaint lots: the same materials, created within $days days of the
// complaint lots' own period, the complaint lots themselves excluded. At most $max_controls of
// them, evenly spaced in creation time within each material and shared out in proportion to its
// comparable lots (thinned here, so that tens of thousands of candidates never cross the wire),
// and how many there were.
// Each material's lots come from the index lot_material_created in (created_at, lot_id) order:
// no lot is read and nothing is sorted. The seek collects node references, not lot ids: taking
// each entry's lot_id out of the index cost as much again as the seek itself (1M-lot plant,
// 420k comparable lots: 166 -> 79 ms); only the ~1,000 picked lots have their lot_id read.
// Complaint lots are not filtered out during the seek
// (`NOT IN $lot_ids` on every entry cost more than the seek): they all lie inside the window, so
// `inside` of them are subtracted from the count, and any that is picked is dropped.
MATCH (complaint:Lot) WHERE complaint.lot_id IN $lot_ids
MATCH (complaint)-[:OF]->(material:Material)
WITH collect(DISTINCT material.material_id) AS materials, collect(complaint) AS complaints,
     count(complaint.created_at) AS inside,
     count(*) - count(complaint.material_id) AS without_material_id,
     min(complaint.created_at) - duration({days: $days}) AS first,
     max(complaint.created_at) + duration({days: $days}) AS last
// A graph imported by an older tracegraph lacks Lot.material_id until `db init` copies it:
// say so (the caller stops) rather than find fewer comparable lots.
CALL (materials, first, last, without_material_id) {
  UNWIND CASE WHEN without_material_id = 0 THEN materials ELSE [] END AS material_id
  CALL (material_id, first, last) {
    MATCH (lot:Lot)
    WHERE lot.material_id = material_id AND lot.created_at >= first AND lot.created_at <= last
      AND lot.lot_id IS NOT NULL
    WITH lot ORDER BY lot.material_id, lot.created_at, lot.lot_id
    RETURN collect(lot) AS found
  }
  RETURN collect(found) AS per_material
}
WITH without_material_id, per_material, inside, complaints,
     reduce(n = 0, found IN per_material | n + size(found)) AS total
WITH without_material_id, per_material, total, complaints,
     CASE WHEN total > inside THEN total - inside ELSE 0 END AS comparable
// A pick that falls on a complaint lot takes the first lot after it that is none (dropping
// it gave --max-controls N only N-1 controls, and 1 none): a window scanned only for the picks
// that fall on one. The caller drops a lot picked twice so (two picks a lot apart), then keeps
// $max_controls.
WITH without_material_id, comparable, CASE WHEN comparable <= $max_controls THEN per_material
  ELSE [found IN per_material |
    [at IN [i IN range(0, toInteger(round(toFloat(size(found)) * $max_controls / total)) - 1)
            | toInteger(i * toFloat(total) / $max_controls)]
     | CASE WHEN NOT found[at] IN complaints THEN found[at]
            ELSE [lot IN found[at..at + size(complaints) + 1] WHERE NOT lot IN complaints][0]
       END]]
  END AS picked
RETURN without_material_id, comparable,
       [lot_id IN [lot IN reduce(all = [], found IN picked | all + found) | lot.lot_id]
        WHERE lot_id IS NOT NULL AND NOT lot_id IN $lot_ids] AS controls
