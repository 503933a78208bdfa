// Upsert shipments with their customer and origin. Unchanged rows are skipped.
UNWIND $rows AS row
MERGE (n:Shipment {shipment_id: row.shipment_id})
WITH n, row
WHERE n._row_sha IS NULL OR n._row_sha <> row.props._row_sha
SET n = row.props
WITH n, row
CALL (n) {
  MATCH (n)-[old:TO|FROM]->()
  DELETE old
}
MERGE (customer:Customer {customer_id: row.customer_id})
MERGE (n)-[:TO]->(customer)
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.from_location_id IS NOT NULL
  MERGE (location:Location {location_id: row.from_location_id})
  MERGE (n)-[:FROM]->(location)
}
RETURN count(n) AS changed
