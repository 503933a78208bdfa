// Lots received from a supplier in [$window_start, $window_end), in the order received: a
// supplier's notice ("our production of 1 to 5 November may be contaminated", "batches shipped
// to you last week") names a span of time, not our lot ids. Compared as instants, as the
// device windows are. One row: the receipts, and the supplier's lots that have no receipt
// date (in no window: the answer must say it may miss them, and which to trace by id).
MATCH (supplier:Supplier {supplier_id: $supplier_id})<-[receipt:SUPPLIED_BY]-(lot:Lot)
WITH lot, receipt, receipt.received_at.epochMillis AS at,
     datetime($window_start).epochMillis AS starts, datetime($window_end).epochMillis AS ends
ORDER BY at, lot.lot_id
RETURN
  collect(CASE WHEN at >= starts AND at < ends THEN [
    lot.lot_id,
    coalesce(lot.material_id, [(lot)-[:OF]->(m:Material) | m.material_id][0]),
    receipt.supplier_lot, toString(receipt.received_at), lot.quantity, lot.uom, lot.status
  ] END) AS receipts,
  collect(CASE WHEN at IS NULL THEN lot.lot_id END) AS undated
