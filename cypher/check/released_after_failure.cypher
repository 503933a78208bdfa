// Lots shipped or consumed although they were on hold or rejected, or although the latest
// inspection of the lot before that moment had failed.
// Candidates come from the status and result indexes, not from a scan of every lot.
CALL () {
  MATCH (lot:Lot) WHERE lot.status IN ['hold', 'rejected'] RETURN lot
  UNION
  MATCH (:Inspection {result: 'fail'})-[:OF_LOT]->(lot:Lot) RETURN lot
}
CALL (lot) {
  MATCH (lot)-[line:SHIPPED]->(shipment:Shipment)
  WHERE line.quantity > 0
  RETURN 'shipped' AS event, shipment.shipment_id AS reference, shipment.shipped_at AS at
  UNION ALL
  MATCH (lot)-[:INPUT_TO]->(step:ProcessStep)
  WHERE step.operation <> 'rework'
  RETURN 'used' AS event, step.step_id AS reference, step.started_at AS at
}
WITH lot, event, reference, at,
     COLLECT { MATCH (lot)<-[:OF_LOT]-(i:Inspection) WHERE i.inspected_at <= at
               RETURN i ORDER BY i.inspected_at DESC LIMIT 1 }[0] AS last_inspection
WITH lot, event, reference, at, last_inspection,
     CASE
       WHEN last_inspection.result = 'fail' THEN 'after failed inspection ' + last_inspection.inspection_id
       WHEN lot.status IN ['hold', 'rejected'] THEN 'while ' + lot.status
     END AS problem
WHERE problem IS NOT NULL
RETURN lot.lot_id AS lot_id, event, reference, at, problem
ORDER BY lot_id, at
