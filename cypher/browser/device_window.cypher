// What a device made in a time window [window_start, window_end): the steps and their lots,
// by the rule `tracegraph trace device` uses — the same steps, a step with no outputs among
// them (a batch scrapped, or its outputs not yet booked: `made` is null), which a plain MATCH
// on PRODUCED left out (3 of a mixer's 9 steps in a window were listed). For where those lots went, run forward.cypher on
// one of them (or `tracegraph trace device` for all at once).
// A step is in the window when it started before the window ends and ended after it starts
// (one that ends as the window starts did not run in it). A step with no end time (the MES
// had not booked it) is in it when it started in it, or started less than the device's longest
// step (longest_step_s, kept by the import) before the window: it may have run into it. Reading
// a missing end as the start left out a reflow begun 20 minutes before the window. On a graph
// imported before longest_step_s existed, the bound comes from the device's history.
// Steps are sought by start time in the index, as `trace device` seeks them (the steps of the
// window and of the device's longest step before it): reading every step of the device cost an
// hour of a mixer with 54,147 steps 135k db hits and 0.8 s, the index seek 463.
// Times compare as instants, [epochSeconds, nanosecond] (lists compare element by element; exact
// at the stored precision), as `trace device` compares them: two datetimes of one instant in
// different offsets do not compare equal otherwise, and epochMillis cut both sides (a step
// started at 08:00:00.0004 was in a window to 08:00:00.0001).
// Each time needs its UTC offset or zone (2026-01-05T08:00[Europe/Berlin], 2026-01-05T08:00+01:00,
// 2026-01-05T07:00Z): the query fails, naming the time, on one without. Cypher reads such a time
// in the server's zone (UTC), where `trace device` reads it in the plant's (TRACEGRAPH_TIMEZONE):
// 08:00 to 10:00 typed for a Berlin oven listed 09:00 to 11:00 Berlin time: 1 of its 6 steps
// missed, 2 steps of after the window listed.
:param {device_id: 'OVEN-3', window_start: '2026-01-05T08:00[Europe/Berlin]', window_end: '2026-01-05T10:00[Europe/Berlin]'};

WITH [time IN [$window_start, $window_end] |
      datetime(CASE WHEN toString(time) =~ '[^Tt]*[Tt].*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?|\\[.+\\])'
                    THEN time
                    ELSE 'window time ' + toString(time) + ' has no UTC offset or zone: add one, as in '
                         + '2026-01-05T08:00[Europe/Berlin] or 2026-01-05T08:00+01:00' END)] AS window
MATCH (device:Device {device_id: $device_id})
CALL (device, window) {
  WITH device, window WHERE device.longest_step_s IS NOT NULL
  MATCH (step:ProcessStep)-[:ON]->(device)
  USING INDEX step:ProcessStep(started_at)
  WHERE step.started_at >= window[0] - duration({seconds: coalesce(device.longest_step_s, 0) + 1})
    AND step.started_at < window[1] + duration({seconds: 1})
  RETURN step, device.longest_step_s AS longest_s
  UNION
  WITH device, window WHERE device.longest_step_s IS NULL
  CALL (device) {
    MATCH (device)<-[:ON]-(known:ProcessStep)
    RETURN coalesce(max(duration.inSeconds(known.started_at,
                                           coalesce(known.ended_at, known.started_at)).seconds) + 1,
                    0) AS longest_s
  }
  MATCH (step:ProcessStep)-[:ON]->(device)
  WHERE step.started_at < window[1] + duration({seconds: 1})
  RETURN step, longest_s
}
WITH device, step, longest_s, [window[0].epochSeconds, window[0].nanosecond] AS starts,
     [window[1].epochSeconds, window[1].nanosecond] AS ends,
     [step.started_at.epochSeconds, step.started_at.nanosecond] AS began
WHERE began < ends
  AND (began >= starts
       OR (step.ended_at IS NOT NULL
           AND [step.ended_at.epochSeconds, step.ended_at.nanosecond] > starts)
       OR (step.ended_at IS NULL AND [began[0] + longest_s, began[1]] > starts))
OPTIONAL MATCH (step)-[:PRODUCED]->(made:Lot)
OPTIONAL MATCH (step)-[:BY]->(operator:Operator)
RETURN device, step, made, operator;
