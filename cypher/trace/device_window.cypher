// Steps run on a device that overlap the window [$window_start, $window_end), and the lots they produced.
// Anchored on the device (a unique lookup), then filtered by time: exact for steps of any
// length, and the cost is the device's own history, not the plant's.
MATCH (device:Device {device_id: $device_id})<-[:ON]-(step:ProcessStep)
WHERE step.started_at < datetime($window_end)
  AND coalesce(step.ended_at, step.started_at) >= datetime($window_start)
RETURN step.step_id AS step_id,
       step.operation AS operation,
       toString(step.started_at) AS started_at,
       toString(step.ended_at) AS ended_at,
       COLLECT { MATCH (step)-[:BY]->(o:Operator) RETURN o.operator_id }[0] AS operator_id,
       device.device_id AS device_id,
       COLLECT { MATCH (step)-[:PRODUCED]->(lot:Lot) RETURN lot.lot_id } AS lots
ORDER BY step.started_at, step_id
