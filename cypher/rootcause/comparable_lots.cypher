// Lots comparable to the complaint lots: lots of the complaints' materials, each created within
// $days days of a complaint lot of its own material, the complaint lots themselves excluded.
// The period is the union of the windows [created_at - $days, created_at + $days] around each
// complaint lot, overlapping windows merged: one span from the earliest complaint to the latest
// took nearly every lot of the plant for complaints made years apart (1M-lot plant, 50 finished
// lots spread over 3 years: 424,857 comparable lots, controls of other seasons and suppliers).
// Per material: a complaint of BREAD opens a window for BREAD's lots only (a lot of CAKE made
// the day of a BREAD complaint is no closer to it than any other CAKE lot).
// At most $max_controls of them, evenly spaced in creation time within each material and shared
// out in proportion to its comparable lots (thinned here, so that tens of thousands of
// candidates never cross the wire), and how many there were (the lots passed over included).
// $passed_over and $downstream_of: lots not to be picked — the complaints' genealogy as an
// earlier pick found it (rootcause.py; see below): a pick that falls on one takes its nearest
// free neighbour, as one that falls on a complaint lot does, so the ranking still counts
// $max_controls; `passed_over` returns those that are comparable lots (of the materials and the
// windows), in creation order.
// Each material's lots come from the index lot_material_created in (created_at, lot_id) order,
// one range seek per window (the windows in order, disjoint: their lots follow one another):
// no lot is read and nothing is sorted. The seek collects node references, not lot ids: taking
// each entry's lot_id out of the index cost as much again as the seek itself (1M-lot plant,
// 420k comparable lots: 166 -> 79 ms); only the ~1,000 picked lots have their lot_id read.
// Complaint lots are not filtered out during the seek
// (`NOT IN $lot_ids` on every entry cost more than the seek): they all lie inside a window of
// their material, so `inside` of them are subtracted from the count, and any that is picked is
// dropped.
MATCH (complaint:Lot) WHERE complaint.lot_id IN $lot_ids
MATCH (complaint)-[:OF]->(material:Material)
// A window's ends as instants: Neo4j orders two datetimes of one instant by their offsets, so
// a lot created at the end's instant written +01:00 (where the end was 08:00Z) fell outside.
// The same instant at the lowest and the highest offset there is (the import keeps offsets
// within ±18:00) comes first and last among that instant's spellings, in the index too.
// (created_at read once: each mention read it again, 252 db hits for 50 complaints)
WITH complaint, material.material_id AS material_id, complaint.created_at AS made
WITH complaint, material_id,
     CASE WHEN made IS NOT NULL THEN
       [datetime({datetime: made - duration({days: $days}), timezone: '-18:00'}),
        datetime({datetime: made + duration({days: $days}), timezone: '+18:00'})]
     END AS window
  ORDER BY window[0]
WITH material_id, collect(complaint) AS complaints, collect(window) AS windows,
     count(*) - count(complaint.material_id) AS without_material_id
// Each material's windows in order, a window that begins before the last one ends merged
// into it (one that begins at the instant the last ends too: -18:00 orders before +18:00)
WITH material_id, complaints, without_material_id, size(windows) AS inside,
     reduce(merged = [], window IN windows |
       CASE WHEN size(merged) > 0 AND window[0] <= merged[-1][1]
            THEN merged[0..-1] + [[merged[-1][0],
                                   CASE WHEN window[1] > merged[-1][1] THEN window[1]
                                        ELSE merged[-1][1] END]]
            ELSE merged + [window] END) AS windows
WITH collect({material_id: material_id, windows: windows}) AS periods,
     reduce(all = [], found IN collect(complaints) | all + found) AS complaints,
     sum(inside) AS inside, sum(without_material_id) AS without_material_id
// A graph imported by an older tracegraph lacks Lot.material_id until `db init` copies it:
// say so (the caller stops) rather than find fewer comparable lots.
CALL (periods, without_material_id) {
  UNWIND CASE WHEN without_material_id = 0 THEN periods ELSE [] END AS period
  CALL (period) {
    UNWIND period.windows AS window
    WITH period.material_id AS material_id, window[0] AS first, window[1] AS last
    CALL (material_id, first, last) {
      MATCH (lot:Lot)
      WHERE lot.material_id = material_id AND lot.created_at >= first
        AND lot.created_at <= last AND lot.lot_id IS NOT NULL
      WITH lot ORDER BY lot.material_id, lot.created_at, lot.lot_id
      RETURN collect(lot) AS part
    }
    RETURN reduce(all = [], part IN collect(part) | all + part) AS found
  }
  RETURN collect(found) AS per_material
}
// The lots passed over: those named, and every lot downstream of the complaint lots named in
// $downstream_of (those a pick was made from: the lots packed from one complaint batch follow
// one another, and passed over one at a time each pick took the next), of the materials and
// the windows. Read only when picking again (both lists are empty at first).
CALL (periods) {
  CALL () {
    // by id: the planner chose to read the period's lots again from the material index
    MATCH (lot:Lot) USING INDEX lot:Lot(lot_id)
    WHERE lot.lot_id IN $passed_over
    RETURN lot
    UNION
    MATCH (source:Lot) WHERE source.lot_id IN $downstream_of
    MATCH (source)-[:INPUT_TO|PRODUCED*]->(lot:Lot)
    WITH DISTINCT lot
    RETURN lot
  }
  WITH DISTINCT lot
  WHERE NOT lot.lot_id IN $lot_ids
    AND any(period IN periods WHERE period.material_id = lot.material_id
            AND any(window IN period.windows
                    WHERE lot.created_at >= window[0] AND lot.created_at <= window[1]))
  WITH lot ORDER BY lot.created_at, lot.lot_id
  RETURN collect(lot) AS passed
}
WITH without_material_id, periods, per_material, inside, complaints, passed,
     reduce(n = 0, found IN per_material | n + size(found)) AS total
