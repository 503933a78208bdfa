// Lots received from a supplier in [$window_start, $window_end), in the order received: a
// supplier's notice ("our production of 1 to 5 November may be contaminated", "batches shipped
// to you last week") names a span of time, not our lot ids. Compared as instants, as the
// device windows are. One row: the receipts, and the supplier's lots that have no receipt
// date (in no window: the answer must say it may miss them, and which to trace by id).
MATCH (supplier:Supplier {supplier_id: $supplier_id})<-[receipt:SUPPLIED_BY]-(lot:Lot)
// Instants as [epochSeconds, nanosecond], exact at the stored precision (epochMillis cut them
// to the millisecond: a receipt at .123456 was in a window from .1239).
WITH lot, receipt, datetime($window_start) AS window_start, datetime($window_end) AS window_end
WITH lot, receipt, [receipt.received_at.epochSeconds, receipt.received_at.nanosecond] AS at,
     [window_start.epochSeconds, window_start.nanosecond] AS starts,
     [window_end.epochSeconds, window_end.nanosecond] AS ends
ORDER BY at, lot.lot_id
RETURN
  collect(CASE WHEN at >= starts AND at < ends THEN [
    lot.lot_id,
    coalesce(lot.material_id, [(lot)-[:OF]->(m:Material) | m.material_id][0]),
    receipt.supplier_lot, toString(receipt.received_at), lot.quantity, lot.uom, lot.status
  ] END) AS receipts,
  collect(CASE WHEN receipt.received_at IS NULL THEN lot.lot_id END) AS undated
