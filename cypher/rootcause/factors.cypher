// The upstream factors of each given lot, for common-cause ranking: every lot upstream
// (BFS-pruned, each visited once) gives its received lot and supplier; every step upstream
// its device, operator, operation and the production shift it started in. One row holding a
// map per lot: a row per lot costs the server and the driver more than the traversal.
//   steps: [operation, started_at, [[link type (ON or BY), device_id or operator_id]]]
// The steps are those the traversal passes through (each upstream lot's producing step), so
// they need no second expansion from every lot, and a step's device and operator come from
// one expansion: 1,049 lots on the 1M-lot plant, 350k -> 245k db hits.
UNWIND $lot_ids AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
CALL (lot) {
  MATCH (lot)<-[:INPUT_TO|PRODUCED*0..]-(up)
  WITH DISTINCT up
  OPTIONAL MATCH (up)-[receipt:SUPPLIED_BY]->(supplier:Supplier)
  RETURN collect(DISTINCT CASE WHEN supplier IS NOT NULL THEN up.lot_id END) AS raw_lots,
         collect(DISTINCT supplier.supplier_id) AS suppliers,
         collect(CASE WHEN up:ProcessStep THEN up END) AS steps
}
RETURN collect({
  lot_id: lot.lot_id,
  raw_lots: raw_lots,
  suppliers: suppliers,
  steps: [step IN steps |
    [step.operation, toString(step.started_at),
     [(step)-[link:ON|BY]->(other) | [type(link), coalesce(other.device_id, other.operator_id)]]]]
}) AS lots
