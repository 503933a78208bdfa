// The upstream factors of each given lot, for common-cause ranking: every lot upstream
// (BFS-pruned, each visited once) gives its received lot and supplier; every step upstream
// its device, operator, operation and the production shift it started in. One row holding a
// map per lot: a row per lot costs the server and the driver more than the traversal.
UNWIND $lot_ids AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
CALL (lot) {
  MATCH (lot)<-[:INPUT_TO|PRODUCED*0..]-(up:Lot)
  WITH DISTINCT up
  OPTIONAL MATCH (up)-[receipt:SUPPLIED_BY]->(supplier:Supplier)
  OPTIONAL MATCH (up)<-[:PRODUCED]-(step:ProcessStep)
  RETURN collect(DISTINCT CASE WHEN supplier IS NOT NULL THEN up.lot_id END) AS raw_lots,
         collect(DISTINCT supplier.supplier_id) AS suppliers,
         collect(DISTINCT step) AS steps
}
RETURN collect({
  lot_id: lot.lot_id,
  raw_lots: raw_lots,
  suppliers: suppliers,
  steps: [step IN steps | {
    operation: step.operation,
    started_at: toString(step.started_at),
    device_id: COLLECT { MATCH (step)-[:ON]->(d:Device) RETURN d.device_id }[0],
    operator_id: COLLECT { MATCH (step)-[:BY]->(o:Operator) RETURN o.operator_id }[0]
  }]
}) AS lots
