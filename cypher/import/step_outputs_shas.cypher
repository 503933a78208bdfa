// Content hashes of the step_outputs already in the graph (see lots_shas.cypher).
UNWIND $rows AS row
MATCH (:ProcessStep {step_id: row.step_id})-[r:PRODUCED]->(lot:Lot {lot_id: row.lot_id})
RETURN row.step_id AS parent, row.lot_id AS lot_id, r._row_sha AS sha
