// Which lots went to a customer and on which shipments: the first 300 lines, enough to draw
// (the CLI `tracegraph trace` commands and a recall package list everything). In the order
// shipped, then by shipment and lot: LIMIT without ORDER BY kept whichever 300 rows the store
// gave first, not the same ones from one run to the next. A negative line is a return (RMA)
// from the customer, not a delivery: `kind` says which, as the recall package's customers.csv
// tells deliveries from returns. In the order shipped as instants, [epochSeconds, nanosecond]:
// epochMillis put a shipment at 08:00:00.0004 before one at 08:00:00.0001 (tied, then by id).
:param customer_id => 'C001';

MATCH (customer:Customer {customer_id: $customer_id})<-[:TO]-(shipment:Shipment)<-[line:SHIPPED]-(lot:Lot)
RETURN customer, shipment, line, lot,
       CASE WHEN line.quantity < 0 THEN 'return' ELSE 'delivery' END AS kind
ORDER BY [shipment.shipped_at.epochSeconds, shipment.shipped_at.nanosecond], shipment.shipment_id,
         lot.lot_id
LIMIT 300;
