// Lots a step consumed before they existed: the step started before the lot's producing step
// ended (or started), before it was received, or before its creation time. When a lot became
// available is worked out once per lot, then compared with each step that used it (per use, it
// was worked out again for every step the salt lot went into: 1M-lot plant 6.8 -> 3.9 s).
// A step that took the lot in and gave it back (a rework or a sort in place) did not make it:
// a received lot reworked at 09:00 was "consumed before it existed" by every step before 09:00.
// Times compare as instants, both sides in UTC: Neo4j orders two datetimes of one instant by
// their offsets, so a step started at 08:00Z used a lot received at 09:00+01:00 "before it
// existed". Not epochMillis: it would cut times kept to the microsecond.
MATCH (lot:Lot)
WHERE EXISTS { (lot)-[:INPUT_TO]->(:ProcessStep) }
WITH lot,
     coalesce(
       COLLECT { MATCH (lot)<-[:PRODUCED]-(s:ProcessStep) WHERE NOT EXISTS { (lot)-[:INPUT_TO]->(s) }
               RETURN coalesce(s.ended_at, s.started_at) AS t ORDER BY t LIMIT 1 }[0],
       COLLECT { MATCH (lot)-[r:SUPPLIED_BY]->(:Supplier) RETURN r.received_at AS t ORDER BY t LIMIT 1 }[0],
       lot.created_at
     ) AS available_at
WHERE available_at IS NOT NULL
MATCH (lot)-[:INPUT_TO]->(step:ProcessStep)
// Neo4j's order is by instant first: only a step it puts before available_at can have
// started before it, and only those are converted.
WHERE step.started_at < available_at
  AND CASE WHEN available_at IS :: ZONED DATETIME NOT NULL
             AND step.started_at IS :: ZONED DATETIME NOT NULL
        THEN datetime({datetime: step.started_at, timezone: 'Z'})
             < datetime({datetime: available_at, timezone: 'Z'}) END
RETURN lot.lot_id AS lot_id, step.step_id AS step_id, step.started_at AS started_at, available_at
ORDER BY lot_id, step_id
