// Past import runs, newest first (`tracegraph imports`).
MATCH (run:ImportRun)
RETURN run {.*} AS run
ORDER BY run.started_at DESC
LIMIT $limit
