// The last import (before this one) that read times without an offset from this file (its
// absolute path, as the run's `files` keep it) into this table, and the zone it read them in
// (the run's timezone): the same local times read in another zone are other instants. By path,
// not by name: siteA/steps.csv and siteB/steps.csv, read in their sites' zones, are other
// files (compared by name, each night said the other's rows moved).
// Seeks the file nodes that have local_time_path (only files whose times were read without an
// offset: files_finished) on its index, newest first: a path no run read so (a dated name, or
// a file with offsets) finds nothing at once, where every run's local_time_paths were read.
// The path leads the ORDER BY as it leads the index, which then gives the order (no sort).
MATCH (file:ImportedFile)
USING INDEX file:ImportedFile(local_time_path, started_at)
WHERE file.local_time_path = $path AND file.started_at IS NOT NULL AND file.run_id <> $run_id
  AND $table IN file.local_time_tables
RETURN file.run_id AS run_id, file.timezone AS timezone
ORDER BY file.local_time_path DESC, file.started_at DESC
LIMIT 1
