// A device's events (calibration, maintenance, alarm) in the window [$window_start, $window_end),
// and its last calibration before the window: was it calibrated, serviced or alarmed while it
// made the window's lots? (An over-temperature alarm inside a complaint window was in the graph
// and in no answer.) Compared as instants, [epochSeconds, nanosecond] (exact at the stored
// precision), as the steps are; epochMillis put an alarm at .123456 inside a window from .1239.
// A device's alarm log runs to tens of thousands a year: the events are sought by device, kind
// and time in the index device_event_device_time, and so are its calibrations before the
// window (a few a month; the last is kept as before). The index compares zoned times by
// instant and then by zone (10:00+01:00 comes after 09:00Z), so it is sought a millisecond
// wider on each side and the instants compared exactly (the calibrations before it are cut at
// the window's start instant here: the window's part seeks from the millisecond before). That needs every
// event to carry its device_id: until every DeviceEvent is a KeyedDeviceEvent (the migration's
// label; two reads of the count store), the events are read from the device, as before, so
// none is missed. The seeks are forced, and the device's events are read by a pattern from
// it: see trace/backward.cypher. Both ways answer the three kinds the import takes (the index
// is sought per kind): an event of another kind, made by hand in the Browser, was shown while
// some event lacked its device_id and hidden once the migration keyed it.
WITH datetime($window_start) AS window_start, datetime($window_end) AS window_end,
     COUNT { (:DeviceEvent) } = COUNT { (:KeyedDeviceEvent) } AS keyed
WITH window_start.epochMillis AS starts_ms, window_end.epochMillis AS ends_ms, keyed,
     [window_start.epochSeconds, window_start.nanosecond] AS starts,
     [window_end.epochSeconds, window_end.nanosecond] AS ends
CALL (starts_ms, ends_ms, starts, keyed) {
  WITH * WHERE keyed
  UNWIND ['calibration', 'maintenance', 'alarm'] AS kind
  MATCH (event:DeviceEvent) USING INDEX SEEK event:DeviceEvent(device_id, event, at)
  WHERE event.device_id = $device_id AND event.event = kind
    AND event.at > datetime({epochMillis: starts_ms - 1})
    AND event.at < datetime({epochMillis: ends_ms + 1})
  RETURN event
  UNION ALL
  WITH * WHERE keyed
  MATCH (event:DeviceEvent) USING INDEX SEEK event:DeviceEvent(device_id, event, at)
  WHERE event.device_id = $device_id AND event.event = 'calibration'
    AND event.at < datetime({epochMillis: starts_ms + 1})
    // the index orders one instant's times by zone: cut at the window's start instant, or a
    // calibration at that instant in another zone came back from both parts
    AND CASE WHEN event.at IS :: ZONED DATETIME THEN [event.at.epochSeconds, event.at.nanosecond]
        END < starts
  RETURN event
  UNION ALL
  WITH * WHERE NOT keyed
  MATCH (device:Device {device_id: $device_id})
  // the kinds kept after the pattern: inside it, the planner sought the index on
  // DeviceEvent.event, every calibration of the plant, and went back to the device
  UNWIND [(device)<-[:OF_DEVICE]-(event:DeviceEvent) | event] AS event
  WITH event WHERE event.event IN ['calibration', 'maintenance', 'alarm']
  RETURN event
}
// null for an event made by hand with no zoned time (text, a local time): passed over
WITH event, starts, ends,
     CASE WHEN event.at IS :: ZONED DATETIME THEN [event.at.epochSeconds, event.at.nanosecond] END AS at
WHERE at < ends AND (at >= starts OR event.event = 'calibration')
WITH event, at >= starts AS inside
ORDER BY at, event.event_id
WITH collect(CASE WHEN inside THEN event END) AS inside,
     collect(CASE WHEN NOT inside THEN event END) AS before
RETURN [e IN inside | e {.*, at: toString(e.at)}] AS events,
       [e IN before[-1..] | e {.*, at: toString(e.at)}] AS calibrated_before
