// Lots shipped after a recall (not a drill) that covered them — as its source, or reached from
// it (AFFECTS). A recall package puts nothing on hold in the ERP: recalled product shipped the
// day after was found by no check ("no gaps found"), and the lot still read "released".
// Recalls are few; each reads its lots' shipment lines, not the whole graph.
MATCH (recall:Recall {drill: false})-[:SOURCE|AFFECTS]->(lot:Lot)-[line:SHIPPED]->(shipment:Shipment)
WHERE line.quantity > 0 AND shipment.shipped_at > recall.created_at
RETURN lot.lot_id AS lot_id, shipment.shipment_id AS shipment_id,
       shipment.shipped_at AS shipped_at, line.quantity AS quantity, line.uom AS uom,
       recall.recall_id AS recall_id, recall.created_at AS recalled_at
ORDER BY lot_id, shipped_at, shipment_id, recall_id
