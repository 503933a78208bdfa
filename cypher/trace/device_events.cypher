// A device's events (calibration, maintenance, alarm) in the window [$window_start, $window_end),
// and its last calibration before the window: was it calibrated, serviced or alarmed while it
// made the window's lots? (An over-temperature alarm inside a complaint window was in the graph
// and in no answer.) Compared as instants, as the steps are. A device has tens to thousands
// of events: read from the device, not sought by time.
MATCH (event:DeviceEvent)-[:OF_DEVICE]->(:Device {device_id: $device_id})
WITH event, event.at.epochMillis AS at, datetime($window_start).epochMillis AS starts,
     datetime($window_end).epochMillis AS ends
WHERE at < ends AND (at >= starts OR event.event = 'calibration')
WITH event, at >= starts AS inside
ORDER BY event.at.epochMillis, event.event_id
WITH collect(CASE WHEN inside THEN event END) AS inside,
     collect(CASE WHEN NOT inside THEN event END) AS before
RETURN [e IN inside | e {.*, at: toString(e.at)}] AS events,
       [e IN before[-1..] | e {.*, at: toString(e.at)}] AS calibrated_before
