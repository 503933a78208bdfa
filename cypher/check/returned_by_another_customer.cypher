// Returns (negative shipment lines) of a lot from a customer that was never shipped the lot
// at or before the return: the return names the wrong lot or the wrong customer, and a recall
// would list that customer among those to call while missing the one who has the goods.
// The deliveries are read from the lot (a few shipment lines each), then each checked for the
// return's customer: an EXISTS subquery here was planned from the customer's side, through
// every shipment of that customer (29M rows for 19,622 returns on the 1M-lot plant: 71-122 s
// of `check`'s ~120 s; this form 3.5 s).
// Times compare as instants, both in UTC: Neo4j orders two datetimes of one instant by their
// offsets, so a delivery at 10:00+01:00 came "after" a return at 09:00Z. Not epochMillis: it
// would cut times kept to the microsecond.
MATCH (lot:Lot)-[back:SHIPPED]->(rma:Shipment)
WHERE back.quantity < 0
OPTIONAL MATCH (rma)-[:TO]->(customer:Customer)
WITH lot, back, rma, customer,
     CASE WHEN rma.shipped_at IS :: ZONED DATETIME NOT NULL
       THEN datetime({datetime: rma.shipped_at, timezone: 'Z'}) END AS returned_utc
WITH lot, back, rma, customer,
     [(lot)-[out:SHIPPED]->(shipment:Shipment)
      WHERE out.quantity > 0
        AND CASE
              WHEN shipment.shipped_at IS NULL OR rma.shipped_at IS NULL THEN true
              WHEN shipment.shipped_at IS :: ZONED DATETIME AND returned_utc IS NOT NULL
                THEN datetime({datetime: shipment.shipped_at, timezone: 'Z'}) <= returned_utc
            END
      | shipment] AS deliveries
WHERE customer IS NULL OR none(shipment IN deliveries WHERE (shipment)-[:TO]->(customer))
RETURN lot.lot_id AS lot_id, rma.shipment_id AS shipment_id,
       customer.customer_id AS customer_id, rma.shipped_at AS returned_at,
       back.quantity AS quantity, back.uom AS uom
ORDER BY lot_id, shipment_id
