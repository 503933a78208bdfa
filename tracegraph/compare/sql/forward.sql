-- Everything downstream of the source lots, with the shipment lines and customers that carried
-- the reached lots. UNION (not UNION ALL) keeps a visited set: each lot is reached once however
-- many paths lead to it, so the commodity lot does not enumerate paths.
WITH RECURSIVE reached (lot_id) AS (
  SELECT unnest(%(lot_ids)s::text[])
  UNION
  SELECT o.lot_id
  FROM reached r
  JOIN step_inputs i ON i.lot_id = r.lot_id
  JOIN step_outputs o ON o.step_id = i.step_id
)
SELECT l.lot_id, l.material_id, l.quantity, l.uom, l.status,
       sl.shipment_id, sl.quantity AS shipped_quantity, s.shipped_at, c.customer_id, c.name, c.contact
FROM reached r
JOIN lots l ON l.lot_id = r.lot_id
LEFT JOIN shipment_lines sl ON sl.lot_id = r.lot_id
LEFT JOIN shipments s ON s.shipment_id = sl.shipment_id
LEFT JOIN customers c ON c.customer_id = s.customer_id
