// Every alarm of every device, per device in time order, for the common-cause ranking's
// "alarm during step" factor: `times` (epoch milliseconds) and `kinds` (the alarm's result,
// over_temperature) side by side, and the device's longest step, the bound of a step with no
// end time (longest_step_s, kept by the import; a graph imported before it gets the one the
// import would give from the device's history, as trace/backward.cypher does). Alarms are
// few beside calibrations and steps; the index on DeviceEvent.event seeks them, and the query
// needs no step, so it runs beside the factors query rather than after it.
MATCH (event:DeviceEvent {event: 'alarm'})-[:OF_DEVICE]->(device:Device)
WITH device, event ORDER BY event.at.epochMillis, event.event_id
WITH device, collect(event) AS alarms
CALL (device) {  // as import/steps_longest_device computes a first bound
  WITH device WHERE device.longest_step_s IS NULL
  MATCH (device)<-[:ON]-(known:ProcessStep)
  RETURN max(duration.inSeconds(known.started_at,
                                coalesce(known.ended_at, known.started_at)).seconds) + 1 AS known_s
}
RETURN device.device_id AS device_id,
       [event IN alarms | event.at.epochMillis] AS times,
       [event IN alarms | coalesce(event.result, '')] AS kinds,
       coalesce(device.longest_step_s, known_s, 0) AS longest_s
