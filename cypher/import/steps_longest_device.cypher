// The longest step each device has run, in whole seconds rounded up, plus one: an upper bound of
// every step on it that lets device windows seek steps by start time exactly. Raised here while
// steps are written; computed again from its steps (devices_bound.cypher) when its row changes, and
// at the end of a run in which a step of it changed its times, device or was removed (so it is
// the bound a clean import gives, not one a corrected typo left ten days wide).
// $longest holds this batch's longest step per device. One with no bound yet gets it from its
// whole history first (CASE evaluates that branch only then), so older steps are covered —
// computed as devices_bound.cypher computes it.
// Returns each one's bound now: the importer skips batches that would not raise it.
UNWIND $longest AS batch
MATCH (ref:Device {device_id: batch.id})
WITH ref, batch, CASE WHEN ref.longest_step_s IS NOT NULL THEN ref.longest_step_s ELSE coalesce(COLLECT {
  MATCH (ref)<-[:ON]-(step:ProcessStep)
  WITH duration.inSeconds(step.started_at, coalesce(step.ended_at, step.started_at)) AS took
  RETURN max(CASE WHEN took.seconds < 0 THEN 0
                  ELSE took.seconds + CASE WHEN took.nanosecondsOfSecond > 0 THEN 1 ELSE 0 END
             END) + 1
}[0], 0) END AS known
SET ref.longest_step_s = CASE WHEN known >= batch.seconds THEN known ELSE batch.seconds END
RETURN batch.id AS id, ref.longest_step_s AS bound
