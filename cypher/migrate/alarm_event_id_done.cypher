// Says that cypher/migrate/alarm_event_id.cypher ran to its end (migrations run in the order of
// their file names): an import looks this node up (db/migration_done) instead of scanning every
// alarm before it starts.
MERGE (done:Migration {name: 'alarm_event_id'})
  ON CREATE SET done.done_at = datetime()
