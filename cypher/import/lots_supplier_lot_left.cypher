// After a --full run took its source off lots another source still sends
// (lots_identities_dropped, same transaction): a lot without a supplier keeps its last row's
// supplier lot on itself (`_supplier_lot`, writer._keep_supplier_lot), and when that number's
// identity went with the source that alone sent it, the lot held a number no source sends: the
// other source's next import of its unchanged row was recorded as changing it (the MES's `123`
// → the ERP's `000123`). It takes the number a supplier-lot identity of the lot without an
// issuer still carries (the first in order when sources left send several), none when none
// does. The lots are found by the element ids the lots_keys query read, one seek each. Eager
// (it reads the property it sets), bounded by one batch of the lots the source left.
UNWIND $ids AS id
MATCH (n:Lot)
WHERE elementId(n) = id AND n._supplier_lot IS NOT NULL
WITH n, COLLECT {
  MATCH (n)<-[:IDENTIFIES]-(i:Identifier {scheme: 'supplier_lot'})
  WHERE i.key STARTS WITH 'supplier_lot||'
  RETURN i.value AS value ORDER BY value
} AS left
WHERE NOT n._supplier_lot IN left
SET n._supplier_lot = left[0]
