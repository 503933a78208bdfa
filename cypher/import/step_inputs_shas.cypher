// Content hashes of the step_inputs already in the graph (see lots_shas.cypher).
UNWIND $rows AS row
MATCH (lot:Lot {lot_id: row.lot_id})-[r:INPUT_TO]->(:ProcessStep {step_id: row.step_id})
RETURN row.step_id AS parent, row.lot_id AS lot_id, r._row_sha AS sha
