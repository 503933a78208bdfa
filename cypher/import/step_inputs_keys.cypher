// The keys [step_id, lot_id] of every step_inputs row the graph holds, for a full import
// (--full) to find the rows tonight's complete dump no longer has: one scan of the INPUT_TO
// relationships, one list (see lots_keys.cypher). Every link an import made has a row hash.
MATCH (lot:Lot)-[r:INPUT_TO]->(parent:ProcessStep)
WHERE r._row_sha IS NOT NULL
RETURN collect([parent.step_id, lot.lot_id]) AS keys
