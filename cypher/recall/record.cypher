// The ledger entry of a recall package or a mock-recall drill, linked to its source lots, and
// (a recall, not a drill: $affected_lots is empty for one) to every other lot it reached, so
// that `lot show` of any of them names the recall and `check` finds what shipped after it.
CREATE (recall:Recall {recall_id: $recall_id})
SET recall.created_at = datetime($created_at),
    recall.created_by = $created_by,
    recall.host = $host,
    recall.drill = $drill,
    recall.duration_s = $duration_s,
    recall.located_share = $located_share,
    recall.source_lots = $source_lots,
    recall.lots = $lots,
    recall.shipments = $shipments,
    recall.customers = $customers,
    recall.quantity = $quantity,
    recall.uom = $uom,
    recall.package = $package,
    recall.manifest_sha256 = $manifest_sha256
WITH recall
CALL (recall) {
  UNWIND $source_lots AS lot_id
  MATCH (lot:Lot {lot_id: lot_id})
  CREATE (recall)-[:SOURCE]->(lot)
}
CALL (recall) {
  UNWIND $affected_lots AS lot_id
  MATCH (lot:Lot {lot_id: lot_id})
  CREATE (recall)-[:AFFECTS]->(lot)
}
