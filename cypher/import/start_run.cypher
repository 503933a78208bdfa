// The ledger entry of an import, created before anything is written so that a killed run
// leaves a visible 'running' entry. With it, in the same transaction, a node per file it reads
// ($files: each one's props, ImportedFile), which the look-ups by name and content seek on
// their indexes: never a run without its files, nor a file without its run. Written at the
// start, as the run's lists are: a run killed part-way wrote some of its files' rows, and its
// content counts for a later run's older-export check as the lists always counted it; a file
// is `clean` (skipped next time when unchanged) only once its run ended done (files_finished).
CREATE (run:ImportRun)
SET run = $props
WITH run
UNWIND $files AS props
CREATE (run)-[:READ]->(file:ImportedFile)
SET file = props
