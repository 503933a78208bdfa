-- The upstream factors of each given lot, for common-cause ranking (the same facts as
-- cypher/rootcause/factors.cypher): every lot upstream of each root, visited once per root,
-- with its supplier and the step that made it. Lots, outputs and steps are sought one by one
-- (LATERAL with LIMIT/OFFSET): the planner cannot estimate a recursive CTE (it guessed 293k
-- rows for 8,400) and would otherwise hash the whole tables: 1,049 lots on the 1M-lot plant,
-- 1.4 s -> 0.2 s.
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
JOIN LATERAL (SELECT * FROM lots l WHERE l.lot_id = u.lot_id LIMIT 1) l ON true
LEFT JOIN LATERAL (SELECT * FROM step_outputs o WHERE o.lot_id = u.lot_id OFFSET 0) o ON true
LEFT JOIN LATERAL (SELECT * FROM steps st WHERE st.step_id = o.step_id LIMIT 1) st ON true
