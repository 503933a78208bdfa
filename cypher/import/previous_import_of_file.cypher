// The last import (before this one) of a file of this name, when it was finished, clean and of
// the same content under the same settings: the file is then unchanged and can be skipped.
// By name, not by content alone: a nightly dump back to an earlier night's bytes (a hold set
// on day 7 lifted on day 8) differs from the last file of its name, and is read; a weekly dump
// imported again after a status-update file of another name (lots_status.csv) is skipped, and
// the update stands. Runs of older versions (no file_names) have no file nodes: never the last.
// Seeks the run's file nodes (ImportedFile, written with each run) on the index of (name,
// started_at, position), newest first, and stops at the first (the hint keeps that plan when
// the index statistics are a young ledger's): a name no run read (a dated file name,
// lots_20261207.csv) finds nothing at once, where every run's file_names list was read (30,000
// runs: 0.2 s a file). `clean` is set as its run ends done (files_finished): a killed or failed
// run's files are never clean. A run of two nights' folders read two lots.csv files: the later
// one (position) is what it wrote last. Files of this run's $source alone: two sources sending
// lots.csv each took the other's for the last import of the name, and their fingerprints
// (which hold the source) never matched — every file of both read again every night. The
// name leads the ORDER BY, as it leads the index:
// without it Neo4j 5.26 sorted the name's every file (Top) instead of reading them in order.
MATCH (file:ImportedFile)
USING INDEX file:ImportedFile(name, started_at, position)
WHERE file.name = $name AND file.started_at IS NOT NULL AND file.position IS NOT NULL
  AND file.run_id <> $run_id AND file.source = $source
WITH file
ORDER BY file.name DESC, file.started_at DESC, file.position DESC
LIMIT 1
WITH file
WHERE file.clean AND file.fingerprint = $fingerprint
// its rows' digest: the skipping run's file node takes it (older_exports compares them); the
// run that imported the content and its start (a skipping run's file node keeps its
// previous's: files_finished), which a night whose every file is skipped names — the third
// night sent the same files named the second, which imported nothing
RETURN file.run_id AS run_id, file.content_digest AS content_digest,
       coalesce(file.content_run_id, file.run_id) AS content_run_id,
       coalesce(file.content_started_at, file.started_at) AS content_started_at
