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
// A lot made by more steps than it went into is made (a step and a lot have one link of a
// type) without expanding its links, ledger's included: only the others are sought. 20k-lot
// plant: 261,873 -> 189,015 db hits; after 2 nights changing 14,993 lots, 287,811 -> 202,065
// (a made lot a later step used still reads its ledger links: 2 db hits each).
MATCH (lot:Lot)
WHERE NOT EXISTS { (lot)-[:SUPPLIED_BY]->() }
  AND NOT COUNT { (lot)<-[:PRODUCED]-() } > COUNT { (lot)-[:INPUT_TO]->() }
  AND NOT EXISTS {
    MATCH (lot)<-[:PRODUCED]-(step:ProcessStep)
    WHERE NOT EXISTS { (step)<-[:INPUT_TO]-(lot) }
  }
WITH lot LIMIT 300
OPTIONAL MATCH (lot)-[:INPUT_TO|SHIPPED]->(used)
RETURN lot, used;
