// The kinds of the alarms (their result, over_temperature) each ranked step's device raised
// during it, for the common-cause ranking's "alarm during step" factor. $steps: [device_id,
// from, to] per step, instants as [epochSeconds, nanosecond], both included (exact at the stored
// precision: epoch milliseconds put an alarm at 08:00:00.0004 during a step that ended at
// 08:00:00.0002; rootcause._step_spans gives a step
// without an end the device's longest step, as trace.events_during does); `kinds`: [index in
// $steps, its distinct kinds] for the steps with an alarm.
// A device's alarm log runs to tens of thousands a year: each step's alarms are sought by
// device, kind and time in the index device_event_device_time, a millisecond wider than the
// step (the index orders times of one instant by zone; see trace/device_events.cypher), and
// only their kinds leave the server (every alarm of the ranked steps, sent as times and kinds,
// was 2 of a 20-lot ranking's 2.4 s with 50k alarms per device). That needs every event to
// carry its device_id: while some DeviceEvent is not a KeyedDeviceEvent (the migration's
// label; two reads of the count store), `keyed` is false and the caller reads rootcause/alarms.
WITH COUNT { (:DeviceEvent) } = COUNT { (:KeyedDeviceEvent) } AS keyed
CALL (keyed) {
  WITH keyed WHERE keyed
  UNWIND range(0, size($steps) - 1) AS i
  WITH i, $steps[i] AS span
  CALL (span) {
    MATCH (event:DeviceEvent) USING INDEX SEEK event:DeviceEvent(device_id, event, at)
    WHERE event.device_id = span[0] AND event.event = 'alarm'
      AND event.at > datetime({epochSeconds: span[1][0], nanosecond: span[1][1]})
                     - duration({milliseconds: 1})
      AND event.at < datetime({epochSeconds: span[2][0], nanosecond: span[2][1]})
                     + duration({milliseconds: 1})
    WITH event, CASE WHEN event.at IS :: ZONED DATETIME
                  THEN [event.at.epochSeconds, event.at.nanosecond] END AS at
    WHERE at >= span[1] AND at <= span[2]
    RETURN collect(DISTINCT coalesce(event.result, '')) AS kinds
  }
  WITH i, kinds WHERE kinds <> []
  RETURN collect([i, kinds]) AS kinds
}
RETURN keyed, kinds
