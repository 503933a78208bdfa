// Lots produced by steps. The step exists (the importer checked and rejected rows
// without one); a lot not seen before becomes a stub with origin_known = false, for the gap
// check. Properties are set one by one: a map would make Neo4j plan an Eager.
UNWIND $rows AS row
MATCH (step:ProcessStep {step_id: row.step_id})
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
MERGE (step)-[r:PRODUCED]->(lot)
SET r.quantity = row.quantity, r.uom = row.uom, r._row_sha = row.sha
