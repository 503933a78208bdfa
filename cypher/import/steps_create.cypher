// Steps not yet in the graph (see lots_create): runs in one transaction with steps_create_edges,
// which also sets the times (a second SET here would make Neo4j plan an Eager).
UNWIND $rows AS row
CREATE (n:ProcessStep)
SET n = row.props
