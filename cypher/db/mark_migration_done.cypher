// Says that the data migration cypher/migrate/$name.cypher ran to its end on this database: an
// import looks this node up (db/migration_done) instead of scanning what the migration changes.
MERGE (done:Migration {name: $name})
  ON CREATE SET done.done_at = datetime()
