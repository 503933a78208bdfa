// The newest import still marked running: when the import lock is busy, the run holding it.
MATCH (run:ImportRun {status: 'running'})
RETURN run.run_id AS run_id, run.user AS user, run.host AS host,
       toString(run.started_at) AS started_at
ORDER BY run.started_at DESC
LIMIT 1
