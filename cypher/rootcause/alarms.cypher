// Every alarm of every device, per device in time order, for the common-cause ranking's
// "alarm during step" factor: `times` ([epochSeconds, nanosecond]: exact at the stored precision;
// epoch milliseconds put an alarm at 08:00:00.0004 during a step that ended at 08:00:00.0002)
// and `kinds` (the alarm's result,
// over_temperature) side by side; the library matches them to the steps (with
// rootcause/device_bounds for a step with no end). Read only while some device event lacks
// its device_id (a graph imported before the index device_event_device_time, until `db init`
// or the next import migrates it): otherwise rootcause/step_alarms seeks the alarms during
// each step. Reads every alarm: with 50k alarms per device, most of a ranking's time
// (bench/device-events-results.md).
// An alarm whose time is no zoned datetime (made by hand in the Browser: text, a local time,
// none; `check` reports it) has no instant to match a step to: passed over, as the traces do.
MATCH (event:DeviceEvent {event: 'alarm'})-[:OF_DEVICE]->(device:Device)
WHERE event.at IS :: ZONED DATETIME NOT NULL
WITH device, event, [event.at.epochSeconds, event.at.nanosecond] AS at
ORDER BY at, event.event_id
WITH device, collect(at) AS times, collect(event) AS alarms
RETURN device.device_id AS device_id,
       times,
       [event IN alarms | coalesce(event.result, '')] AS kinds
