// Steps imported by older versions lack the device_id copy of their ON edge that rootcause's
// factors query reads (it falls back to the edge, more slowly): copy it, in batches. Runs at
// every `db init`; on an up-to-date graph it only reads each ON edge.
// Returns how many it changed (`db init` and the import report it).
MATCH (step:ProcessStep)-[:ON]->(device:Device)
WHERE step.device_id IS NULL
CALL (step, device) {
  SET step.device_id = device.device_id
} IN TRANSACTIONS OF 10000 ROWS
RETURN count(*) AS changed
