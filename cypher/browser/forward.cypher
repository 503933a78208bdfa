// Forward trace for Neo4j Browser: paste both statements (the :param line first). Everything
// downstream of a lot, its shipments and customers, drawn as a graph. Each node is visited once
// (VarLengthExpand(Pruning,BFS)): safe on a salt lot that reaches thousands of batches, but
// not drawable whole there (1,624 lots, 3,046 rows on the 1M-lot plant; the Browser shows its
// first 300 nodes): README points to customer_exposure.cypher and the CLI for wide lots.
:param lot_id => 'R0000002';

MATCH (source:Lot {lot_id: $lot_id})-[:INPUT_TO|PRODUCED*0..]->(reached)
WITH DISTINCT reached
OPTIONAL MATCH (reached)-[:SHIPPED]->(shipment:Shipment)-[:TO]->(customer:Customer)
RETURN reached, shipment, customer;
