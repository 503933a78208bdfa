// The data migrations that ran to their end on this database (their Migration nodes, see
// db/mark_migration_done.cypher): `db status` names those of cypher/migrate/ not among them —
// a `db init` cut short, or an upgrade not followed by one — when the graph holds anything
// besides the bookkeeping nodes (an empty database has nothing to migrate). A label scan of
// a handful of nodes; the counts come from the count store.
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH (n:ImportLock) RETURN count(n) AS locks }
CALL () { MATCH (n:Migration) RETURN count(n) AS marks }
CALL () { MATCH (done:Migration) RETURN collect(done.name) AS names }
RETURN names, nodes - locks - marks AS data_nodes
