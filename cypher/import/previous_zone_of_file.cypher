// The last import (before this one) that read times without an offset from this file (its
// absolute path, as the run's `files` keep it) into this table, and the zone it read them in
// (the run's timezone): the same local times read in another zone are other instants. By path,
// not by name: siteA/steps.csv and siteB/steps.csv, read in their sites' zones, are other
// files (compared by name, each night said the other's rows moved). Runs of older versions
// (no local_time_paths) are not found.
// Newest first on ImportRun.started_at's index, as previous_import_of_file reads.
MATCH (run:ImportRun)
USING INDEX run:ImportRun(started_at)
WHERE run.started_at IS NOT NULL AND $path IN run.local_time_paths AND run.run_id <> $run_id
WITH run
ORDER BY run.started_at DESC
WITH run, [i IN range(0, size(run.local_time_paths) - 1)
           WHERE run.local_time_paths[i] = $path AND run.local_time_tables[i] = $table] AS at
WHERE at <> []
RETURN run.run_id AS run_id, run.timezone AS timezone
LIMIT 1
