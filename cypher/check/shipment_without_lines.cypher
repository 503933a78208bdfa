// Shipments with no lot on them: the header was imported and its lines were not (rejected for
// an unknown unit, or still to come), so no trace or recall reaches the delivery — a recall
// left out the customer of shipment SH7 without a word. Shipments are few beside lots.
MATCH (shipment:Shipment)
WHERE NOT EXISTS { (shipment)<-[:SHIPPED]-(:Lot) }
RETURN shipment.shipment_id AS shipment_id, shipment.shipped_at AS shipped_at,
       COLLECT { MATCH (shipment)-[:TO]->(c:Customer) RETURN c.customer_id }[0] AS customer_id,
       shipment.reference_doc AS reference_doc
ORDER BY shipment_id
