// Steps that end before they start: a typo in an export, or a local time without an offset in
// the hour the clocks go back, read as the first of the two hours (see README, "Importing
// exports"). Each such step also skews the checks and windows that read its times.
// A comparison of two properties of one node cannot use an index: one scan of the steps.
// Compared as instants, both in UTC: Neo4j orders two datetimes of one instant by their
// offsets, so a step from 10:00+01:00 to 09:00Z (no time at all) "ended before it started".
// Neo4j's order is by instant first, so only a step it puts in that order can end before it
// starts: the conversions are for those few (every step converted read 2.3x the db hits).
MATCH (step:ProcessStep)
WHERE step.ended_at < step.started_at
  AND CASE WHEN step.ended_at IS :: ZONED DATETIME NOT NULL
             AND step.started_at IS :: ZONED DATETIME NOT NULL
        THEN datetime({datetime: step.ended_at, timezone: 'Z'})
             < datetime({datetime: step.started_at, timezone: 'Z'}) END
RETURN step.step_id AS step_id, step.operation AS operation, step.started_at AS started_at,
       step.ended_at AS ended_at
ORDER BY step_id
