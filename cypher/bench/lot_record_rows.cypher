// bench-lot-records: each lot's row exactly as trace/forward.cypher projects it (see there for
// the layout), for these lots — what a per-lot record prepared by the import would hold.
UNWIND $lot_ids AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
RETURN lot.lot_id AS lot_id,
  [lot.lot_id, lot.quantity, lot.uom, lot.status, lot.origin_known, toString(lot.created_at),
   coalesce(lot.material_id, [(lot)-[:OF]->(m:Material) | m.material_id][0]),
   toString(lot.expires_at),
   [(lot)-[link:INPUT_TO|PRODUCED|SHIPPED|AT]-(other) |
     CASE type(link)
       WHEN 'INPUT_TO' THEN [0, other.step_id, link.quantity, link.uom, other.operation,
                             toString(other.started_at)]
       WHEN 'PRODUCED' THEN [1, other.step_id, link.quantity, link.uom]
       WHEN 'SHIPPED' THEN [2, other.shipment_id, link.quantity, link.uom]
       ELSE [3, other.location_id, other.name]
     END]] AS row
