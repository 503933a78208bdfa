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
  WHERE step.started_at >= datetime($window_start) - duration({seconds: coalesce(device.longest_step_s, 0)})
    AND step.started_at < datetime($window_end)
  RETURN step
  UNION
  WITH device WHERE device.longest_step_s IS NULL
  MATCH (step:ProcessStep)-[:ON]->(device)
  WHERE step.started_at < datetime($window_end)
  RETURN step
}
WITH device, step WHERE coalesce(step.ended_at, step.started_at) >= datetime($window_start)
RETURN step.step_id AS step_id,
       step.operation AS operation,
       toString(step.started_at) AS started_at,
       toString(step.ended_at) AS ended_at,
       COLLECT { MATCH (step)-[:BY]->(o:Operator) RETURN o.operator_id }[0] AS operator_id,
       device.device_id AS device_id,
       COLLECT { MATCH (step)-[:PRODUCED]->(lot:Lot) RETURN lot.lot_id } AS lots
ORDER BY step.started_at, step_id
