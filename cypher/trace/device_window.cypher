// Steps run on a device that overlap the window [$window_start, $window_end), and the lots they produced.
// Seeks steps by start time (indexed), then keeps the device's: a step overlapping the window
// started at most the device's longest step before it (longest_step_s, kept by the import as an
// upper bound), so the seek is exact and costs the window, not the device's whole history.
// Graphs imported before longest_step_s existed fall back to the device's whole history.
// (coalesce: the seek's bound is evaluated before the branch's filter.)
MATCH (device:Device {device_id: $device_id})
CALL (device) {
  WITH device WHERE device.longest_step_s IS NOT NULL
  MATCH (step:ProcessStep)-[:ON]->(device)
  USING INDEX step:ProcessStep(started_at)
  WHERE step.started_at >= datetime($window_start) - duration({seconds: coalesce(device.longest_step_s, 0) + 1})
    AND step.started_at < datetime($window_end) + duration({seconds: 1})
  RETURN step
  UNION
  WITH device WHERE device.longest_step_s IS NULL
  MATCH (step:ProcessStep)-[:ON]->(device)
  WHERE step.started_at < datetime($window_end) + duration({seconds: 1})
  RETURN step
}
// Exactly, as instants: Neo4j orders two datetimes of one instant by their offsets too, so
// a step starting at 20:00Z was "before" a window ending at 22:00+02:00 (the same moment);
// the seek above reaches a second further, and this keeps [start, end) — a step that ends
// when the window starts did not run in it (one of no length, starting then, did).
WITH device, step, datetime($window_start).epochMillis AS starts,
     datetime($window_end).epochMillis AS ends
WHERE step.started_at.epochMillis < ends
  AND (step.started_at.epochMillis >= starts
       OR coalesce(step.ended_at, step.started_at).epochMillis > starts)
RETURN step.step_id AS step_id,
       step.operation AS operation,
       toString(step.started_at) AS started_at,
       toString(step.ended_at) AS ended_at,
       COLLECT { MATCH (step)-[:BY]->(o:Operator) RETURN o.operator_id }[0] AS operator_id,
       device.device_id AS device_id,
       COLLECT { MATCH (step)-[:PRODUCED]->(lot:Lot) RETURN lot.lot_id } AS lots
ORDER BY step.started_at, step_id
