// Returns (negative shipment lines) of a lot from a customer that was never shipped the lot
// at or before the return: the return names the wrong lot or the wrong customer, and a recall
// would list that customer among those to call while missing the one who has the goods.
MATCH (lot:Lot)-[back:SHIPPED]->(rma:Shipment)
WHERE back.quantity < 0
OPTIONAL MATCH (rma)-[:TO]->(customer:Customer)
WITH lot, back, rma, customer
WHERE customer IS NULL OR NOT EXISTS {
  MATCH (lot)-[out:SHIPPED]->(shipment:Shipment)-[:TO]->(customer)
  WHERE out.quantity > 0
    AND (shipment.shipped_at IS NULL OR rma.shipped_at IS NULL
         OR shipment.shipped_at <= rma.shipped_at)
}
RETURN lot.lot_id AS lot_id, rma.shipment_id AS shipment_id,
       customer.customer_id AS customer_id, rma.shipped_at AS returned_at,
       back.quantity AS quantity, back.uom AS uom
ORDER BY lot_id, shipment_id
