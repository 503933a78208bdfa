// Everything upstream of the source lots, in ONE row (a row per lot costs more than the
// traversal; see forward.cypher): a map per reached lot (sources included) with its
// material, supplier receipt, inspections and the steps that made it — each step with its
// device, operator, parameters, inspections, all its inputs and all its outputs (the library
// weighs how much of each input lot went into the sources). Planned as
// VarLengthExpand(Pruning,BFS): every lot and step is visited once, never path by path.
// Times travel as text (toString): the driver's DateTime objects cost more than the traversal.
MATCH (source:Lot) WHERE source.lot_id IN $lot_ids
MATCH (source)<-[:INPUT_TO|PRODUCED*0..]-(lot:Lot)
WITH DISTINCT lot
RETURN collect({
  lot_id: lot.lot_id,
  quantity: lot.quantity,
  uom: lot.uom,
  status: lot.status,
  origin_known: lot.origin_known,
  created_at: toString(lot.created_at),
  expires_at: toString(lot.expires_at),
  material_id: COLLECT { MATCH (lot)-[:OF]->(m:Material) RETURN m.material_id }[0],
  supplied_by: COLLECT {
    MATCH (lot)-[receipt:SUPPLIED_BY]->(supplier:Supplier)
    RETURN {supplier_id: supplier.supplier_id, name: supplier.name,
            country: supplier.country, supplier_lot: receipt.supplier_lot,
            received_at: toString(receipt.received_at)}
  },
  inspections: COLLECT {
    MATCH (lot)<-[:OF_LOT]-(inspection:Inspection)
    RETURN inspection {.*, inspected_at: toString(inspection.inspected_at)}
  },
  made_by: COLLECT {
    MATCH (lot)<-[made:PRODUCED]-(step:ProcessStep)
    RETURN {step: step {.*, started_at: toString(step.started_at), ended_at: toString(step.ended_at)},
            quantity: made.quantity, uom: made.uom,
            device: COLLECT { MATCH (step)-[:ON]->(d:Device) RETURN d {.*} }[0],
            operator: COLLECT { MATCH (step)-[:BY]->(o:Operator) RETURN o {.*} }[0],
            work_order_id: COLLECT { MATCH (step)-[:FOR]->(w:WorkOrder) RETURN w.work_order_id }[0],
            location_id: COLLECT { MATCH (step)-[:AT]->(l:Location) RETURN l.location_id }[0],
            inspections: COLLECT { MATCH (step)<-[:DURING]-(i:Inspection) RETURN i {.*, inspected_at: toString(i.inspected_at)} },
            inputs: COLLECT {
              MATCH (step)<-[use:INPUT_TO]-(input:Lot)
              RETURN {lot_id: input.lot_id, quantity: use.quantity, uom: use.uom}
            },
            outputs: COLLECT {
              MATCH (step)-[out:PRODUCED]->(output:Lot)
              RETURN {lot_id: output.lot_id, quantity: out.quantity, uom: out.uom}
            }}
  }
}) AS lots
