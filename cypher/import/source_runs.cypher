// Per source the ledger names, when its first and its last run started (other than run
// $run_id): a --full run's note on rows sent only by sources gone silent (sources.unsent_notes)
// and `imports --rename-source` (rename.py) read it. Every run read: one per night, a few
// thousand in ten years (a few ms), and a source's first run is not on any index.
MATCH (run:ImportRun)
WHERE run.source IS NOT NULL AND run.run_id <> $run_id
RETURN run.source AS source, min(run.started_at) AS first, max(run.started_at) AS last,
  count(run) AS runs
ORDER BY source
