// The edges of new or changed shipments: reference nodes are merged (a device or location named
// before its own record gets a bare node), edges merged. Free of Eager plans.
UNWIND $rows AS row
MATCH (n:Shipment {shipment_id: row.shipment_id})
MERGE (customer:Customer {customer_id: row.customer_id})
MERGE (n)-[:TO]->(customer)
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.from_location_id IS NOT NULL
  MERGE (ref:Location {location_id: row.from_location_id})
  MERGE (n)-[:FROM]->(ref)
}
