// Close the ledger entry with what was read, written, rejected and changed.
MATCH (run:ImportRun {run_id: $run_id})
SET run += $props
