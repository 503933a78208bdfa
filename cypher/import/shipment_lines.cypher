// Lots on shipments (a negative quantity is a return). The shipment exists (the importer checked and rejected rows
// without one); a lot not seen before becomes a stub with origin_known = false, for the gap
// check. Properties are set one by one: a map would make Neo4j plan an Eager.
UNWIND $rows AS row
MATCH (shipment:Shipment {shipment_id: row.shipment_id})
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
MERGE (lot)-[r:SHIPPED]->(shipment)
SET r.quantity = row.quantity, r.uom = row.uom, r._row_sha = row.sha
