// Holes in the chain: lots of unknown origin, by the rule `tracegraph check` uses (its
// unknown_origin check): never received from a supplier, and made by no step — a step that
// takes the lot in and gives it back (a rework in place) does not make it. A lot only a
// step_outputs row names is no hole: a step made it, only its lots row is missing. Each with
// the steps and shipments that used it. The first 300 holes found: a canvas shows no more
// usefully (`tracegraph check` counts and lists them all); finding them reads every lot.
MATCH (lot:Lot)
WHERE NOT EXISTS { (lot)-[:SUPPLIED_BY]->(:Supplier) }
  AND NOT EXISTS {
    MATCH (lot)<-[:PRODUCED]-(step:ProcessStep)
    WHERE NOT EXISTS { (lot)-[:INPUT_TO]->(step) }
  }
WITH lot LIMIT 300
OPTIONAL MATCH (lot)-[:INPUT_TO|SHIPPED]->(used)
RETURN lot, used;
