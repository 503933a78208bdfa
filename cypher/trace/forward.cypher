// Everything downstream of the source lots, as the subgraph the library needs to weigh
// quantities — in ONE row of compact lists (a row per lot costs the server and the driver more
// than the traversal: 23-lot trace 4.2 -> 2.4 ms, 1,600-lot trace 101 -> 53 ms on 1M lots):
//   lots:      [lot_id, quantity, uom, status, origin_known, created_at, material_id,
//               used_in [[step_id, quantity, uom]], made_by [[step_id, quantity, uom]],
//               shipped [[shipment_id, quantity, uom]]]   (sources included)
//   steps:     [step_id, operation, started_at] of every step a reached lot went into
//   shipments: [shipment_id, shipped_at, reference_doc, carrier, from_location_id,
//               customer_id, customer_name, customer_contact, customer_country]
// The variable-length pattern with DISTINCT and no path variable is planned as
// VarLengthExpand(Pruning,BFS): each lot and step is visited once, however many paths lead to it
// (a salt lot reaches every batch along millions of paths). tests/test_trace.py checks the plan.
// Times travel as text (toString): the driver's DateTime objects cost more than the traversal.
MATCH (source:Lot) WHERE source.lot_id IN $lot_ids
MATCH (source)-[:INPUT_TO|PRODUCED*0..]->(lot:Lot)
WITH DISTINCT lot
WITH collect(lot) AS reached
RETURN
  [lot IN reached |
    [lot.lot_id, lot.quantity, lot.uom, lot.status, lot.origin_known, toString(lot.created_at),
     [(lot)-[:OF]->(m:Material) | m.material_id][0],
     [(lot)-[use:INPUT_TO]->(step:ProcessStep) | [step.step_id, use.quantity, use.uom]],
     [(lot)<-[made:PRODUCED]-(step:ProcessStep) | [step.step_id, made.quantity, made.uom]],
     [(lot)-[line:SHIPPED]->(shipment:Shipment) | [shipment.shipment_id, line.quantity, line.uom]]]
  ] AS lots,
  COLLECT {
    UNWIND reached AS lot
    MATCH (lot)-[:INPUT_TO]->(step:ProcessStep)
    WITH DISTINCT step
    RETURN [step.step_id, step.operation, toString(step.started_at)]
  } AS steps,
  COLLECT {
    UNWIND reached AS lot
    MATCH (lot)-[:SHIPPED]->(shipment:Shipment)
    WITH DISTINCT shipment
    OPTIONAL MATCH (shipment)-[:TO]->(customer:Customer)
    RETURN [shipment.shipment_id, toString(shipment.shipped_at), shipment.reference_doc,
            shipment.carrier, [(shipment)-[:FROM]->(l:Location) | l.location_id][0],
            customer.customer_id, customer.name, customer.contact, customer.country]
  } AS shipments
