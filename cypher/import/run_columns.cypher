// The columns of the files this run has read so far, as `table|column` (RunState.read_columns:
// the union, kept in Python, so no property is read here), set on its ledger entry before the
// rows of each file are written: a later run of another source reads them (sent_columns.cypher)
// to name in its "values replace" note only the sources whose files carry a changed column.
MATCH (run:ImportRun {run_id: $run_id})
SET run.table_columns = $columns
