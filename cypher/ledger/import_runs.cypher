// Past import runs, newest first (`tracegraph imports`; `db status`'s last import with $limit
// 1). Read newest first on ImportRun.started_at's index and stopped at $limit, so a listing
// costs its own length, not the ledger's: projecting and sorting every run read 990k db hits
// to show 20 of 30,000 runs (1.1 s). Every run has started_at (start_run sets it). The hint
// keeps that plan when the index statistics are a young ledger's (a label scan was chosen).
MATCH (run:ImportRun)
USING INDEX run:ImportRun(started_at)
WHERE run.started_at IS NOT NULL
WITH run
ORDER BY run.started_at DESC
LIMIT $limit
RETURN run {.*} AS run
