// Which of $tables are marked as holding no row written before rows kept their sources
// (SourcedTable, mark_sourced_tables.cypher): their legacy_rows scan is skipped. A mark is
// trusted only while the ledger holds as many import runs by an older tracegraph as when it
// was made (`older_runs`): a rollback's run writes rows without `_sources`, and its run is one
// more — a run without a source, or with a format_level below this version's ($level). Counted,
// not compared by time: the mark's time and an older run's start come from two clocks (the
// server's, another machine's), and a run behind by a second kept the mark trusted while its
// rows were deleted. One pass over the ledger's runs (a few thousand) and a few marker nodes.
CALL () {
  MATCH (run:ImportRun)
  WHERE run.source IS NULL OR coalesce(run.format_level, 0) < $level
  RETURN count(run) AS older
}
UNWIND $tables AS table
MATCH (marker:SourcedTable {table: table})
WHERE marker.older_runs = older
RETURN table
