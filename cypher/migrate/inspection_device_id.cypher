// Inspections imported by older versions lack the device_id copy of their ON edge that
// rootcause's factors query and the backward trace read (the query falls back to the edge,
// more slowly): copy it, in batches. Driven by the edges, so inspections without one are not
// visited. Runs at every `db init` and import that installs the schema; on an up-to-date graph
// it only reads each such edge.
// Returns how many it changed (`db init` and the import report it).
MATCH (inspection:Inspection)-[:ON]->(ref:Device)
WHERE inspection.device_id IS NULL
CALL (inspection, ref) {
  SET inspection.device_id = ref.device_id
} IN TRANSACTIONS OF 10000 ROWS
RETURN count(*) AS changed
