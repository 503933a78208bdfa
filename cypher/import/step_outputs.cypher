// Lots produced by steps, for links whose content changed and new links that carry extra columns (the
// rest take step_outputs_create.cypher). The step exists (the importer checked and rejected rows
// without one); a lot not seen before becomes a stub with origin_known = false, for the gap
// check. SET r = row.props replaces every property, extra columns included, so a changed row
// leaves exactly what a clean import of it would. A map makes Neo4j plan an Eager, which here
// buffers only these rows (few, unless a dump rewrites its history or carries extra columns).
UNWIND $rows AS row
MATCH (step:ProcessStep {step_id: row.step_id})
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
MERGE (step)-[r:PRODUCED]->(lot)
SET r = row.props
