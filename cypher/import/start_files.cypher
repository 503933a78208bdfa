// The ledger's node per file a run reads ($files: each one's props, ImportedFile), linked from
// its run, in start_run's transaction (importing/run.py import_paths): never a run without
// its files, nor a file without its run. The look-ups by name and content seek them on their
// indexes. Written at the start, as the run's lists are: a run killed part-way wrote some of
// its files' rows, and its content counts for a later run's older-export check as the lists
// always counted it; a file is `clean` (skipped next time when unchanged) only once its run
// ended done (files_finished).
MATCH (run:ImportRun {run_id: $run_id})
UNWIND $files AS props
CREATE (run)-[:READ]->(file:ImportedFile)
SET file = props
