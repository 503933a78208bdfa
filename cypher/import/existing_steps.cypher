// Which of these step ids are in the graph: rows that name a missing step are rejected, not
// silently dropped by a MATCH.
UNWIND $ids AS id
MATCH (step:ProcessStep {step_id: id})
RETURN collect(id) AS found
