// Shipments not yet in the graph (see inspections_create): node, edges and content hash in one
// transaction with shipments_create_edges. Existing shipments take the MERGE path
// (shipments.cypher and the queries after it).
UNWIND $rows AS row
CREATE (n:Shipment)
SET n = row.props
