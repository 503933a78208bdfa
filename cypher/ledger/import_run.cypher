// One import run with the rows it changed, in file and line order (`tracegraph imports RUN`);
// `removed`: a row a full import (--full) removed, each column it held to no value;
// `sources_only`: a row whose content stayed, only the run's source taken off its senders.
MATCH (run:ImportRun {run_id: $run_id})
RETURN run {.*} AS run,
  COLLECT {
    MATCH (run)-[:CHANGED]->(change:RowChange)
    RETURN change {.table, .key, .file, .line, .columns, .before, .after, .removed,
                   .sources_only} AS change
    ORDER BY change.file, change.line, change.table
  } AS changes
