// The keys [step_id, lot_id] of every step_outputs row the graph holds, for a full import
// (--full) to find the rows tonight's complete dump no longer has: one scan of the PRODUCED
// relationships, one list (see lots_keys.cypher). Every link an import made has a row hash.
MATCH (parent:ProcessStep)-[r:PRODUCED]->(lot:Lot)
WHERE r._row_sha IS NOT NULL
RETURN collect([parent.step_id, lot.lot_id]) AS keys
