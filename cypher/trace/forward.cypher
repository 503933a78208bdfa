// Everything downstream of the source lots, as the subgraph the library needs to weigh
// quantities: one row per reached lot (sources included, depth computed by the library) with
// the steps it went into, the steps that made it and the shipment lines that carried it.
// The variable-length pattern with DISTINCT and no path variable is planned as
// VarLengthExpand(Pruning,BFS): each lot and step is visited once, however many paths lead to it
// (a salt lot reaches every batch along millions of paths). tests/test_trace.py checks the plan.
// Times travel as text (toString): the driver's DateTime objects cost more than the traversal.
MATCH (source:Lot) WHERE source.lot_id IN $lot_ids
MATCH (source)-[:INPUT_TO|PRODUCED*0..]->(lot:Lot)
WITH DISTINCT lot
RETURN lot.lot_id AS lot_id,
       lot.quantity AS quantity,
       lot.uom AS uom,
       lot.status AS status,
       lot.origin_known AS origin_known,
       toString(lot.created_at) AS created_at,
       COLLECT { MATCH (lot)-[:OF]->(m:Material) RETURN m.material_id }[0] AS material_id,
       COLLECT {
         MATCH (lot)-[use:INPUT_TO]->(step:ProcessStep)
         RETURN {step_id: step.step_id, operation: step.operation, started_at: toString(step.started_at),
                 quantity: use.quantity, uom: use.uom}
       } AS used_in,
       COLLECT {
         MATCH (lot)<-[made:PRODUCED]-(step:ProcessStep)
         RETURN {step_id: step.step_id, quantity: made.quantity, uom: made.uom}
       } AS made_by,
       COLLECT {
         MATCH (lot)-[line:SHIPPED]->(shipment:Shipment)
         OPTIONAL MATCH (shipment)-[:TO]->(customer:Customer)
         RETURN {shipment_id: shipment.shipment_id, shipped_at: toString(shipment.shipped_at),
                 reference_doc: shipment.reference_doc, carrier: shipment.carrier,
                 from_location_id: COLLECT { MATCH (shipment)-[:FROM]->(l:Location) RETURN l.location_id }[0],
                 quantity: line.quantity, uom: line.uom,
                 customer_id: customer.customer_id, customer_name: customer.name,
                 customer_contact: customer.contact, customer_country: customer.country}
       } AS shipped
