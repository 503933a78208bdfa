// `imports --rename-source OLD NEW` (rename.py), after every row is renamed: the ledger's runs
// and files of $old take $new as their source, in one transaction with the end of the rename's
// record: a run's `source` is what the other-sources checks (other_sources.cypher), the
// older-export check and the unchanged-file skip (previous_import_of_file.cypher) compare, so
// OLD's runs count as NEW's from then on. A run keeps the name it ran under as
// `source_renamed_from` (its first, when renamed twice) and when, `source_renamed_at`.
// The files of both names are no longer `clean`: the rows each source sends changed, so the
// next import reads its files again, unchanged or not (skipped, an unchanged full dump left
// the rows renamed to NEW that it lacks: never compared). Every run and file read: one per
// night and per file, a few ms, once.
CALL () {
  MATCH (run:ImportRun)
  WHERE run.source = $old
  SET run.source = $new, run.source_renamed_from = coalesce(run.source_renamed_from, $old),
    run.source_renamed_at = datetime()
  RETURN count(run) AS runs
}
CALL () {
  MATCH (file:ImportedFile)
  WHERE file.source = $old OR file.source = $new
  WITH file, file.source = $old AS renamed
  SET file.source = $new, file.clean = false
  RETURN count(CASE WHEN renamed THEN 1 END) AS files
}
MATCH (rename:SourceRename {rename_id: $rename_id})
SET rename.ended_at = datetime(), rename.rows = $rows, rename.runs = runs, rename.files = files
RETURN runs, files
