// The last import (before this one) of a file of this name, when it was finished, clean and of
// the same content under the same settings: the file is then unchanged and can be skipped.
// By name, not by content alone: a nightly dump back to an earlier night's bytes (a hold set
// on day 7 lifted on day 8) differs from the last file of its name, and is read; a weekly dump
// imported again after a status-update file of another name (lots_status.csv) is skipped, and
// the update stands. Runs of older versions (no file_names) are never taken as the last.
// Read newest first on ImportRun.started_at's index, stopping at the first run that read the
// name: a file imported every night is found among the last few runs, where filtering every
// run first cost 60-90k db hits a file with 30,000 runs in the ledger (0.2 s a file, a night's
// import 2 s). A name no run read (a dated file name, lots_20261207.csv) still reads them all.
MATCH (run:ImportRun)
USING INDEX run:ImportRun(started_at)
WHERE run.started_at IS NOT NULL AND $name IN run.file_names AND run.run_id <> $run_id
WITH run
ORDER BY run.started_at DESC
LIMIT 1
// (a run of two nights' folders read both lots.csv files: the later one is what it wrote last)
WITH run, [i IN range(0, size(run.file_names) - 1) WHERE run.file_names[i] = $name] AS at
WHERE run.status = 'done'
  AND $fingerprint IN run.clean_fingerprints
  AND run.fingerprints[at[-1]] = $fingerprint
RETURN run.run_id AS run_id
