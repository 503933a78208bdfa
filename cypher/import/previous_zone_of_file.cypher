// The last import (before this one) that read times without an offset from a file of this
// name into this table, and the zone it read them in (the run's timezone): the same local
// times read in another zone are other instants. Runs of older versions (no
// local_time_files) are not found.
MATCH (run:ImportRun)
WHERE $name IN run.local_time_files AND run.run_id <> $run_id
WITH run
ORDER BY run.started_at DESC
WITH run, [i IN range(0, size(run.local_time_files) - 1)
           WHERE run.local_time_files[i] = $name AND run.local_time_tables[i] = $table] AS at
WHERE at <> []
RETURN run.run_id AS run_id, run.timezone AS timezone
LIMIT 1
