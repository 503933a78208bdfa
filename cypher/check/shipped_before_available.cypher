// Shipment lines dated before the lot existed: before the step that made it ended (or started),
// before it was received, or before its creation time — whichever the graph knows first.
// A step that took the lot in and gave it back (a rework or a sort in place) did not make it:
// a received lot reworked from 09:00 to 10:00 was "shipped before it existed" at 09:30.
MATCH (lot:Lot)-[line:SHIPPED]->(shipment:Shipment)
WHERE line.quantity > 0
WITH lot, line, shipment,
     coalesce(
       COLLECT { MATCH (lot)<-[:PRODUCED]-(s:ProcessStep) WHERE NOT EXISTS { (lot)-[:INPUT_TO]->(s) }
               RETURN coalesce(s.ended_at, s.started_at) AS t ORDER BY t LIMIT 1 }[0],
       COLLECT { MATCH (lot)-[r:SUPPLIED_BY]->(:Supplier) RETURN r.received_at AS t ORDER BY t LIMIT 1 }[0],
       lot.created_at
     ) AS available_at
WHERE available_at IS NOT NULL AND shipment.shipped_at < available_at
RETURN lot.lot_id AS lot_id, shipment.shipment_id AS shipment_id,
       shipment.shipped_at AS shipped_at, available_at
ORDER BY lot_id, shipment_id
