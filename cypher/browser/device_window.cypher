// What a device made in a time window: the steps and their lots. For where those lots went,
// run forward.cypher on one of them (or `tracegraph trace device` for all at once).
:param {device_id: 'OVEN-3', window_start: '2026-01-05T06:00:00Z', window_end: '2026-01-05T12:00:00Z'};

MATCH (device:Device {device_id: $device_id})<-[:ON]-(step:ProcessStep)
WHERE step.started_at < datetime($window_end)
  AND coalesce(step.ended_at, step.started_at) >= datetime($window_start)
MATCH (step)-[:PRODUCED]->(made:Lot)
OPTIONAL MATCH (step)-[:BY]->(operator:Operator)
RETURN device, step, made, operator;
