// Import runs recorded before the ledger kept a node per file (ImportedFile, written by
// import/start_files with each run since) get theirs, made from their parallel lists (file_names,
// files, sha256, fingerprints, file_tables; `clean` from status and clean_fingerprints; the
// local-time fields from local_time_paths and local_time_tables), so that the look-ups on the
// file nodes' indexes (previous_import_of_file, previous_zone_of_file, older_exports) see the
// old runs too: the first import after the upgrade still skips an unchanged file and still
// finds an older export. Runs older than file_names have nothing to make them from (the
// look-ups never used them). Idempotent: a run with a READ edge has its files (start_files writes
// them with the run, a batch here commits a run's files together), so a migration cut short is
// completed, and a run started meanwhile is never given them twice. Each file is merged by
// its id (the run's id and its place), not created: a file node left without its edge (a `db
// reset` stopped between deleting the edges and the nodes) is the run's again, where creating
// it failed on the id's constraint and stopped every `db init`. Batches of 500 runs; run by
// `db init` and by an import until done once (its Migration node; importing/run.py _migrated).
// Neo4j 5.26 plans an Eager between the scan and the batches (they create READ edges, which the
// scan's check reads): it holds the runs left to migrate, none once migrated; and one in a
// run's row (its lists and its files' properties share names): that run's few files.
// Measured with 30,000 runs of 7 files: 114 s on two shared cores (busy; 60 s with CREATE on
// a quieter minute), once; 0.3-0.6 s again (nothing to do: a label scan of ImportRun and a READ
// edge looked for per run).
// Returns how many runs it gave their files.
MATCH (run:ImportRun)
WHERE run.file_names IS NOT NULL AND NOT EXISTS { (run)-[:READ]->(:ImportedFile) }
CALL (run) {
  UNWIND range(0, size(run.file_names) - 1) AS i
  WITH run, i, run.files[i] AS path
  WITH run, i, path, [j IN range(0, size(coalesce(run.local_time_paths, [])) - 1)
                      WHERE run.local_time_paths[j] = path | run.local_time_tables[j]] AS local
  MERGE (file:ImportedFile {file_id: run.run_id + '|' + toString(i)})
  MERGE (run)-[:READ]->(file)
  SET file.run_id = run.run_id, file.position = i, file.name = run.file_names[i], file.path = path,
    file.table = run.file_tables[i], file.sha256 = run.sha256[i],
    file.fingerprint = run.fingerprints[i],
    file.clean = coalesce(run.status = 'done'
                          AND run.fingerprints[i] IN coalesce(run.clean_fingerprints, []), false),
    file.started_at = run.started_at, file.source = run.source, file.timezone = run.timezone,
    file.local_time_path = CASE WHEN local = [] THEN null ELSE path END,
    file.local_time_tables = CASE WHEN local = [] THEN null ELSE local END
} IN TRANSACTIONS OF 500 ROWS
RETURN count(*) AS changed
