// Lots of which more was consumed and shipped (net of returns) than the lot held: beyond
// $tolerance for what baking and drying lose, beyond float noise for pieces ($count_dimension:
// nothing loses them, and 45 panels of a 40-panel lot hid under 15 %). Only edges in the lot's
// own dimension count. $units as in step_balance.
// The lot's balance is flow.balance's (what `lot show` and the forward trace's stock count),
// weighed as check.lot_beyond_tolerance says; tests/test_lot_balance_agrees.py runs both on
// awkward lots. It read one row per use line and back line (two lines of a step multiplied
// each other) and missed a rework's loss and what a loop booked back. Per step the lot went
// into, all its lines together (flow.without_rework_in_place, flow.rework_losses):
// - a step that did not give the lot back used what the lot's lines say;
// - a rework in place that makes the lot alone used what it did not give back (RB2 20 kg in,
//   18 kg back: 2 kg), nothing when the same or more came back, when a back line has no
//   quantity or when nothing came back in the lot's dimension;
// - a sort that gives the lot back beside other lots (A 10 kg in, A 5 kg and M 5 kg out) used
//   what did not come back (5 kg), if some came back in the lot's dimension.
// A lot booked into by two steps or more (not reworks in place) holds what they made beyond
// its quantity too (flow._booked_back: LB made as 10 kg, 1 kg of its rework LC booked back by
// LS3, holds 11 kg); read only for lots with two step→lot edges or more (a degree).
// A lot recorded as 0 is listed when anything went out of it, or when a step made something
// of it (a step that took it in and gave it back aside): `WHERE lot.quantity > 0` passed over
// a 0 kg salt lot that gave 0.5 kg, which a trace weighs as 0.5 kg (flow.LotBasis), and `lot
// show` said it was within the tolerance. `made` is read for those lots alone (null for the
// others: `made: 0.0` meant nothing).
// Each use reads only its step's lines to and from this lot and whether the step made another
// lot (an existence test, not an expansion): the work stays per lot, one pass over the lots.
MATCH (lot:Lot)
WHERE lot.quantity >= 0 AND $units[lot.uom] IS NOT NULL
WITH lot, $units[lot.uom] AS unit
// the step→lot lines into the lot, read once (most lots have one): a rework's return and
// what the steps that made it booked into it
WITH lot, unit, lot.quantity * unit.factor AS held,
     COLLECT { MATCH (lot)<-[b:PRODUCED]-(step:ProcessStep)
               RETURN {step: step, blank: b.quantity IS NULL,
                       q: CASE WHEN $units[b.uom].dimension = unit.dimension
                               THEN coalesce(b.quantity, 0.0) * $units[b.uom].factor END} } AS into
WITH lot, unit, held, into,
     COLLECT { MATCH (lot)-[u:INPUT_TO]->(step:ProcessStep)
               WITH step, sum(CASE WHEN $units[u.uom].dimension = unit.dimension
                                   THEN u.quantity * $units[u.uom].factor END) AS used
               WITH step, used, [b IN into WHERE b.step = step] AS back
               WITH step, used, back, [b IN back WHERE b.q IS NOT NULL | b.q] AS back_here
               WITH step, used, back, back_here,
                    used - reduce(s = 0.0, q IN back_here | s + q) AS kept
               RETURN CASE
                        WHEN back = [] THEN used
                        WHEN back_here = [] THEN 0.0
                        WHEN EXISTS { (step)-[:PRODUCED]->(other:Lot) WHERE other <> lot }
                          THEN CASE WHEN kept > 1e-9 THEN kept ELSE 0.0 END
                        WHEN any(b IN back WHERE b.blank) THEN 0.0
                        WHEN kept > 1e-9 * CASE WHEN used > 1.0 THEN used ELSE 1.0 END
                          THEN kept
                        ELSE 0.0
                      END AS q
               UNION ALL
               MATCH (lot)-[s:SHIPPED]->(:Shipment)
               WHERE $units[s.uom].dimension = unit.dimension AND s.quantity IS NOT NULL
               RETURN s.quantity * $units[s.uom].factor AS q } AS gone
// what steps that did not take the lot in made of it (a rework in place does not make it)
WITH lot, unit, held, gone,
     CASE WHEN held = 0 OR size(into) > 1 THEN
       [b IN into WHERE b.q > 0 AND NOT EXISTS { MATCH (lot)-[:INPUT_TO]->(step)
                                                 WHERE step = b.step }]
     ELSE [] END AS making
WITH lot, unit, held, reduce(s = 0.0, q IN gone | s + q) AS out,
     CASE unit.dimension WHEN $count_dimension THEN 0.0 ELSE $tolerance END AS slack,
     reduce(s = 0.0, b IN making | s + b.q) AS made,
     size(reduce(steps = [], b IN making |
                 CASE WHEN b.step IN steps THEN steps ELSE steps + b.step END)) AS makers
WITH lot, unit, held, out, slack, made,
     CASE WHEN makers > 1 AND made > held THEN made - held ELSE 0.0 END AS booked_back
WHERE out > (held + booked_back) * (1 + slack + 1e-9) OR (held = 0 AND made > 0)
RETURN lot.lot_id AS lot_id, lot.quantity AS quantity, lot.uom AS uom,
       out / unit.factor AS used_and_shipped,
       CASE WHEN booked_back > 0 THEN booked_back / unit.factor END AS booked_back,
       CASE WHEN held = 0 THEN made / unit.factor END AS made
ORDER BY lot_id
