-- Lots made on a device by steps overlapping [window_start, window_end), in the order of the
-- steps' start: the sources of the window's forward trace (forward.sql, asked next, as
-- tracegraph asks cypher/trace/forward.cypher after cypher/trace/device_window.cypher) —
-- and, in the same round trip, the device's events in the window and its last calibration
-- before it, which tracegraph reads beside the steps (cypher/trace/device_events.cypher).
-- The seek on (device_id, started_at) is bounded below as device_window.cypher's is: a step
-- overlapping the window started at most the device's longest step before it (the table
-- device_longest_step, made after COPY as the import keeps longest_step_s). Without that
-- bound the query read the device's whole history up to the window (22 ms against Neo4j's 8
-- on the 1M-lot plant), which flattered tracegraph.
-- A step with no end time that started before the window is in it when it started less than
-- the device's longest step before the window's start, as device_window.cypher has it.
WITH bound AS (
  SELECT coalesce((SELECT longest_s FROM device_longest_step
                   WHERE device_id = %(device_id)s), 0) AS s
),
made AS (
  SELECT o.lot_id, st.started_at, st.step_id
  FROM bound, steps st
  JOIN step_outputs o ON o.step_id = st.step_id
  WHERE st.device_id = %(device_id)s
    AND st.started_at < %(window_end)s
    AND st.started_at >= %(window_start)s - make_interval(secs => bound.s + 1)
    AND (st.started_at >= %(window_start)s
         OR st.ended_at > %(window_start)s
         OR (st.ended_at IS NULL
             AND st.started_at + make_interval(secs => bound.s) > %(window_start)s))
)
SELECT
  (SELECT coalesce(json_agg(lot_id ORDER BY started_at, step_id), '[]') FROM made) AS lots,
  (SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
            'event', e.event, 'at', e.at, 'result', e.result)) ORDER BY e.at, e.event), '[]')
   FROM device_events e
   WHERE e.device_id = %(device_id)s AND e.at >= %(window_start)s AND e.at < %(window_end)s)
    AS events,
  (SELECT json_strip_nulls(json_build_object('event', e.event, 'at', e.at, 'result', e.result))
   FROM device_events e
   WHERE e.device_id = %(device_id)s AND e.event = 'calibration' AND e.at < %(window_start)s
   ORDER BY e.at DESC LIMIT 1) AS calibrated_before
