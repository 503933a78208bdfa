// Lots shipped or consumed although they were on hold or rejected, or although the latest
// inspection of the lot before that moment had failed.
// Candidates come from the status and result indexes, not from a scan of every lot.
// A lot's status has no time of its own. A hold (or rejection) the ledger saw arrive — the
// latest RowChange of the lot's status from another status into this one — was placed after
// the export that the last finished import before it read, so what happened to the lot before
// that import started was not "while hold" (a hold placed today on a lot shipped in January).
// Without such a record the status is taken as the lot's since it was made.
// Times compare as instants, in UTC with offset Z as the import runs' own times are: Neo4j
// orders two datetimes of one instant by their offsets (a shipment at 09:00Z came "before" a
// failed inspection at 10:00+01:00, and a use at 10:00+01:00 after it). Not epochMillis: it
// would cut times kept to the microsecond.
CALL () {
  MATCH (lot:Lot) WHERE lot.status IN ['hold', 'rejected'] RETURN lot
  UNION
  MATCH (:Inspection {result: 'fail'})-[:OF_LOT]->(lot:Lot) RETURN lot
}
WITH lot,
     CASE WHEN lot.status IN ['hold', 'rejected'] THEN
       COLLECT { MATCH (lot)<-[:ABOUT]-(change:RowChange)<-[:CHANGED]-(run:ImportRun)
                 WITH run, change, [i IN range(0, size(change.columns) - 1)
                                    WHERE change.columns[i] = 'status'][0] AS i
                 WHERE i IS NOT NULL AND change.after[i] IN ['hold', 'rejected']
                   AND NOT change.before[i] IN ['hold', 'rejected']
                 RETURN run.started_at AS changed ORDER BY changed DESC LIMIT 1 }[0]
     END AS held_by_run
WITH lot,
     CASE WHEN held_by_run IS NOT NULL THEN
       COLLECT { MATCH (earlier:ImportRun {status: 'done'}) WHERE earlier.started_at < held_by_run
                 RETURN earlier.started_at AS began ORDER BY began DESC LIMIT 1 }[0]
     END AS held_after
CALL (lot) {
  MATCH (lot)-[line:SHIPPED]->(shipment:Shipment)
  WHERE line.quantity > 0
  RETURN 'shipped' AS event, shipment.shipment_id AS reference, shipment.shipped_at AS at
  UNION ALL
  MATCH (lot)-[:INPUT_TO]->(step:ProcessStep)
  WHERE step.operation <> 'rework'
  RETURN 'used' AS event, step.step_id AS reference, step.started_at AS at
}
WITH lot, held_after, event, reference, at,
     CASE WHEN at IS :: ZONED DATETIME NOT NULL THEN datetime({datetime: at, timezone: 'Z'}) END
       AS at_utc
WITH lot, held_after, event, reference, at, at_utc,
     COLLECT { MATCH (lot)<-[:OF_LOT]-(i:Inspection)
               WHERE CASE WHEN i.inspected_at IS :: ZONED DATETIME NOT NULL
                       THEN datetime({datetime: i.inspected_at, timezone: 'Z'}) <= at_utc END
               RETURN i ORDER BY i.inspected_at DESC LIMIT 1 }[0] AS last_inspection
WITH lot, event, reference, at, last_inspection,
     CASE
       WHEN last_inspection.result = 'fail' THEN 'after failed inspection ' + last_inspection.inspection_id
       WHEN lot.status IN ['hold', 'rejected'] AND (held_after IS NULL OR at_utc >= held_after)
         THEN 'while ' + lot.status
     END AS problem
WHERE problem IS NOT NULL
RETURN lot.lot_id AS lot_id, event, reference, at, problem
ORDER BY lot_id, at
