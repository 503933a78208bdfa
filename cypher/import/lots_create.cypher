// Lots not yet in the graph: CREATE needs no look-up. Runs in one transaction with
// lots_create_edges, so node, edges, identity and content hash (in props) commit together and
// a crash leaves all of a batch or none of it. Lots that exist (changed rows, stubs) take the
// MERGE path (lots.cypher and the queries after it). Its times are set by the
// next query: a second SET here would make Neo4j plan an Eager.
UNWIND $rows AS row
CREATE (n:Lot)
SET n = row.props
