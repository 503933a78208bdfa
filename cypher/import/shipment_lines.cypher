// Lots on shipments (a negative quantity is a return). The shipment exists (checked by the
// importer); a lot not seen before becomes a stub with origin_known = false.
UNWIND $rows AS row
MATCH (shipment:Shipment {shipment_id: row.shipment_id})
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
MERGE (lot)-[r:SHIPPED]->(shipment)
WITH r, row
WHERE r._row_sha IS NULL OR r._row_sha <> row.props._row_sha
SET r = row.props
RETURN count(r) AS changed