WITH without_material_id, periods, per_material, total, passed, complaints + passed AS excluded,
     CASE WHEN total > inside THEN total - inside ELSE 0 END AS comparable
// Each material's number of picks is the difference of the rounded running shares, so the
// numbers add up to $max_controls exactly (rounding each material's share on its own gave
// 999 of 1,000 for complaints of several materials); within a material the picks are evenly
// spaced over its lots.
WITH without_material_id, periods, comparable, passed, excluded, per_material, total,
     [k IN range(0, size(per_material) - 1) | CASE WHEN total = 0 THEN 0 ELSE
       toInteger(round(toFloat(reduce(n = 0, f IN per_material[0..k + 1] | n + size(f)))
                       * $max_controls / total))
       - toInteger(round(toFloat(reduce(n = 0, f IN per_material[0..k] | n + size(f)))
                         * $max_controls / total)) END] AS picks
// (picks are only needed when thinning: with --max-controls above the comparable lots a
// material's share could be a range of millions)
WITH without_material_id, periods, comparable, passed, excluded, per_material,
     comparable - size(passed) <= $max_controls AS every,
     CASE WHEN comparable - size(passed) <= $max_controls THEN [] ELSE picks END AS picks
WITH without_material_id, periods, comparable, passed, excluded, per_material, every, picks,
     [k IN range(0, size(picks) - 1) |
       [i IN range(0, picks[k] - 1) | toInteger(i * toFloat(size(per_material[k])) / picks[k])]
     ] AS ats,
     // how far to look for a free lot: the spacing of the lots left free, for a few of them
     // (`reach`: as many as there are lots excluded; the first `near` after the pick are
     // looked through first, the rest only when those are all taken — a list comprehension
     // reads its whole range, and with 160 lots excluded the wide ranges alone took the query
     // from 10 to 29 ms)
     [k IN range(0, size(picks) - 1) |
       size(per_material[k])
       / CASE WHEN size(per_material[k]) - picks[k] - size(excluded) > 0
              THEN size(per_material[k]) - picks[k] - size(excluded) ELSE 1 END + 1] AS spacing
WITH without_material_id, periods, comparable, passed, excluded, per_material, every, picks, ats,
     [gap IN spacing | gap * 4] AS near, [gap IN spacing | gap * (size(excluded) + 2)] AS reach
// A pick that falls on a complaint lot (or a lot passed over) takes the nearest lot (after it,
// else before it) that is neither excluded nor picked: dropping it gave --max-controls N only
// N-1 controls (1 none), and taking the next lot could take a lot picked already. Only the
// picks that fall on an excluded lot look at their neighbours, as far as a few free lots'
// spacing.
WITH without_material_id, periods, comparable, passed, CASE WHEN every THEN per_material
  ELSE [k IN range(0, size(per_material) - 1) |
    [at IN ats[k] |
     CASE WHEN NOT per_material[k][at] IN excluded THEN per_material[k][at]
          ELSE per_material[k][coalesce(
            [j IN range(at + 1, at + near[k])
             WHERE j < size(per_material[k]) AND NOT j IN ats[k]
               AND NOT per_material[k][j] IN excluded][0],
            [j IN range(at + near[k] + 1, at + reach[k])
             WHERE j < size(per_material[k]) AND NOT j IN ats[k]
               AND NOT per_material[k][j] IN excluded][0],
            [j IN range(at - 1, at - reach[k], -1)
             WHERE 0 <= j AND NOT j IN ats[k] AND NOT per_material[k][j] IN excluded][0])]
     END]]
  END AS picked
RETURN without_material_id, comparable,
       // every material's windows (the summary counts the periods they cover)
       reduce(all = [], period IN periods | all + period.windows) AS windows,
       [lot_id IN [lot IN reduce(all = [], found IN picked | all + found) | lot.lot_id]
        WHERE lot_id IS NOT NULL AND NOT lot_id IN $lot_ids AND NOT lot_id IN $passed_over]
         AS controls,
       [lot IN passed | lot.lot_id] AS passed_over
