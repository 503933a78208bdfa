// The devices and operators whose longest-step bound (longest_step_s) must be computed again
// from their steps, recorded on the run's ledger entry before the steps that make it stale are
// written: a step whose times, device or operator changed, and a step a full dump removes, may
// have been the longest of the device and operator it was on (the bound is only ever raised
// while steps are written). The import computes those bounds exactly once its writes are done
// (devices_bound.cypher, operators_bound.cypher) and then clears the lists (bounds_settled); a
// run killed before that leaves them here, and the next import computes them
// (bounds_stale_left.cypher). $devices and $operators: every id this run has found so far.
MATCH (run:ImportRun {run_id: $run_id})
SET run.stale_bound_devices = $devices,
    run.stale_bound_operators = $operators
