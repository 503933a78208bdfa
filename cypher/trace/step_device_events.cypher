// The device events behind a backward trace's steps, read per device over the span its steps
// cover (not per step, and not in trace/backward.cypher, which is benchmarked): $devices holds
// one row per device, {device_id, starts_ms, ended_ms, unended_ms} — its steps' earliest start,
// latest end, and the latest start of a step with no end time (epoch milliseconds; null when
// there is none). The library then gives each step the events during it and the device's last
// calibration before it: an over-temperature alarm while the reflow ran, or a failed
// calibration the week before, is what a quality engineer looks for behind a complaint.
// A step with no end time (the MES had not booked it) may have run for the device's longest
// step (longest_step_s, kept by the import), the bound the device window uses; a graph imported
// before that bound existed gets the one the import would give it from the device's history.
// Compared as instants (epochMillis), as the windows do. A device has tens to thousands of
// events: read from the device, not sought by time.
UNWIND $devices AS wanted
MATCH (device:Device {device_id: wanted.device_id})
WITH wanted, device,
     CASE WHEN device.longest_step_s IS NOT NULL THEN device.longest_step_s ELSE coalesce(COLLECT {
       MATCH (device)<-[:ON]-(known:ProcessStep)
       RETURN max(duration.inSeconds(known.started_at,
                                     coalesce(known.ended_at, known.started_at)).seconds) + 1
     }[0], 0) END AS longest_s
WITH wanted, device, longest_s,
     CASE WHEN wanted.unended_ms IS NULL THEN wanted.ended_ms
          WHEN wanted.ended_ms IS NULL OR wanted.unended_ms + longest_s * 1000 > wanted.ended_ms
            THEN wanted.unended_ms + longest_s * 1000
          ELSE wanted.ended_ms END AS until_ms
RETURN device.device_id AS device_id,
       longest_s,
       COLLECT {
         MATCH (event:DeviceEvent)-[:OF_DEVICE]->(device)
         WITH event, event.at.epochMillis AS at
         WHERE at >= wanted.starts_ms AND at <= until_ms
         RETURN [at, event {.*, at: toString(event.at)}] ORDER BY at, event.event_id
       } AS events,
       COLLECT {
         MATCH (event:DeviceEvent {event: 'calibration'})-[:OF_DEVICE]->(device)
         WITH event, event.at.epochMillis AS at
         WHERE at < wanted.starts_ms
         RETURN [at, event {.*, at: toString(event.at)}] ORDER BY at DESC, event.event_id DESC
         LIMIT 1
       } AS calibrated_before
