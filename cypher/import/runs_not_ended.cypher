// The runs since the last one that ended `done` that did not end so themselves — killed (kill
// -9, a crashed host: interrupted_runs marked them as this run took the lock), stopped by
// Ctrl-C or SIGTERM, failed — read as an import starts, oldest first. Their stubs and nodes
// known only from references were never named in the ledger: the run that follows them counts
// those still there as its own (see mark_reported.cypher). ImportRun holds a node a run. Its
// error and whether it ended at all: a failed run's note names its error, a killed one has no
// end. Its removed-RUN.csv: one stopped while removing is named with its file.
// The last run done is found newest first on ImportRun.started_at's index (the max of every
// done run read them all: 90k db hits with 30,000 runs); the runs after it, a range of it.
OPTIONAL CALL () {
  MATCH (done:ImportRun)
  USING INDEX done:ImportRun(started_at)
  WHERE done.started_at IS NOT NULL AND done.status = 'done'
  RETURN done.started_at AS since
  ORDER BY done.started_at DESC
  LIMIT 1
}
// (no run done yet: every run; a bound, not an OR, keeps it a range seek). In a subquery of its
// own: with the other filters beside it, Neo4j 5.26 scanned the index and filtered every run
// by the bound (3,000 db hits with 3,000 runs, where the seek reads the few runs after it).
WITH coalesce(since, datetime({year: 1})) AS since
CALL (since) {
  MATCH (run:ImportRun)
  USING INDEX run:ImportRun(started_at)
  WHERE run.started_at > since
  RETURN run
}
WITH run
WHERE run.run_id <> $run_id AND run.status <> 'done'
RETURN run.run_id AS run_id, run.status AS status, run.ended_at IS NOT NULL AS ended,
  run.error AS error, run.removed_file AS removed_file
ORDER BY run.started_at
