// Says that the data migration cypher/migrate/$name.cypher ran to its end on this database: an
// import looks this node up (db/migration_done) instead of scanning what the migration changes.
// ran_at: when it last ran (an import by an older version after it is one to migrate again,
// import/older_format_runs.cypher). $now, the migrating process's clock: ran_at is compared
// with runs' started_at, the importing process's (the server's datetime(), skewed from it,
// missed an older version's run just after the migration, or named one just before).
MERGE (done:Migration {name: $name})
  ON CREATE SET done.done_at = $now
SET done.ran_at = $now
