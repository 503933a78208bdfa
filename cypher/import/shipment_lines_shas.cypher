// Content hashes of the shipment_lines already in the graph (see lots_shas.cypher).
UNWIND $rows AS row
MATCH (lot:Lot {lot_id: row.lot_id})-[r:SHIPPED]->(:Shipment {shipment_id: row.shipment_id})
RETURN row.shipment_id AS parent, row.lot_id AS lot_id, r._row_sha AS sha
