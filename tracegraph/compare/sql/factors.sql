-- The upstream factors of each given lot, for common-cause ranking (the same facts as
-- cypher/rootcause/factors.cypher): every lot upstream of each root, visited once per root,
-- with its supplier and the step that made it.
WITH RECURSIVE up (root, lot_id) AS (
  SELECT r, r FROM unnest(%(lot_ids)s::text[]) AS r
  UNION
  SELECT u.root, i.lot_id
  FROM up u
  JOIN step_outputs o ON o.lot_id = u.lot_id
  JOIN step_inputs i ON i.step_id = o.step_id
)
SELECT u.root, u.lot_id, l.supplier_id, st.operation, st.started_at, st.device_id, st.operator_id
FROM up u
JOIN lots l ON l.lot_id = u.lot_id
LEFT JOIN step_outputs o ON o.lot_id = u.lot_id
LEFT JOIN steps st ON st.step_id = o.step_id
