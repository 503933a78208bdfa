// The removed-RUN.csv files of the runs a run completed (its `completes`: runs that did not
// end, as it started) that were of its own source and had written one — killed while
// removing: its re-run removed only what they had not — oldest first, so that
// `imports RUN --restore` gives back what both removed (restore._removed_rows). A run of
// another source completed is left out: its rows are its source's, restored by its own run.
MATCH (run:ImportRun)
WHERE run.run_id IN $run_ids AND run.removed_file IS NOT NULL
  AND coalesce(run.source, '') = coalesce($source, '')
RETURN run.run_id AS run_id, run.removed_file AS removed_file
ORDER BY run.started_at
