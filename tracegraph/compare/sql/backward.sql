-- Everything upstream of the source lots, as the facts a backward trace weighs and reports:
-- the same answer cypher/trace/backward.cypher gives, in the same shape (one row of compact
-- lists), so the library turns both engines' rows into the same trace with the same code
-- (trace.upstream_from_record):
--   lots:  [lot_id, quantity, uom, status, origin_known, created_at, expires_at, material_id,
--           supplied_by: [[supplier_id, name, country, supplier_lot, received_at]],
--           inspections: [inspection]]
--   steps: [step, links]  every step that made a reached lot, once; links:
--           [0, lot_id, quantity, uom] an input   [1, lot_id, quantity, uom] an output
--           [2, device ref] [3, operator ref] [4, work_order_id] [5, location_id]
--           [6, inspection, lot_id of the lot it inspected or null]
--   nodes: [ref, device or operator]  each one the steps name, once
--   devices: [device_id, longest_s, events, calibrated_before]  each device the steps ran
--           on: its events from its steps' first start to their last end (or a step with no
--           end time's start plus the device's longest step), as [[epoch seconds, nanosecond],
--           event] (backward.cypher's instants, not cut to the millisecond), and its last
--           calibration before that span — the same work backward.cypher does for them
-- The step maps carry the steps table's columns: process parameters are extra columns, which
-- the relational schema does not keep. A device or operator a step names but the devices or
-- operators table lacks is still the step's (Neo4j keeps it as a node with only its id).
-- UNION keeps a visited set, and the lots and steps are sought one by one (LATERAL with
-- LIMIT/OFFSET; see forward.sql for both).
WITH RECURSIVE reached (lot_id) AS (
  SELECT unnest(%(lot_ids)s::text[])
  UNION
  SELECT i.lot_id
  FROM reached r
  JOIN step_outputs o ON o.lot_id = r.lot_id
  JOIN step_inputs i ON i.step_id = o.step_id
),
made (step_id) AS (
  SELECT DISTINCT o.step_id
  FROM reached r
  JOIN LATERAL (SELECT o.step_id FROM step_outputs o WHERE o.lot_id = r.lot_id OFFSET 0) o
    ON true
)
SELECT
  (SELECT coalesce(json_agg(json_build_array(
            r.lot_id, l.quantity, l.uom, l.status, l.lot_id IS NOT NULL, l.created_at,
            l.expires_at, l.material_id,
            CASE WHEN l.supplier_id IS NULL THEN '[]'::json ELSE json_build_array(
              json_build_array(l.supplier_id, sp.name, sp.country, l.supplier_lot,
                               l.received_at)) END,
            ARRAY(SELECT to_json(x) FROM inspections x WHERE x.lot_id = r.lot_id))), '[]')
   FROM reached r
   LEFT JOIN LATERAL (SELECT * FROM lots l WHERE l.lot_id = r.lot_id LIMIT 1) l ON true
   LEFT JOIN suppliers sp ON sp.supplier_id = l.supplier_id)
    AS lots,
  (SELECT coalesce(json_agg(json_build_array(to_json(st), ARRAY(
            SELECT json_build_array(0, i.lot_id, i.quantity, i.uom)
            FROM step_inputs i WHERE i.step_id = st.step_id
            UNION ALL
            SELECT json_build_array(1, o.lot_id, o.quantity, o.uom)
            FROM step_outputs o WHERE o.step_id = st.step_id
            UNION ALL
            SELECT json_build_array(2, 'd' || st.device_id) WHERE st.device_id IS NOT NULL
            UNION ALL
            SELECT json_build_array(3, 'o' || st.operator_id) WHERE st.operator_id IS NOT NULL
            UNION ALL
            SELECT json_build_array(4, st.work_order_id) WHERE st.work_order_id IS NOT NULL
            UNION ALL
            SELECT json_build_array(5, st.location_id) WHERE st.location_id IS NOT NULL
            UNION ALL
            SELECT json_build_array(6, to_json(x), x.lot_id) FROM inspections x
            WHERE x.step_id = st.step_id))), '[]')
   FROM made m
   JOIN LATERAL (SELECT * FROM steps st WHERE st.step_id = m.step_id LIMIT 1) st ON true)
    AS steps,
  (SELECT coalesce(json_agg(json_build_array(named.ref, named.node)), '[]')
   FROM (SELECT 'd' || used.device_id AS ref, coalesce(
                  (SELECT to_json(d) FROM devices d WHERE d.device_id = used.device_id),
                  json_build_object('device_id', used.device_id)) AS node
         FROM (SELECT DISTINCT st.device_id FROM made m
               JOIN LATERAL (SELECT * FROM steps st WHERE st.step_id = m.step_id LIMIT 1) st
                 ON true
               WHERE st.device_id IS NOT NULL) used
         UNION ALL
         SELECT 'o' || used.operator_id, coalesce(
                  (SELECT to_json(op) FROM operators op WHERE op.operator_id = used.operator_id),
                  json_build_object('operator_id', used.operator_id))
         FROM (SELECT DISTINCT st.operator_id FROM made m
               JOIN LATERAL (SELECT * FROM steps st WHERE st.step_id = m.step_id LIMIT 1) st
                 ON true
               WHERE st.operator_id IS NOT NULL) used) named)
    AS nodes,
  (SELECT coalesce(json_agg(json_build_array(
            span.device_id, bound.longest_s,
            ARRAY(SELECT json_build_array(json_build_array(
                                            floor(extract(epoch FROM e.at))::bigint,
                                            ((extract(epoch FROM e.at)
                                              - floor(extract(epoch FROM e.at)))
                                             * 1000000000)::bigint),
                                          json_strip_nulls(json_build_object(
                                            'event', e.event, 'at', e.at, 'result', e.result)))
                  FROM device_events e
                  WHERE e.device_id = span.device_id AND e.at >= span.starts
                    AND e.at <= until.at
                  ORDER BY e.at, e.event),
            ARRAY(SELECT json_build_array(json_build_array(
                                            floor(extract(epoch FROM e.at))::bigint,
                                            ((extract(epoch FROM e.at)
                                              - floor(extract(epoch FROM e.at)))
                                             * 1000000000)::bigint),
                                          json_strip_nulls(json_build_object(
                                            'event', e.event, 'at', e.at, 'result', e.result)))
                  FROM device_events e
                  WHERE e.device_id = span.device_id AND e.event = 'calibration'
                    AND e.at < span.starts
                  ORDER BY e.at DESC LIMIT 1))), '[]')
   FROM (SELECT st.device_id, min(st.started_at) AS starts, max(st.ended_at) AS ended,
                max(st.started_at) FILTER (WHERE st.ended_at IS NULL) AS unended
         FROM made m
         JOIN LATERAL (SELECT * FROM steps st WHERE st.step_id = m.step_id LIMIT 1) st ON true
         WHERE st.device_id IS NOT NULL AND st.started_at IS NOT NULL
         GROUP BY st.device_id) span
   CROSS JOIN LATERAL (SELECT coalesce((SELECT longest_s FROM device_longest_step d
                                        WHERE d.device_id = span.device_id), 0)::bigint
                              AS longest_s) bound
   CROSS JOIN LATERAL (SELECT CASE
            WHEN span.unended IS NULL THEN span.ended
            WHEN span.ended IS NULL
                 OR span.unended + make_interval(secs => bound.longest_s) > span.ended
              THEN span.unended + make_interval(secs => bound.longest_s)
            ELSE span.ended END AS at) until)
    AS devices
