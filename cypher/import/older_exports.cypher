// The files of this run whose content is an older export sent again: an earlier run imported
// the same bytes (sha256) for the file's table, and the last run to import that table imported
// other content (night 1's lots.csv re-sent after nights 3 and 4 wrote its rows back over
// theirs: a hold released; under --full the newer lots removed). $files: {name, table, sha} of
// the files the run reads (not those skipped as unchanged), $tables their tables. Per such
// file: the first run that imported its content, and how many runs imported other content of
// the table since the last one that imported it. One query per run, not per file or row.
// Runs before file_tables was kept are not compared, nor runs this check refused (they wrote
// nothing). The last run per table is read newest first on ImportRun.started_at's index and
// stops at the first; only the files whose content it did not have (tonight's new rows, or an
// older export) are looked for in the older runs: by their sha256, a seek of the runs' file
// nodes (ImportedFile) on its index, oldest first — every run's sha256 list was read, 1.4 s an
// import with 30,000 runs in the ledger (a night with a changed file, every night). Runs of
// this run's $source alone, and those recorded before runs kept a source (null): two labs' inspections.csv
// files, each its own source, were each "an older export" of the other on every re-send.
// Runs that imported a restore's folder (restore_import: restore.put_back_shas) are not the
// last run: the rows a --full removed put back are no export, and the source's next export as
// it was before was "an older export … a hold released" where nothing changed.
// The hints keep the started_at index where Neo4j 5.26 chose a scan of run_id's (run_id <>
// $run_id) and filtered every run: 30,000 db hits with 3,000 runs (tests/test_ledger_scale.py);
// the runs since in a subquery of their own, a range seek (beside the other filters, the index
// was scanned and every run compared with the bound).
UNWIND $tables AS table
CALL (table) {
  MATCH (run:ImportRun)
  USING INDEX run:ImportRun(started_at)
  WHERE run.started_at IS NOT NULL AND run.run_id <> $run_id
    AND table IN run.file_tables AND run.refused_before_writing IS NULL
    AND run.restore_import IS NULL
    AND ($source IS NULL OR run.source IS NULL OR run.source = $source)
  RETURN run AS last
  ORDER BY run.started_at DESC
  LIMIT 1
}
// Its content: the last file of each name it read for the table (a run of two nights'
// folders, `import N3/ N4/`, left N4's lots.csv: N3's sent again after it is an older export),
// every numbered part (lots_1.csv, lots_2.csv) of it.
WITH table, last, [i IN range(0, size(last.file_tables) - 1)
                   WHERE last.file_tables[i] = table
                     AND NOT last.file_names[i] IN last.file_names[i + 1..]] AS positions
// ... and its rows' digests (ImportedFile.content_digest, null for a file imported before
// they were kept): a file whose bytes are older but whose rows are the same as the table's
// content now (lots.csv on night 1, the same rows saved as lots.xlsx on night 2, the CSV again
// on night 3) writes nothing back, and is no older export (_older_exports compares them).
// A run's few file nodes, by its READ edges.
WITH table, [i IN positions | last.sha256[i]] AS current,
  [(last)-[:READ]->(node:ImportedFile) WHERE node.position IN positions
   | {sha: node.sha256, digest: node.content_digest}] AS current_digests
UNWIND [file IN $files WHERE file.table = table AND NOT file.sha IN current] AS file
CALL (file) {
  MATCH (earlier:ImportedFile)
  WHERE earlier.sha256 = file.sha AND earlier.started_at IS NOT NULL
    AND earlier.table = file.table AND earlier.run_id <> $run_id
    AND ($source IS NULL OR earlier.source IS NULL OR earlier.source = $source)
    AND EXISTS { (run:ImportRun)-[:READ]->(earlier) WHERE run.refused_before_writing IS NULL }
  WITH earlier
  ORDER BY earlier.started_at
  WITH collect(earlier) AS found
  WHERE found <> []
  RETURN found[0].run_id AS run_id, found[0].started_at AS first_at,
    found[-1].started_at AS last_at,
    [earlier IN found WHERE earlier.content_digest IS NOT NULL
     | earlier.content_digest][-1] AS earlier_digest
}
CALL (file, last_at) {
  CALL (last_at) {
    MATCH (since:ImportRun)
    USING INDEX since:ImportRun(started_at)
    WHERE since.started_at > last_at
    RETURN since
  }
  WITH since
  WHERE since.run_id <> $run_id AND file.table IN since.file_tables
    AND since.refused_before_writing IS NULL
    AND ($source IS NULL OR since.source IS NULL OR since.source = $source)
  RETURN count(since) AS runs_since
}
RETURN file.name AS name, file.table AS table, file.sha AS sha, run_id,
  first_at AS started_at, runs_since, earlier_digest, current, current_digests
