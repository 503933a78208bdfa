// `imports --rename-source OLD NEW` (rename.py), after every row is renamed, in one transaction
// with rename_source_files.cypher: the ledger's runs of $old take $new as their source, and the
// rename's record ends. A run's `source` is what the other-sources checks (other_sources.cypher),
// the older-export check and the unchanged-file skip compare, so OLD's runs count as NEW's
// from then on. A run keeps the name it ran under as `source_renamed_from` (its first, when
// renamed twice) and when, `source_renamed_at`: $now, the renaming process's clock, as a run's
// started_at is the importing process's (the server's datetime(), skewed from it, put the
// rename before or after the wrong runs). Every run read (one per night, a few ms, once),
// collected before the SET (matched and set in one stream, Neo4j plans an Eager).
CALL () {
  MATCH (run:ImportRun)
  WHERE run.source = $old
  WITH collect(run) AS runs
  FOREACH (run IN runs |
    SET run.source = $new, run.source_renamed_from = coalesce(run.source_renamed_from, $old),
      run.source_renamed_at = $now)
  RETURN size(runs) AS runs
}
// It ends every record of this rename not ended ($rename_id's, and those of attempts that
// were stopped: each attempt records one, and a stopped one stayed unended after this one
// finished its work — `finished_by` names the attempt that did). A handful of nodes.
// (Collected, then set: a MATCH and SET in one subquery planned an Eager.)
OPTIONAL MATCH (rename:SourceRename {old: $old, new: $new})
WHERE rename.ended_at IS NULL
WITH runs, collect(rename) AS renames
FOREACH (rename IN renames |
  SET rename.ended_at = $now, rename.rows = $rows, rename.runs = runs,
    rename.finished_by = $rename_id)
RETURN runs
