-- Lots made on a device by steps overlapping [window_start, window_end), in the order of the
-- steps' start: the sources of the window's forward trace (forward.sql, asked next, as
-- tracegraph asks cypher/trace/forward.cypher after cypher/trace/device_window.cypher).
SELECT o.lot_id
FROM steps st
JOIN step_outputs o ON o.step_id = st.step_id
WHERE st.device_id = %(device_id)s
  AND st.started_at < %(window_end)s
  AND (st.started_at >= %(window_start)s
       OR coalesce(st.ended_at, st.started_at) > %(window_start)s)
ORDER BY st.started_at, st.step_id
