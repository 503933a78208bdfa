// One import run with the rows it changed, in file and line order (`tracegraph imports RUN`);
// `removed`: a row a full import (--full) removed, each column it held to no value.
MATCH (run:ImportRun {run_id: $run_id})
RETURN run {.*} AS run,
  COLLECT {
    MATCH (run)-[:CHANGED]->(change:RowChange)
    RETURN change {.table, .key, .file, .line, .columns, .before, .after, .removed} AS change
    ORDER BY change.file, change.line, change.table
  } AS changes
