// Per source of $sources, the columns its files of $table carried (writer.RunState.disagreed):
// the union over its runs that filled the table (`canonical_tables`) of their `table|column`
// entries (run_columns.cypher), and whether they are known — false when one such run has no
// `table_columns` (recorded before runs kept them: it may have sent any column). A run that
// started with the list but never read a file of the table (killed before it) sent no row of
// it. Asked only for the sources of changed rows another source sent too, once per run and
// table; the ledger's few thousand runs are read by label.
UNWIND $sources AS source
OPTIONAL MATCH (run:ImportRun {source: source})
WHERE $table IN run.canonical_tables AND run.run_id <> $run_id
WITH source, collect(run.table_columns) AS lists, count(run) AS runs
RETURN source, runs > 0 AND size(lists) = runs AS known,
       COLLECT {
         UNWIND lists AS list
         UNWIND list AS entry
         WITH DISTINCT entry WHERE entry STARTS WITH $table + '|'
         RETURN substring(entry, size($table) + 1)
       } AS columns
