// The newest import still marked running: when the import lock is busy, the run holding it.
// Also the check of every command's connection (cli/context.py), so that an answer read while an
// import writes can say so at no extra round trip: ImportRun is one small node per import.
MATCH (run:ImportRun {status: 'running'})
RETURN run.run_id AS run_id, run.user AS user, run.host AS host,
       toString(run.started_at) AS started_at
ORDER BY run.started_at DESC
LIMIT 1
