// The longest step each operator has run, in whole seconds rounded up: an upper bound of every
// step on it (raised here, never lowered; reset from its steps when its row changes, see
// operators_bound.cypher) that lets operator windows seek steps by start time exactly.
// $longest holds this batch's longest step per operator. One with no bound yet gets it from its
// whole history first (CASE evaluates that branch only then), so older steps are covered.
// Returns each one's bound now: the importer skips batches that would not raise it.
UNWIND $longest AS batch
MATCH (ref:Operator {operator_id: batch.id})
WITH ref, batch, CASE WHEN ref.longest_step_s IS NOT NULL THEN ref.longest_step_s ELSE coalesce(COLLECT {
  MATCH (ref)<-[:BY]-(step:ProcessStep)
  RETURN max(duration.inSeconds(step.started_at, coalesce(step.ended_at, step.started_at)).seconds) + 1
}[0], 0) END AS known
SET ref.longest_step_s = CASE WHEN known >= batch.seconds THEN known ELSE batch.seconds END
RETURN batch.id AS id, ref.longest_step_s AS bound
