// One lot's dossier: identity and aliases (with the sources that sent each), material, origin
// (supplier receipt or the steps that made it, with their inputs), inspections, and where it
// went (steps it fed, with their outputs, and shipments with their customers), and the imports
// that changed or (--full) removed its rows and links. Only the lot's own neighbourhood: one hop
// to steps and shipments, one more to their other lots. Times travel as text (toString).
MATCH (lot:Lot {lot_id: $lot_id})
RETURN lot {.*, created_at: toString(lot.created_at), expires_at: toString(lot.expires_at)} AS lot,
       COLLECT { MATCH (lot)-[:OF]->(m:Material) RETURN m {.*} }[0] AS material,
       COLLECT { MATCH (lot)-[:AT]->(l:Location) RETURN l {.*} }[0] AS location,
       COLLECT {
         MATCH (lot)<-[named:IDENTIFIES]-(identity:Identifier)
         RETURN identity {.scheme, .issuer, .value, .key, sources: named._sources}
       } AS aliases,
       COLLECT {
         MATCH (lot)-[receipt:SUPPLIED_BY]->(supplier:Supplier)
         RETURN {supplier_id: supplier.supplier_id, name: supplier.name,
                 supplier_lot: receipt.supplier_lot, received_at: toString(receipt.received_at)}
       } AS supplied_by,
       COLLECT {
         MATCH (lot)<-[made:PRODUCED]-(step:ProcessStep)
         RETURN {step: step {.*, started_at: toString(step.started_at), ended_at: toString(step.ended_at)}, quantity: made.quantity, uom: made.uom,
                 device_id: COLLECT { MATCH (step)-[:ON]->(d:Device) RETURN d.device_id }[0],
                 operator_id: COLLECT { MATCH (step)-[:BY]->(o:Operator) RETURN o.operator_id }[0],
                 lots: COLLECT {
                   MATCH (step)<-[use:INPUT_TO]-(input:Lot)
                   RETURN {lot_id: input.lot_id, quantity: use.quantity, uom: use.uom,
                           status: input.status}
                 }}
       } AS made_by,
       // its own inspections, and in-process checks recorded against the step that made it and
       // no lot (as a backward trace and rootcause --inspections read them)
       COLLECT {
         MATCH (lot)<-[:OF_LOT]-(inspection:Inspection)
         RETURN inspection {.*, inspected_at: toString(inspection.inspected_at)}
       } + COLLECT {
         MATCH (lot)<-[:PRODUCED]-(step:ProcessStep)<-[:DURING]-(inspection:Inspection)
         WHERE NOT (inspection)-[:OF_LOT]->()
         RETURN inspection {.*, inspected_at: toString(inspection.inspected_at),
                            step_id: step.step_id}
       } AS inspections,
       COLLECT {
         MATCH (lot)-[use:INPUT_TO]->(step:ProcessStep)
         RETURN {step: step {.*, started_at: toString(step.started_at), ended_at: toString(step.ended_at)}, quantity: use.quantity, uom: use.uom,
                 device_id: COLLECT { MATCH (step)-[:ON]->(d:Device) RETURN d.device_id }[0],
                 operator_id: COLLECT { MATCH (step)-[:BY]->(o:Operator) RETURN o.operator_id }[0],
                 lots: COLLECT {
                   MATCH (step)-[out:PRODUCED]->(output:Lot)
                   RETURN {lot_id: output.lot_id, quantity: out.quantity, uom: out.uom,
                           status: output.status}
                 }}
       } AS used_in,
       COLLECT {
         MATCH (lot)-[line:SHIPPED]->(shipment:Shipment)
         OPTIONAL MATCH (shipment)-[:TO]->(customer:Customer)
         RETURN {shipment_id: shipment.shipment_id, shipped_at: toString(shipment.shipped_at),
                 reference_doc: shipment.reference_doc, quantity: line.quantity, uom: line.uom,
                 customer_id: customer.customer_id, customer_name: customer.name}
       } AS shipped,
       // recalls and drills of the lot, and recalls that reached it from a lot upstream
       COLLECT { MATCH (lot)<-[:SOURCE|AFFECTS]-(recall:Recall) RETURN recall.recall_id } AS recalls,
       // its changes: those linked to it, and by its key those of an earlier node of the lot
       // (a --full run deleted it, with the ABOUT edges; it was restored or sent again since).
       // A reused lot id is the same lot to the graph: its history is the key's. Records
       // older than the lot_id property are found by their link alone.
       COLLECT {
         CALL (lot) {
           MATCH (lot)<-[:ABOUT]-(change:RowChange) RETURN change
           UNION
           MATCH (change:RowChange {lot_id: lot.lot_id}) RETURN change
         }
         MATCH (change)<-[:CHANGED]-(run:ImportRun)
         RETURN change {.table, .key, .file, .line, .columns, .before, .after, .removed,
                        run_id: run.run_id, at: toString(run.started_at), user: run.user,
                        run_status: run.status}
       } AS changes
