// Lots of which more was consumed and shipped (net of returns) than the lot held, beyond
// $tolerance; only edges in the lot's own dimension count. $units as in step_balance.
MATCH (lot:Lot)
WHERE lot.quantity > 0 AND $units[lot.uom] IS NOT NULL
WITH lot, $units[lot.uom] AS unit
WITH lot, unit, lot.quantity * unit.factor AS held,
     COLLECT { MATCH (lot)-[u:INPUT_TO]->(:ProcessStep)
               WHERE $units[u.uom].dimension = unit.dimension
               RETURN u.quantity * $units[u.uom].factor AS q
               UNION ALL
               MATCH (lot)-[s:SHIPPED]->(:Shipment)
               WHERE $units[s.uom].dimension = unit.dimension
               RETURN s.quantity * $units[s.uom].factor AS q } AS gone
WITH lot, unit, held, reduce(s = 0.0, q IN gone | s + q) AS out
WHERE out > held * (1 + $tolerance)
RETURN lot.lot_id AS lot_id, lot.quantity AS quantity, lot.uom AS uom,
       out / unit.factor AS used_and_shipped
ORDER BY lot_id
