-- Everything upstream of the source lots (visited-set UNION, see forward.sql), with the steps
-- that made each reached lot (device, operator, times), its supplier and its inspections.
WITH RECURSIVE reached (lot_id) AS (
  SELECT unnest(%(lot_ids)s::text[])
  UNION
  SELECT i.lot_id
  FROM reached r
  JOIN step_outputs o ON o.lot_id = r.lot_id
  JOIN step_inputs i ON i.step_id = o.step_id
)
SELECT l.lot_id, l.material_id, l.quantity, l.uom, l.status, l.supplier_id, l.supplier_lot,
       st.step_id, st.operation, st.started_at, st.ended_at, st.device_id, st.operator_id,
       (SELECT json_agg(json_build_object('test', x.test, 'result', x.result))
        FROM inspections x WHERE x.lot_id = l.lot_id) AS inspections
FROM reached r
JOIN lots l ON l.lot_id = r.lot_id
LEFT JOIN step_outputs o ON o.lot_id = r.lot_id
LEFT JOIN steps st ON st.step_id = o.step_id
