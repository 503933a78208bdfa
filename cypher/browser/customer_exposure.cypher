// Which lots went to a customer and on which shipments (the first 300, enough to draw; the
// CLI `tracegraph trace` commands list everything).
:param customer_id => 'C001';

MATCH (customer:Customer {customer_id: $customer_id})<-[:TO]-(shipment:Shipment)<-[:SHIPPED]-(lot:Lot)
RETURN customer, shipment, lot
LIMIT 300;
