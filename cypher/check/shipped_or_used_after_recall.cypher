// Lots shipped, or used in a step, after a recall (not a drill) that covers them — as its
// source, or reached from it when it was made (AFFECTS). A recall package puts nothing on hold
// in the ERP: recalled product shipped the next day was found by no check ("no gaps found"),
// and a recalled salt lot still in stock that went into tomorrow's dough starts a new batch
// of affected product (the lots made since are not linked to the recall: trace forward from
// the step's outputs, or recall again). Recalls are few; each reads its lots' own edges.
// Times compare as instants, in UTC with offset Z as recalls' own times are: Neo4j orders two
// datetimes of one instant by their offsets, so a shipment at the recall's instant written
// +01:00 came "after" it. Not epochMillis: recalls are timed to the microsecond.
MATCH (recall:Recall {drill: false})-[:SOURCE|AFFECTS]->(lot:Lot)
CALL (recall, lot) {
  MATCH (lot)-[line:SHIPPED]->(shipment:Shipment)
  WHERE line.quantity > 0
    AND CASE WHEN shipment.shipped_at IS :: ZONED DATETIME NOT NULL
          THEN datetime({datetime: shipment.shipped_at, timezone: 'Z'}) > recall.created_at END
  RETURN 'shipped' AS event, shipment.shipment_id AS reference, shipment.shipped_at AS at,
         line.quantity AS quantity, line.uom AS uom
  UNION
  MATCH (lot)-[use:INPUT_TO]->(step:ProcessStep)
  WHERE CASE WHEN step.started_at IS :: ZONED DATETIME NOT NULL
          THEN datetime({datetime: step.started_at, timezone: 'Z'}) > recall.created_at END
  RETURN 'used' AS event, step.step_id AS reference, step.started_at AS at,
         use.quantity AS quantity, use.uom AS uom
}
RETURN lot.lot_id AS lot_id, event, reference, at, quantity, uom,
       recall.recall_id AS recall_id, recall.created_at AS recalled_at
ORDER BY lot_id, at, reference, recall_id
