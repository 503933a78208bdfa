// The ledger entry of a recall package or a mock-recall drill, linked to its source lots (the
// other lots a recall reached are linked by recall/affects, in batches). `window` names the
// device's, operator's or supplier's span of time a recall was asked by, as text for people;
// window_kind, window_subject, window_from and window_to are its parts for a program (all null
// when asked by lots). located_share is null when a source has no quantity of its own (it is
// located 100 % by construction): sources_without_quantity names them. data_run_id and
// data_run_ended_at name the last import that had ended when it was read, taken_during_import the
// run writing the graph meanwhile (null when none); customer_ids and shipment_ids what it named
// (bounded): `recall history --verify` re-traces a recall taken before a later import and names
// the customers and shipments added since.
CREATE (recall:Recall {recall_id: $recall_id})
SET recall.created_at = datetime($created_at),
    recall.created_by = $created_by,
    recall.host = $host,
    recall.drill = $drill,
    recall.duration_s = $duration_s,
    recall.located_share = $located_share,
    recall.sources_without_quantity = $sources_without_quantity,
    recall.source_lots = $source_lots,
    recall.window = $window,
    recall.window_kind = $window_kind,
    recall.window_subject = $window_subject,
    recall.window_from = $window_from,
    recall.window_to = $window_to,
    recall.lots = $lots,
    recall.shipments = $shipments,
    recall.customers = $customers,
    recall.quantity = $quantity,
    recall.uom = $uom,
    recall.package = $package,
    recall.manifest_sha256 = $manifest_sha256,
    recall.data_run_id = $data_run_id,
    recall.data_run_ended_at = datetime($data_run_ended_at),
    recall.taken_during_import = $taken_during_import,
    recall.customer_ids = $customer_ids,
    recall.shipment_ids = $shipment_ids
WITH recall
UNWIND $source_lots AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
CREATE (recall)-[:SOURCE]->(lot)
