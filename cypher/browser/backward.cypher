// Backward trace for Neo4j Browser: everything upstream of a lot, with suppliers, devices and
// operators of each step. Paste both statements (the :param line first).
:param lot_id => 'F0000009';

MATCH (complaint:Lot {lot_id: $lot_id})<-[:INPUT_TO|PRODUCED*0..]-(reached)
WITH DISTINCT reached
OPTIONAL MATCH (reached)-[:SUPPLIED_BY]->(supplier:Supplier)
OPTIONAL MATCH (reached)-[:ON|BY]->(resource)
RETURN reached, supplier, resource;
