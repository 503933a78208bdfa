// Steps imported by older versions lack the operator_id copy of their BY edge that rootcause's
// factors query reads (it falls back to the edge, more slowly): copy it, in batches. Runs at
// every `db init`; on an up-to-date graph it only reads each BY edge.
// Returns how many it changed (`db init` and the import report it).
MATCH (step:ProcessStep)-[:BY]->(operator:Operator)
WHERE step.operator_id IS NULL
CALL (step, operator) {
  SET step.operator_id = operator.operator_id
} IN TRANSACTIONS OF 10000 ROWS
RETURN count(*) AS changed
