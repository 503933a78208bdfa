// The ledger entry of an import, created before anything is written so that a killed run
// leaves a visible 'running' entry.
CREATE (run:ImportRun)
SET run = $props
