// Whether a data migration ran to its end on this database (its Migration node, written by the
// import or by `db init` after it ran: db/mark_migration_done.cypher): one look-up in the
// constraint's index.
OPTIONAL MATCH (done:Migration {name: $name})
RETURN done IS NOT NULL AS done
