// The data a recall is read from: the last import run that has ended (done, failed or stopped),
// its id, status and end. Kept on the Recall node, so that `recall history --verify` knows which
// recalls were taken before the graph last changed. Newest first on ImportRun.started_at's index
// (a run a night: the first one or two rows read), never every run.
OPTIONAL CALL () {
  MATCH (run:ImportRun)
  USING INDEX run:ImportRun(started_at)
  WHERE run.started_at IS NOT NULL AND run.ended_at IS NOT NULL
  RETURN run
  ORDER BY run.started_at DESC
  LIMIT 1
}
RETURN run.run_id AS run_id, run.status AS status, toString(run.ended_at) AS ended_at
