// Bounds an earlier run recorded as stale (bounds_stale.cypher) but did not compute again: it was
// killed, or failed, before the end of its writes. Read by the next import, which computes them
// with its own. A scan of the ledger entries (one a night; a few thousand in years).
MATCH (run:ImportRun)
WHERE run.stale_bound_devices IS NOT NULL OR run.stale_bound_operators IS NOT NULL
RETURN run.run_id AS run_id,
       coalesce(run.stale_bound_devices, []) AS devices,
       coalesce(run.stale_bound_operators, []) AS operators
