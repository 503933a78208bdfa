// shipment_lines rows whose lot and shipment are not linked yet (the importer read the links that
// exist with their hashes first): CREATE needs no check for an existing relationship, which
// MERGE makes on both nodes. Existing links whose content changed take shipment_lines.cypher.
// A lot not seen before becomes a stub with origin_known = false, for the gap check.
UNWIND $rows AS row
MATCH (parent:Shipment {shipment_id: row.shipment_id})
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
CREATE (lot)-[r:SHIPPED]->(parent)
SET r.quantity = row.quantity, r.uom = row.uom, r._row_sha = row.sha, r._sources = row.sources
