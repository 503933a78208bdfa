// Shipments with lots on them that name no location of the plant: where a delivery left from
// (FSMA 204's ship-from), or where a return came back to. The recall package's shipping or
// return event then has a blank location, a hole in the sortable spreadsheet a regulator asks
// for within 24 hours, and "which warehouse shipped it?" has no answer. Shipments without
// lines are shipment_without_lines' (no trace reaches them at all).
// Only where the plant's other shipments name theirs: an export without a ship-from column
// would make every shipment a finding and the nightly check fail for the export's shape, not
// for a gap in its records.
MATCH (shipment:Shipment)
WHERE NOT EXISTS { (shipment)-[:FROM]->(:Location) }
  AND EXISTS { (shipment)<-[:SHIPPED]-(:Lot) }
  AND EXISTS { (:Shipment)-[:FROM]->(:Location) }
RETURN shipment.shipment_id AS shipment_id, shipment.shipped_at AS shipped_at,
       COLLECT { MATCH (shipment)-[:TO]->(c:Customer) RETURN c.customer_id }[0] AS customer_id,
       // a return: every line takes lots back (negative quantities)
       NOT EXISTS { (shipment)<-[line:SHIPPED]-(:Lot) WHERE NOT line.quantity < 0 } AS is_return,
       shipment.reference_doc AS reference_doc
ORDER BY shipment_id
