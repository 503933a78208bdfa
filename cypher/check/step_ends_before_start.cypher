// Steps that end before they start: a typo in an export, or a local time without an offset in
// the hour the clocks go back, read as the first of the two hours (see README, "Importing
// exports"). Each such step also skews the checks and windows that read its times.
// A comparison of two properties of one node cannot use an index: one scan of the steps.
MATCH (step:ProcessStep)
WHERE step.ended_at < step.started_at
RETURN step.step_id AS step_id, step.operation AS operation, step.started_at AS started_at,
       step.ended_at AS ended_at
ORDER BY step_id
