// Holes in the chain: lots of unknown origin, by the rule `tracegraph check` uses (its
// unknown_origin check): never received from a supplier, and made by no step — a step that
// takes the lot in and gives it back (a rework in place) does not make it. A lot only a
// step_outputs row names is no hole: a step made it, only its lots row is missing. Each with
// the steps and shipments that used it. The first 300 holes found: a canvas shows no more
// usefully (`tracegraph check` counts and lists them all); finding them reads every lot.
// "Received" is a degree (SUPPLIED_BY only ever ends at a Supplier: the label test made it an
// expansion, which walked each lot's every link, the ledger's ABOUT links from RowChange
// nodes too), and a rework in place is sought from the step, whose links are few: 64,879 db
// hits on a 3,009-lot plant, 67,691 after a night changing 1,505 lots, where 41,949 now.
MATCH (lot:Lot)
WHERE NOT EXISTS { (lot)-[:SUPPLIED_BY]->() }
  AND NOT EXISTS {
    MATCH (lot)<-[:PRODUCED]-(step:ProcessStep)
    WHERE NOT EXISTS { (step)<-[:INPUT_TO]-(lot) }
  }
WITH lot LIMIT 300
OPTIONAL MATCH (lot)-[:INPUT_TO|SHIPPED]->(used)
RETURN lot, used;
