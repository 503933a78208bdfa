// The files whose times a run read without an offset, by path, newest first: only those files
// have local_time_path, so previous_zone_of_file seeks them alone (a path read every night
// with offsets, or never read before, finds nothing at once).
CREATE RANGE INDEX imported_file_local_time IF NOT EXISTS
FOR (n:ImportedFile) ON (n.local_time_path, n.started_at)
