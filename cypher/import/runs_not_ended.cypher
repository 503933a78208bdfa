// The runs since the last one that ended `done` that did not end so themselves — killed (kill
// -9, a crashed host: interrupted_runs marked them as this run took the lock), stopped by
// Ctrl-C or SIGTERM, failed — read as an import starts, oldest first. Their stubs and nodes
// known only from references were never named in the ledger: the run that follows them counts
// those still there as its own (see mark_reported.cypher). ImportRun holds a node a run. Its
// error and whether it ended at all: a failed run's note names its error, a killed one has no
// end.
OPTIONAL MATCH (done:ImportRun {status: 'done'})
WITH max(done.started_at) AS since
MATCH (run:ImportRun)
WHERE run.run_id <> $run_id AND run.status <> 'done'
  AND (since IS NULL OR run.started_at > since)
RETURN run.run_id AS run_id, run.status AS status, run.ended_at IS NOT NULL AS ended,
  run.error AS error
ORDER BY run.started_at
