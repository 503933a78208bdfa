// Each device's longest step, the bound of a step with no end time (longest_step_s, kept by the
// import; a graph imported before it gets the one the import would give from the device's
// history, as trace/backward.cypher does), for the alarms during the ranked steps; and how
// many device events the graph holds (the count store), which tells the ranking whether to
// read every alarm beside the factors or to seek each step's after them (rootcause.py). Needs
// no step: it runs beside the factors query.
MATCH (device:Device)
CALL (device) {  // as import/steps_longest_device computes a first bound
  WITH device WHERE device.longest_step_s IS NULL
  MATCH (device)<-[:ON]-(known:ProcessStep)
  RETURN max(duration.inSeconds(known.started_at,
                                coalesce(known.ended_at, known.started_at)).seconds) + 1 AS known_s
}
WITH collect([device.device_id, coalesce(device.longest_step_s, known_s, 0)]) AS longest
RETURN longest, COUNT { (:DeviceEvent) } AS events
