// The time and edges of shipments shipments_create just made, in the same transaction:
// reference nodes merged as shipments_edges merges them, edges created (the shipment is new,
// so none can exist). Free of Eager plans.
UNWIND $rows AS row
MATCH (n:Shipment {shipment_id: row.shipment_id})
SET n.shipped_at = datetime(row.shipped_at)
MERGE (customer:Customer {customer_id: row.customer_id})
CREATE (n)-[:TO]->(customer)
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.from_location_id IS NOT NULL
  MERGE (ref:Location {location_id: row.from_location_id})
  CREATE (n)-[:FROM]->(ref)
}
