// The runs started after $run_id that wrote a removed-RUN.csv (a --full run that removed rows),
// oldest first: a restore of $run_id leaves out a row one of them removed again, whose newer
// values are in that run's file (restore.removed_later). Read as a range of
// ImportRun.started_at's index after the run's own start, as runs_not_ended reads its runs.
MATCH (this:ImportRun {run_id: $run_id})
WITH this.started_at AS since
CALL (since) {
  MATCH (run:ImportRun)
  USING INDEX run:ImportRun(started_at)
  WHERE run.started_at > since
  RETURN run
}
WITH run
WHERE run.removed_file IS NOT NULL
RETURN run.run_id AS run_id, run.removed_file AS removed_file
ORDER BY run.started_at
