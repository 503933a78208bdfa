// Steps an operator ran that overlap the window [$window_start, $window_end), and the lots they produced.
// Anchored on the operator (a unique lookup), then filtered by time, like device_window.
MATCH (operator:Operator {operator_id: $operator_id})<-[:BY]-(step:ProcessStep)
WHERE step.started_at < datetime($window_end)
  AND coalesce(step.ended_at, step.started_at) >= datetime($window_start)
RETURN step.step_id AS step_id,
       step.operation AS operation,
       toString(step.started_at) AS started_at,
       toString(step.ended_at) AS ended_at,
       operator.operator_id AS operator_id,
       COLLECT { MATCH (step)-[:ON]->(d:Device) RETURN d.device_id }[0] AS device_id,
       COLLECT { MATCH (step)-[:PRODUCED]->(lot:Lot) RETURN lot.lot_id } AS lots
ORDER BY step.started_at, step_id
