// Lots a step consumed before they existed: the step started before the lot's producing step
// ended (or started), before it was received, or before its creation time.
MATCH (lot:Lot)-[:INPUT_TO]->(step:ProcessStep)
WITH lot, step,
     coalesce(
       COLLECT { MATCH (lot)<-[:PRODUCED]-(s:ProcessStep) RETURN coalesce(s.ended_at, s.started_at) AS t ORDER BY t LIMIT 1 }[0],
       COLLECT { MATCH (lot)-[r:SUPPLIED_BY]->(:Supplier) RETURN r.received_at AS t ORDER BY t LIMIT 1 }[0],
       lot.created_at
     ) AS available_at
WHERE available_at IS NOT NULL AND step.started_at < available_at
RETURN lot.lot_id AS lot_id, step.step_id AS step_id, step.started_at AS started_at, available_at
ORDER BY lot_id, step_id
