// The given lots that have no created_at: comparable lots are those made within days of the
// complaint lots, so undated complaints have none (read only when no control was found).
MATCH (lot:Lot)
WHERE lot.lot_id IN $lot_ids AND lot.created_at IS NULL
RETURN lot.lot_id AS lot_id
ORDER BY lot_id
