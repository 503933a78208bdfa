// Steps run by an operator that overlap the window [$window_start, $window_end), and the lots they produced.
// Seeks steps by start time (indexed), then keeps the operator's: a step overlapping the window
// started at most the operator's longest step before it (longest_step_s, kept by the import as an
// upper bound), so the seek is exact and costs the window, not the operator's whole history.
// Graphs imported before longest_step_s existed fall back to the operator's whole history.
// (coalesce: the seek's bound is evaluated before the branch's filter.)
// A step with no end time (the MES had not booked it) is in the window when it started in it,
// or, started before it, when it started less than longest_step_s seconds before the window's
// start: it may have run at most the operator's longest step, so it may have run into the window
// (started_at + longest_step_s > window start; at exactly the bound it would end as the window
// starts). The bound is the same the seek uses, so such a step is always sought; without
// longest_step_s, the one the import would give the operator from its history. Unended steps
// older than that are left out, not every unended step of the operator's history.
MATCH (operator:Operator {operator_id: $operator_id})
CALL (operator) {
  WITH operator WHERE operator.longest_step_s IS NOT NULL
  MATCH (step:ProcessStep)-[:BY]->(operator)
  USING INDEX step:ProcessStep(started_at)
  WHERE step.started_at >= datetime($window_start) - duration({seconds: coalesce(operator.longest_step_s, 0) + 1})
    AND step.started_at < datetime($window_end) + duration({seconds: 1})
  RETURN step, operator.longest_step_s AS longest_s
  UNION
  WITH operator WHERE operator.longest_step_s IS NULL
  CALL (operator) {  // as import/steps_longest_operator computes a first bound
    MATCH (operator)<-[:BY]-(known:ProcessStep)
    RETURN coalesce(max(duration.inSeconds(known.started_at,
                                           coalesce(known.ended_at, known.started_at)).seconds) + 1,
                    0) AS longest_s
  }
  MATCH (step:ProcessStep)-[:BY]->(operator)
  WHERE step.started_at < datetime($window_end) + duration({seconds: 1})
  RETURN step, longest_s
}
// Exactly, as instants: Neo4j orders two datetimes of one instant by their offsets too, so
// a step starting at 20:00Z was "before" a window ending at 22:00+02:00 (the same moment);
// the seek above reaches a second further, and this keeps [start, end) — a step that ends
// when the window starts did not run in it (one of no length, starting then, did).
// Instants as [epochSeconds, nanosecond] (lists compare element by element): exact at the
// stored precision. epochMillis cut both sides to the millisecond, so a step that started at
// 00:30:00.123456Z was left out of a window to 00:30:00.1239Z.
WITH operator, step, longest_s, datetime($window_start) AS window_start,
     datetime($window_end) AS window_end
WITH operator, step, longest_s, [window_start.epochSeconds, window_start.nanosecond] AS starts,
     [window_end.epochSeconds, window_end.nanosecond] AS ends,
     [step.started_at.epochSeconds, step.started_at.nanosecond] AS began
WHERE began < ends
  AND (began >= starts
       OR (step.ended_at IS NOT NULL
           AND [step.ended_at.epochSeconds, step.ended_at.nanosecond] > starts)
       OR (step.ended_at IS NULL AND [began[0] + longest_s, began[1]] > starts))
RETURN step.step_id AS step_id,
       step.operation AS operation,
       // the steps table's extra columns are the process parameters (peak_temp_c, bake_min):
       // the library keeps them from the step's properties; times left out (the driver's
       // DateTime objects cost more than the rest of the row)
       step {.*, started_at: null, ended_at: null} AS properties,
       toString(step.started_at) AS started_at,
       toString(step.ended_at) AS ended_at,
       step.ended_at IS NULL AS end_unknown,
       // in the window only because its end is unknown (see above)
       step.ended_at IS NULL AND began < starts AS assumed_in_window,
       operator.operator_id AS operator_id,
       COLLECT { MATCH (step)-[:ON]->(d:Device) RETURN d.device_id }[0] AS device_id,
       COLLECT { MATCH (step)-[:PRODUCED]->(lot:Lot) RETURN lot.lot_id } AS lots,
       // a step that recorded no output lot: its input lots, for the warning that what it made
       // is in no answer (an oven step taking 5 kg of a lot with no step_outputs row was never
       // mentioned); [] for a step with outputs, whose inputs are not read: the filter before
       // the expand (a CASE around the subquery read every step's inputs, +8 % db hits)
       COLLECT { WITH step WHERE NOT EXISTS { (step)-[:PRODUCED]->() }
                 MATCH (step)<-[:INPUT_TO]-(input:Lot) RETURN input.lot_id } AS unmade_inputs
ORDER BY step.started_at, step_id
