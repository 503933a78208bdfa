// One import run with the rows it changed, in file and line order (`tracegraph imports RUN`).
MATCH (run:ImportRun {run_id: $run_id})
RETURN run {.*} AS run,
  COLLECT {
    MATCH (run)-[:CHANGED]->(change:RowChange)
    RETURN change {.table, .key, .file, .line, .columns, .before, .after} AS change
    ORDER BY change.file, change.line, change.table
  } AS changes
