// A finished, clean import of the same file content under the same settings: the file is then
// unchanged and can be skipped.
MATCH (run:ImportRun {status: 'done'})
WHERE $fingerprint IN run.clean_fingerprints
RETURN run.run_id AS run_id
ORDER BY run.started_at DESC
LIMIT 1
