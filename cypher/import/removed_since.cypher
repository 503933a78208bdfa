// Of a file about to be skipped as unchanged (previous_import_of_file found $since, the run
// that imported the same content): the last run after it that removed rows of one of $tables
// (the canonical tables the file fills) under --full (`removed_tables`, written before it
// removes). What the file's content wrote may be gone, so it is read again: a MES full dump
// removed 30 ERP receipts, and the ERP's unchanged re-send was skipped — they never came back.
// Or that took its source off rows of one of $tables that this file's source still sends
// (`taken_off_for`, `table:source` per source left on such rows; $vouched: this source's, per
// table): the graph may hold the taken-off source's values there, and this source's rows give
// theirs again (writer.TO_VOUCH) — skipped, the MES's location stayed under the ERP alone.
// The runs after $since only, newest first, on ImportRun.started_at's index: a file skipped
// every night reads the few runs since its last import.
// Removals by this file's own source ($source) do not count: its full dump removed what it
// no longer has, and reading the unchanged file again wrote those rows back — removed by the
// next full dump, written back by the next night, every night (runs before sources kept one,
// with no source, count).
MATCH (since:ImportRun {run_id: $since})
MATCH (later:ImportRun)
USING INDEX later:ImportRun(started_at)
WHERE later.started_at > since.started_at AND later.run_id <> $run_id
  AND (later.source IS NULL OR later.source <> $source)
  AND (any(table IN coalesce(later.removed_tables, []) WHERE table IN $tables)
       OR any(left IN coalesce(later.taken_off_for, []) WHERE left IN $vouched))
RETURN later.run_id AS run_id, later.source AS source,
       any(table IN coalesce(later.removed_tables, []) WHERE table IN $tables) AS removed
ORDER BY later.started_at DESC
LIMIT 1
