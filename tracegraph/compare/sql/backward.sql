-- Everything upstream of the source lots, as the facts a backward trace weighs and reports:
-- the same answer cypher/trace/backward.cypher gives, in the same shape (one row: a map per
-- reached lot with its receipt, inspections and the steps that made it — each with its
-- device, operator, inspections, inputs and outputs), so the library turns both engines' rows
-- into the same trace with the same code (trace.backward_from_rows). The step maps carry
-- the steps table's columns: process parameters are extra columns, which the relational
-- schema does not keep. A device or operator a step names but the devices or operators table
-- lacks is still the step's (Neo4j keeps it as a node with only its id). UNION keeps a
-- visited set, and the lots are sought one by one (see forward.sql for both).
WITH RECURSIVE reached (lot_id) AS (
  SELECT unnest(%(lot_ids)s::text[])
  UNION
  SELECT i.lot_id
  FROM reached r
  JOIN step_outputs o ON o.lot_id = r.lot_id
  JOIN step_inputs i ON i.step_id = o.step_id
)
SELECT coalesce(json_agg(json_build_object(
  'lot_id', r.lot_id, 'quantity', l.quantity, 'uom', l.uom, 'status', l.status,
  'origin_known', l.lot_id IS NOT NULL, 'created_at', l.created_at, 'expires_at', l.expires_at,
  'material_id', l.material_id,
  'supplied_by', CASE WHEN l.supplier_id IS NULL THEN '[]'::json ELSE json_build_array(
    json_build_object('supplier_id', l.supplier_id, 'name', sp.name, 'country', sp.country,
                      'supplier_lot', l.supplier_lot, 'received_at', l.received_at)) END,
  'inspections', ARRAY(SELECT to_json(x) FROM inspections x WHERE x.lot_id = r.lot_id),
  'made_by', ARRAY(
    SELECT json_build_object(
      'step', to_json(st), 'quantity', o.quantity, 'uom', o.uom,
      'device', CASE WHEN st.device_id IS NOT NULL THEN coalesce(
        (SELECT to_json(d) FROM devices d WHERE d.device_id = st.device_id),
        json_build_object('device_id', st.device_id)) END,
      'operator', CASE WHEN st.operator_id IS NOT NULL THEN coalesce(
        (SELECT to_json(op) FROM operators op WHERE op.operator_id = st.operator_id),
        json_build_object('operator_id', st.operator_id)) END,
      'work_order_id', st.work_order_id, 'location_id', st.location_id,
      'inspections', ARRAY(SELECT to_json(x) FROM inspections x WHERE x.step_id = st.step_id),
      'inputs', ARRAY(SELECT json_build_object('lot_id', i.lot_id, 'quantity', i.quantity,
                                               'uom', i.uom)
                      FROM step_inputs i WHERE i.step_id = st.step_id),
      'outputs', ARRAY(SELECT json_build_object('lot_id', made.lot_id,
                                                'quantity', made.quantity, 'uom', made.uom)
                       FROM step_outputs made WHERE made.step_id = st.step_id))
    FROM step_outputs o JOIN steps st ON st.step_id = o.step_id
    WHERE o.lot_id = r.lot_id)
)), '[]') AS lots
FROM reached r
LEFT JOIN LATERAL (SELECT * FROM lots l WHERE l.lot_id = r.lot_id LIMIT 1) l ON true
LEFT JOIN suppliers sp ON sp.supplier_id = l.supplier_id
