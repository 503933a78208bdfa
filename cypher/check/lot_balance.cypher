// Lots of which more was consumed and shipped (net of returns) than the lot held: beyond
// $tolerance for what baking and drying lose, beyond float noise for pieces ($count_dimension:
// nothing loses them, and 45 panels of a 40-panel lot hid under 15 %). Only edges in the lot's
// own dimension count. $units as in step_balance.
// A rework in place is weighed as lots.balance weighs it (flow.without_rework_in_place): when
// the lot is all the step made, it came back whole and was not used (16 pcs reworked, 16 back,
// 16 shipped is 16 gone, not 32); when the step made other lots beside it (a sort: A 10 kg in,
// A 5 kg and M 5 kg out), it used what did not come back (5 kg), if that came back in the
// lot's dimension. Each use reads only its step's edge back to this lot and the step's number
// of outputs (a degree, not an expansion): the work stays per lot, a pass over the lots.
// A lot recorded as 0 is listed when anything went out of it, or when a step made something
// of it (a step that took it in and gave it back aside): `WHERE lot.quantity > 0` passed over
// a 0 kg salt lot that gave 0.5 kg, which a trace weighs as 0.5 kg (flow.LotBasis), and `lot
// show` said it was within the tolerance. `made` is read for those lots alone.
MATCH (lot:Lot)
WHERE lot.quantity >= 0 AND $units[lot.uom] IS NOT NULL
WITH lot, $units[lot.uom] AS unit
WITH lot, unit, lot.quantity * unit.factor AS held,
     COLLECT { MATCH (lot)-[u:INPUT_TO]->(step:ProcessStep)
               WHERE $units[u.uom].dimension = unit.dimension
               OPTIONAL MATCH (step)-[back:PRODUCED]->(lot)
               WITH step, back, u.quantity * $units[u.uom].factor AS used,
                    back.quantity * $units[back.uom].factor AS came_back
               RETURN CASE
                        WHEN back IS NULL THEN used
                        WHEN COUNT { (step)-[:PRODUCED]->() } = 1 THEN 0.0
                        WHEN $units[back.uom].dimension = unit.dimension AND used > came_back
                          THEN used - came_back
                        ELSE 0.0
                      END AS q
               UNION ALL
               MATCH (lot)-[s:SHIPPED]->(:Shipment)
               WHERE $units[s.uom].dimension = unit.dimension
               RETURN s.quantity * $units[s.uom].factor AS q } AS gone
WITH lot, unit, held, reduce(s = 0.0, q IN gone | s + q) AS out,
     CASE unit.dimension WHEN $count_dimension THEN 0.0 ELSE $tolerance END AS slack
WITH lot, unit, held, out, slack,
     CASE WHEN held = 0 THEN COLLECT {
       MATCH (lot)<-[p:PRODUCED]-(step:ProcessStep)
       WHERE $units[p.uom].dimension = unit.dimension
         AND NOT EXISTS { (lot)-[:INPUT_TO]->(step) }
       RETURN sum(p.quantity * $units[p.uom].factor) AS made
     }[0] ELSE 0.0 END AS made
WHERE out > held * (1 + slack + 1e-9) OR made > 0
RETURN lot.lot_id AS lot_id, lot.quantity AS quantity, lot.uom AS uom,
       out / unit.factor AS used_and_shipped, made / unit.factor AS made
ORDER BY lot_id
