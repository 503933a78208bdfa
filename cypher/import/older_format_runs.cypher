// Imports by a tracegraph older than the data migrations (a rollback): their ledger entries lack
// format_level or have one below this version's ($level: schema.FORMAT_LEVEL) and started after
// the data migrations last ran (db/mark_migration_done.cypher stamps ran_at). What such a run wrote is keyed the old way
// — an alarm without its kind, a time with its offset — beside what the migrations re-keyed, and
// only `db init` (which runs every migration again) brings it up to date: the import says so.
// `unsourced`: a run that recorded no source (a version before rows kept theirs) and wrote
// rows, whose `_sources` it replaced with none. Reads the few Migration nodes, then seeks the
// runs by the ImportRun.started_at index.
MATCH (done:Migration)
WITH max(coalesce(done.ran_at, done.done_at)) AS migrated
WHERE migrated IS NOT NULL
MATCH (run:ImportRun)
WHERE run.started_at > migrated AND coalesce(run.format_level, 0) < $level
  AND run.status <> 'running'
RETURN run.run_id AS run_id, run.tracegraph_version AS version,
  run.source IS NULL AND coalesce(run.rows_written, 1) > 0 AS unsourced
ORDER BY run.started_at DESC
LIMIT 1
