// bench-lot-records: every lot's id, the lots whose records are written and removed.
MATCH (lot:Lot)
RETURN collect(lot.lot_id) AS lot_ids
