// Lots consumed by steps. The step exists (the importer checked, rejecting rows without one);
// a lot not seen before becomes a stub with origin_known = false, for the gap check.
UNWIND $rows AS row
MATCH (step:ProcessStep {step_id: row.step_id})
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
MERGE (lot)-[r:INPUT_TO]->(step)
WITH r, row
WHERE r._row_sha IS NULL OR r._row_sha <> row.props._row_sha
SET r = row.props
RETURN count(r) AS changed
