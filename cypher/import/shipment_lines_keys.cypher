// The keys [shipment_id, lot_id] of every shipment_lines row the graph holds, for a full import
// (--full) to find the rows tonight's complete dump no longer has: one scan of the SHIPPED
// relationships, one list (see lots_keys.cypher). Every link an import made has a row hash.
MATCH (lot:Lot)-[r:SHIPPED]->(parent:Shipment)
WHERE r._row_sha IS NOT NULL
RETURN collect([parent.shipment_id, lot.lot_id]) AS keys
