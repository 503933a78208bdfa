// Inspections not yet in the graph (see lots_create): CREATE needs no look-up, and the node, its
// edges and its content hash (in props) commit in one transaction with
// inspections_create_edges, so a crash leaves all of a batch or none of it and no _done query
// is needed. Existing inspections (changed rows) take the MERGE path (inspections.cypher and
// the queries after it). The time is set by the next query: a second SET here would make
// Neo4j plan an Eager.
UNWIND $rows AS row
CREATE (n:Inspection)
SET n = row.props
