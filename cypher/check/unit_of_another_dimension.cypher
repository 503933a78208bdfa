// Shipment lines and uses of a lot in a unit of another dimension than the lot's own (3 pcs
// of a 10 kg lot): nothing converts them, so a trace weighs such a line only against the
// lot's other lines of that dimension — one alone is taken as the whole lot, and a recall
// locates more than there was.
MATCH (lot:Lot)-[link:SHIPPED|INPUT_TO]->(target)
WHERE lot.uom IS NOT NULL AND link.uom IS NOT NULL AND link.uom <> lot.uom
WITH lot, link, target,
     coalesce($units[lot.uom].dimension, 'unit:' + lot.uom) AS lot_dimension,
     coalesce($units[link.uom].dimension, 'unit:' + link.uom) AS link_dimension
WHERE lot_dimension <> link_dimension
RETURN lot.lot_id AS lot_id, CASE type(link) WHEN 'SHIPPED' THEN 'shipped' ELSE 'used' END AS event,
       coalesce(target.shipment_id, target.step_id) AS reference,
       link.quantity AS quantity, link.uom AS uom,
       lot.quantity AS lot_quantity, lot.uom AS lot_uom
ORDER BY lot_id, reference
