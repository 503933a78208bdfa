// The stale bounds recorded on these runs' ledger entries are computed again: the lists go.
MATCH (run:ImportRun)
WHERE run.run_id IN $runs
REMOVE run.stale_bound_devices, run.stale_bound_operators
