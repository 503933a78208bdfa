// The ids of lots known only as references (origin_known = false), read before and after an
// import to name the stubs it added: a lot id a step or shipment names that neither the import
// nor the graph has a row for (a lot of an earlier system, or a typo). Stubs are few beside
// the lots with rows, so collecting their ids costs what counting them did (a scan of Lot).
// `made`: those of them a step made (an output of a step that did not also take them in, by
// the rule of cypher/check/unknown_origin.cypher) — of known origin, only their row is missing.
// `unreported`: those no run that ended named (see mark_reported.cypher): a killed run's.
MATCH (lot:Lot {origin_known: false})
RETURN collect(lot.lot_id) AS ids,
       collect(CASE WHEN EXISTS {
                 MATCH (lot)<-[:PRODUCED]-(step:ProcessStep)
                 WHERE NOT EXISTS { (lot)-[:INPUT_TO]->(step) }
               } THEN lot.lot_id END) AS made,
       collect(CASE WHEN lot._reported IS NULL THEN lot.lot_id END) AS unreported
