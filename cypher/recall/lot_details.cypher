// What a tracking-event spreadsheet needs beyond the trace, for the affected lots: the product
// name, where the lot is, how and where it was received (SUPPLIED_BY's received_location_id,
// kept when the lot moves; null for receipts imported before it was kept), and the steps that
// made it with their location and inputs (FSMA 204 transformation events list the input lot
// codes and their quantities). In ONE row of compact lists, as the trace queries return theirs
// (a row of maps per lot cost the server and the driver more: ~100k lots 3.0 -> 2.5 s):
//   [lot_id, product, [location_id, location_name] or null,
//    received: [[supplier_id, supplier_name, supplier_lot, received_at, received_location_id]],
//    made_by:  [[step_id, operation, started_at, ended_at, quantity, uom, step_location_id,
//                inputs: [[lot_id, quantity, uom, names]]]],
//    names: [[scheme, issuer, value]]]
// The names are the lot's identities of scheme 'tlc' and 'gtin_lot' (imported by
// lot_identifiers): a traceability lot code names the lot on the FSMA sheet in place of the
// internal lot id; a GS1 GTIN (issuer) + lot number (value) names it in the package's EPCIS
// document (tracegraph/epcis.py) as a GS1 Digital Link. A lot's incoming IDENTIFIES edges are
// its few names, so reading them costs an expansion per lot and per input, no look-up; both
// schemes in one expansion (a COLLECT each: 369,514 db hits for 3,000 lots of the 100k demo
// plant, against 294,617 for the tlc alone; in one, as many as the tlc alone).
UNWIND $lot_ids AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
RETURN collect([
  lot.lot_id,
  COLLECT { MATCH (lot)-[:OF]->(m:Material) RETURN m.name }[0],
  COLLECT { MATCH (lot)-[:AT]->(l:Location) RETURN [l.location_id, l.name] }[0],
  COLLECT {
    MATCH (lot)-[r:SUPPLIED_BY]->(s:Supplier)
    RETURN [s.supplier_id, s.name, r.supplier_lot, toString(r.received_at), r.received_location_id]
  },
  COLLECT {
    MATCH (lot)<-[made:PRODUCED]-(step:ProcessStep)
    RETURN [step.step_id, step.operation, toString(step.started_at), toString(step.ended_at),
            made.quantity, made.uom,
            COLLECT { MATCH (step)-[:AT]->(l:Location) RETURN l.location_id }[0],
            COLLECT { MATCH (step)<-[use:INPUT_TO]-(i:Lot)
                      RETURN [i.lot_id, use.quantity, use.uom,
                              COLLECT { MATCH (i)<-[:IDENTIFIES]-(t:Identifier)
                                        WHERE t.scheme IN ['tlc', 'gtin_lot']
                                        RETURN [t.scheme, t.issuer, t.value] }] }]
  },
  COLLECT { MATCH (lot)<-[:IDENTIFIES]-(t:Identifier) WHERE t.scheme IN ['tlc', 'gtin_lot']
            RETURN [t.scheme, t.issuer, t.value] }
]) AS lots
