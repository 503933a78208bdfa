// step_outputs rows whose lot and step are not linked yet (the importer read the links that
// exist with their hashes first): CREATE needs no check for an existing relationship, which
// MERGE makes on both nodes. Existing links whose content changed take step_outputs.cypher.
// A lot not seen before becomes a stub with origin_known = false, for the gap check.
UNWIND $rows AS row
MATCH (parent:ProcessStep {step_id: row.step_id})
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
CREATE (parent)-[r:PRODUCED]->(lot)
SET r.quantity = row.quantity, r.uom = row.uom, r._row_sha = row.sha, r._sources = row.sources
