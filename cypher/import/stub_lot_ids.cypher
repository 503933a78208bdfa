// The ids of lots known only as references (origin_known = false), read before and after an
// import to name the stubs it added: a lot id a step or shipment names that neither the import
// nor the graph has a row for (a lot of an earlier system, or a typo). Stubs are few beside
// the lots with rows, so collecting their ids costs what counting them did (a scan of Lot).
MATCH (lot:Lot {origin_known: false})
RETURN collect(lot.lot_id) AS ids
