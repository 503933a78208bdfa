// Runs still marked running when an import holds the lock cannot be running: their importer
// was killed (or their server). Their ledger entries say so instead of "running" forever.
MATCH (run:ImportRun {status: 'running'})
SET run.status = 'interrupted'
RETURN count(run) AS interrupted
