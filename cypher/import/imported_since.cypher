// Whether an import other than this one began after the earliest of the given runs (the last
// full imports of a full run's unchanged files): it may have added rows, under another file
// name, that the unchanged full dump lacks, so the full run reads and compares its files.
MATCH (earlier:ImportRun)
WHERE earlier.run_id IN $runs
WITH min(earlier.started_at) AS since
OPTIONAL MATCH (later:ImportRun)
WHERE later.started_at > since AND later.run_id <> $run_id
RETURN count(later) AS later
