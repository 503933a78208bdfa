// Whether the lot $lot_id, made by a step, is in a loop with nothing coming in (X1 -> X2 ->
// X3 -> X1, none received): everything it was made from, however far back, was also made from
// it, and none of that was received. Such a lot's origin is not known: `lot show` said
// "origin produced" of it while a backward trace called it unknown. The rule (and the cheap
// tests before the walks) of cypher/check/unknown_origin.cypher, for one lot; no row when
// the lot is not in such a loop. `loop`: the loop's lots (the lot's ancestors, itself among
// them), which `lot show` names — of a stub it said "never received or produced", where
// `check` says it is in a closed loop (in_closed_loop).
MATCH (lot:Lot {lot_id: $lot_id})
WHERE NOT EXISTS { (lot)-[:SUPPLIED_BY]->(:Supplier) }
  AND NOT EXISTS { (lot)<-[:PRODUCED]-(:ProcessStep)<-[:INPUT_TO]-(:Lot)-[:SUPPLIED_BY]->(:Supplier) }
  AND EXISTS { (lot)-[:INPUT_TO]->() }
WITH lot, COLLECT { MATCH (lot)<-[:PRODUCED|INPUT_TO*]-(up) RETURN DISTINCT up } AS ancestors
WHERE ancestors <> []
  AND none(up IN ancestors WHERE EXISTS { (up)-[:SUPPLIED_BY]->(:Supplier) })
WITH lot, ancestors,
     COLLECT { MATCH (lot)-[:INPUT_TO|PRODUCED*]->(down) RETURN DISTINCT down } AS descendants
WHERE all(up IN ancestors WHERE up IN descendants)
RETURN lot.lot_id AS lot_id,
       COLLECT { UNWIND ancestors AS up WITH up WHERE up:Lot
                 RETURN up.lot_id AS id ORDER BY id } AS loop
