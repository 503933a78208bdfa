// Mark $tables as holding no row written before rows kept their sources, once legacy_rows
// found none (sources.legacy_tables, under the import lock): a later --full run skips their
// scan (sourced_tables.cypher). Sound because nothing this version does writes such a row
// again: every import run has a source and writes it on each row it writes; a --full run and
// drop_sources leave a row other sources, never none; `imports --rename-source` swaps one name
// for another; the data migrations of `db init` copy a row's properties whole (`_sources`
// with them) onto the row they keep. Rows without sources come only from an older tracegraph:
// a restored older backup does not hold the mark (the tables are scanned again), and a
// rollback's run voids it (sourced_tables.cypher counts such runs: `older_runs` is their
// number now). No mark while such a run has not ended: an older tracegraph without the
// import lock may still be writing rows without sources after the scan.
CALL () {
  MATCH (run:ImportRun)
  WHERE run.source IS NULL OR coalesce(run.format_level, 0) < $level
  RETURN count(run) AS older, count(CASE WHEN run.ended_at IS NULL THEN 1 END) AS unended
}
WITH older WHERE unended = 0
UNWIND $tables AS table
MERGE (marker:SourcedTable {table: table})
SET marker.at = datetime(), marker.older_runs = older
