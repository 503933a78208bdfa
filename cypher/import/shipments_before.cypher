// The stored values of shipments whose rows changed, read before the change is
// written: the run's ledger records each changed column's old and new value
// (tracegraph.importing.changes).
// Reference edges as [type, edge properties, key of the node they point to]. Times as
// text: the driver's DateTime objects cost more to decode than the query to run.
UNWIND $keys AS key
MATCH (n:Shipment {shipment_id: key})
RETURN key, elementId(n) AS node,
  n {.*, shipped_at: toString(n.shipped_at)} AS props,
  [(n)-[r:TO|FROM]->(other) |
    [type(r), properties(r), other {.customer_id, .location_id}]] AS links
