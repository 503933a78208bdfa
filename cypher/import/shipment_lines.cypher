// Lots on shipments (a negative quantity is a return), for links whose content changed and
// new links that carry extra columns (the rest take shipment_lines_create.cypher). The
// shipment exists (the importer checked and rejected rows without one); a lot not seen before becomes a stub with origin_known = false, for the gap
// check. SET r = row.props replaces every property, extra columns included, so a changed row
// leaves exactly what a clean import of it would. A map makes Neo4j plan an Eager, which here
// buffers only these rows (few, unless a dump rewrites its history or carries extra columns).
UNWIND $rows AS row
MATCH (shipment:Shipment {shipment_id: row.shipment_id})
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
MERGE (lot)-[r:SHIPPED]->(shipment)
SET r = row.props
