// Inspections imported by older versions lack the operator_id copy of their BY edge that
// rootcause's factors query and the backward trace read (the query falls back to the edge,
// more slowly): copy it, in batches. Driven by the edges, so inspections without one are not
// visited. Runs at every `db init` and import that installs the schema; on an up-to-date graph
// it only reads each such edge.
// Returns how many it changed (`db init` and the import report it).
MATCH (inspection:Inspection)-[:BY]->(ref:Operator)
WHERE inspection.operator_id IS NULL
CALL (inspection, ref) {
  SET inspection.operator_id = ref.operator_id
} IN TRANSACTIONS OF 10000 ROWS
RETURN count(*) AS changed
