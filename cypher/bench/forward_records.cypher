// bench-lot-records: trace/forward.cypher's traversal and shipments, but each reached lot's row
// read from its prepared record (one text property) instead of from its properties, its edges
// and the nodes at their other end.
MATCH (source:Lot) WHERE source.lot_id IN $lot_ids
MATCH (source)-[:INPUT_TO|PRODUCED*0..]->(lot:Lot)
WITH DISTINCT elementId(lot) AS node_id, lot
WITH collect(lot) AS reached
CALL (reached) {
  UNWIND reached AS lot
  MATCH (lot)-[:SHIPPED]->(shipment:Shipment)
  WITH DISTINCT shipment
  OPTIONAL MATCH (shipment)-[:TO]->(customer:Customer)
  RETURN collect([shipment.shipment_id, toString(shipment.shipped_at), shipment.reference_doc,
                  shipment.carrier, [(shipment)-[:FROM]->(l:Location) | l.location_id][0],
                  customer.customer_id, customer.name, customer.contact, customer.country])
         AS shipments
}
RETURN [lot IN reached | lot._bench_record] AS lots, shipments
