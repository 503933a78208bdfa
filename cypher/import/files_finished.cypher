// As a run ends (in the transaction that sets its status: import/finish_run), its files'
// nodes take what only the end knows: `clean` (the run ended done and the file had no
// reject: $clean, the fingerprints the run's clean_fingerprints list), and for the files whose
// times it read without an offset ($local_paths, $local_tables: the run's local_time_paths and
// local_time_tables) the tables it read them into and local_time_path, which only such files
// have (previous_zone_of_file seeks it); and the digest of each file's rows ($digests, by path:
// empty unless the run ended done), which a later run's older_exports compares; for a file
// skipped as unchanged, the run that imported its content and that run's start ($content_runs,
// by path: [run id, start]; previous_import_of_file returns them). A run's few files, by its
// READ edges.
MATCH (run:ImportRun {run_id: $run_id})-[:READ]->(file:ImportedFile)
WITH file, [i IN range(0, size($local_paths) - 1)
            WHERE $local_paths[i] = file.path | $local_tables[i]] AS local
SET file.clean = $clean IS NOT NULL AND file.fingerprint IN $clean,
    file.local_time_path = CASE WHEN local = [] THEN null ELSE file.path END,
    file.local_time_tables = CASE WHEN local = [] THEN null ELSE local END,
    file.content_digest = $digests[file.path],
    file.content_run_id = $content_runs[file.path][0],
    file.content_started_at = $content_runs[file.path][1]
