-- Lots made on a device by steps overlapping [window_start, window_end), and everything
-- downstream of them (visited-set UNION, see forward.sql).
WITH RECURSIVE made (lot_id) AS (
  SELECT DISTINCT o.lot_id
  FROM steps st
  JOIN step_outputs o ON o.step_id = st.step_id
  WHERE st.device_id = %(device_id)s
    AND st.started_at < %(window_end)s
    AND coalesce(st.ended_at, st.started_at) >= %(window_start)s
), reached (lot_id) AS (
  SELECT lot_id FROM made
  UNION
  SELECT o.lot_id
  FROM reached r
  JOIN step_inputs i ON i.lot_id = r.lot_id
  JOIN step_outputs o ON o.step_id = i.step_id
)
SELECT r.lot_id, (r.lot_id IN (SELECT lot_id FROM made)) AS made_in_window,
       l.quantity, l.uom, sl.shipment_id, s.customer_id
FROM reached r
JOIN lots l ON l.lot_id = r.lot_id
LEFT JOIN shipment_lines sl ON sl.lot_id = r.lot_id
LEFT JOIN shipments s ON s.shipment_id = sl.shipment_id
