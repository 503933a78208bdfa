// Lots produced by steps; see step_inputs.cypher.
UNWIND $rows AS row
MATCH (step:ProcessStep {step_id: row.step_id})
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
MERGE (step)-[r:PRODUCED]->(lot)
WITH r, row
WHERE r._row_sha IS NULL OR r._row_sha <> row.props._row_sha
SET r = row.props
RETURN count(r) AS changed
