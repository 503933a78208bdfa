// What a tracking-event spreadsheet needs beyond the trace, for the affected lots: the product
// name, where the lot is, how and where it was received (SUPPLIED_BY's received_location_id, kept when
// the lot moves; null for receipts imported before it was kept), and the steps that made it with their location
// and inputs (FSMA 204 transformation events list the input lot codes and their quantities).
UNWIND $lot_ids AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
RETURN lot.lot_id AS lot_id,
       COLLECT { MATCH (lot)-[:OF]->(m:Material) RETURN m.name }[0] AS product,
       COLLECT { MATCH (lot)-[:AT]->(l:Location) RETURN l {.location_id, .name, .gln} }[0] AS location,
       COLLECT {
         MATCH (lot)-[r:SUPPLIED_BY]->(s:Supplier)
         RETURN {supplier_id: s.supplier_id, supplier_name: s.name, supplier_lot: r.supplier_lot,
                 received_at: toString(r.received_at), location_id: r.received_location_id}
       } AS received,
       COLLECT {
         MATCH (lot)<-[made:PRODUCED]-(step:ProcessStep)
         RETURN {step_id: step.step_id, operation: step.operation,
                 started_at: toString(step.started_at), ended_at: toString(step.ended_at),
                 quantity: made.quantity, uom: made.uom,
                 location_id: COLLECT { MATCH (step)-[:AT]->(l:Location) RETURN l.location_id }[0],
                 inputs: COLLECT { MATCH (step)<-[use:INPUT_TO]-(i:Lot)
                                   RETURN [i.lot_id, use.quantity, use.uom] }}
       } AS made_by
