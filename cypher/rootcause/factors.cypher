// The upstream factors of each given lot, for common-cause ranking: every lot upstream
// (BFS-pruned, each visited once) gives itself (received, or made or of unknown origin) and
// its supplier; every step upstream
// its device, operator, operation and the production shift it started in. One row holding a
// map per lot: a row per lot costs the server and the driver more than the traversal.
//   steps: [operation, started_at, device_id, operator_id, ended_at, parameters]
// parameters: [[name, value]] of the step's other properties (the steps table's extra columns,
// peak_temp_c, bake_min; $fixed names the canonical ones): a parameter out of its usual range
// and an alarm of the step's device during it are factors too (the library reads the alarms
// apart, by device and span: see tracegraph/rootcause.py).
// inspections, beside the lots: [lot_id, [[test, result, value, unit, operator_id, device_id,
// inspection_id]]] of every lot reached (a given lot too) that has any, its own and those of
// the step that made it (see below).
// The steps are those the traversal passes through (each upstream lot's producing step), so
// they need no second expansion from every lot. Supplier, device and operator are read from
// the copies the import keeps on lots, steps and inspections (supplier_id, device_id,
// operator_id), not by expanding each node: coalesce reads the edge only where a copy is
// missing — a lot made in the plant, a step without a device, or a graph imported before the
// copies (`db init` adds them). 1,049 lots on the 1M-lot plant: 350k -> 162k db hits.
// $all_lots: ids that must all be lot ids for any row to be read ([]: no condition). A ranking
// reads the factors of the ids as given while they are looked up (lot/resolve): a list with a
// mistyped id, or with a supplier lot number, reads nothing here (the ids' index seeks, which
// the look-up makes too) — the first is an error, the second's lots are read once named.
WITH $lot_ids AS lot_ids
WHERE all(id IN $all_lots WHERE EXISTS { MATCH (:Lot {lot_id: id}) })
UNWIND lot_ids AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
CALL (lot) {
  MATCH (lot)<-[:INPUT_TO|PRODUCED*0..]-(up)
  WITH DISTINCT up
  WITH up, CASE WHEN up:Lot THEN coalesce(
    up.supplier_id, [(up)-[:SUPPLIED_BY]->(supplier:Supplier) | supplier.supplier_id][0]
  ) END AS supplier_id
  // a lot is no factor of itself (a received complaint lot was its own "strong common
  // cause", 1 of 1 complaints, its supplier second); its supplier is one
  RETURN collect(CASE WHEN supplier_id IS NOT NULL AND up <> lot THEN up.lot_id END) AS raw_lots,
         // the other lots upstream — batches made in the plant, and stubs of unknown origin —
         // are factors too: one mixing batch in every complaint is a cause the ranking of its
         // step's device and shift blurs with the batches next to it. No DISTINCT on the lot
         // lists: `up` is distinct already (one source per CALL), and hashing every id again
         // cost more than the input lots add (1,050 lots, 100k plant: 61 -> 65 ms with the
         // input lots and DISTINCT, 62 -> 63 ms without)
         collect(CASE WHEN up:Lot AND supplier_id IS NULL AND up <> lot
                               THEN up.lot_id END) AS input_lots,
         collect(DISTINCT supplier_id) AS suppliers,
         collect(CASE WHEN up:ProcessStep THEN up END) AS steps,
         collect(CASE WHEN up:Lot THEN up END) AS reached
}
WITH collect({
  lot_id: lot.lot_id,
  status: lot.status,
  raw_lots: raw_lots,
  input_lots: input_lots,
  suppliers: suppliers,
  steps: [step IN steps |
    [step.operation, toString(step.started_at),
     coalesce(step.device_id, [(step)-[:ON]->(device:Device) | device.device_id][0]),
     coalesce(step.operator_id, [(step)-[:BY]->(operator:Operator) | operator.operator_id][0]),
     toString(step.ended_at),
     [name IN keys(step) WHERE NOT name IN $fixed AND NOT name STARTS WITH '_' |
       [name, step[name]]]]]
}) AS lots, collect(reached) AS reached
// The inspections of the lots reached (the given lots' own too), each lot once: a raw lot,
// a salt lot and a batch are upstream of many of the given lots, and read per given lot
// they cost most of the query (1,048 lots on the 1M-lot plant: 232k db hits without
// inspections, 424k with them read per given lot).
// Only when asked ($inspections): they add a quarter to two thirds to the query's database work
// (1M-lot plant: 232k -> 291k-383k db hits), and a ranking of 50 complaint lots went over
// DESIGN.md's 100 ms with them.
CALL (reached) {
  WITH reached WHERE $inspections
  UNWIND reached AS lots_reached
  UNWIND lots_reached AS up
  WITH DISTINCT up
  // a lot's own inspections, and those taken during the step that made it and of no lot (an
  // in-process check of a bake, recorded against the step): the lot's as a backward trace
  // shows them. "Of no lot" is planned as getDegree, one db hit per inspection during the step
  // (100k-lot plant, 1,050 lots: 1,001 of 354k db hits); the branch's cost is its PRODUCED and
  // DURING expansions (28k db hits each). A lot_id copied onto inspections, read instead, gave
  // the same db hits and time (269.1 vs 270.3 ms p50), so there is none.
  WITH up, [(up)<-[:OF_LOT]-(inspection) | inspection] +
    [(up)<-[:PRODUCED]-()<-[:DURING]-(inspection)
       WHERE NOT (inspection)-[:OF_LOT]->() | inspection] AS inspections
  WITH up, [inspection IN inspections |
    [inspection.test, inspection.result, inspection.value, inspection.unit,
     coalesce(inspection.operator_id, [(inspection)-[:BY]->(by) | by.operator_id][0]),
     coalesce(inspection.device_id, [(inspection)-[:ON]->(on) | on.device_id][0]),
     inspection.inspection_id]]
    AS found
  WHERE found <> []
  RETURN collect([up.lot_id, found]) AS inspections
}
RETURN lots, inspections
