// Which of $tables are marked as holding no row written before rows kept their sources
// (SourcedTable, mark_sourced_tables.cypher): their legacy_rows scan is skipped. A mark is
// trusted only while no import run by an older tracegraph started after it (a rollback writes
// rows without `_sources`): a run without a source, or with a format_level below this
// version's ($level), as older_format_runs tells them. A few marker nodes, each seeking the
// runs since on the ImportRun.started_at index.
UNWIND $tables AS table
MATCH (marker:SourcedTable {table: table})
WHERE NOT EXISTS {
  MATCH (run:ImportRun)
  WHERE run.started_at > marker.at
    AND (run.source IS NULL OR coalesce(run.format_level, 0) < $level)
}
RETURN table
