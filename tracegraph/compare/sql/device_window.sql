-- Lots made on a device by steps overlapping [window_start, window_end), in the order of the
-- steps' start: the sources of the window's forward trace (forward.sql, asked next, as
-- tracegraph asks cypher/trace/forward.cypher after cypher/trace/device_window.cypher).
-- A step with no end time that started before the window is in it when it started less than
-- the device's longest step before the window's start, as device_window.cypher has it: the
-- bound is the import's longest_step_s (each step's length in whole seconds rounded up, no
-- end counting as none, plus a second; the longest of the device's), computed here only when
-- such a step is met (CASE: the scalar subquery runs once, on first use).
SELECT o.lot_id
FROM steps st
JOIN step_outputs o ON o.step_id = st.step_id
WHERE st.device_id = %(device_id)s
  AND st.started_at < %(window_end)s
  AND (st.started_at >= %(window_start)s
       OR st.ended_at > %(window_start)s
       OR CASE WHEN st.ended_at IS NULL THEN
            st.started_at + make_interval(secs => (
              SELECT (max(greatest(0, ceil(extract(epoch FROM coalesce(k.ended_at, k.started_at)
                                                              - k.started_at)))) + 1)::float8
              FROM steps k WHERE k.device_id = %(device_id)s
            )) > %(window_start)s
          ELSE false END)
ORDER BY st.started_at, st.step_id
