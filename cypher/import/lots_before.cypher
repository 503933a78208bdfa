// The stored values of lots whose rows changed, read before the change is
// written: the run's ledger records each changed column's old and new value
// (tracegraph.importing.changes). Without the import's _reported mark (mark_reported.cypher):
// a stub that gets its row is no changed column `_reported`.
// Reference edges as [type, edge properties, key of the node they point to]. Times as
// text: the driver's DateTime objects cost more to decode than the query to run. The supplier
// lot number is on SUPPLIED_BY, and on the lot's Identifier: a lot without a supplier has it
// there, and its last row's on itself (`_supplier_lot`, in props: two sources' spellings are
// two Identifiers, see writer._keep_supplier_lot).
// The receipt location on SUPPLIED_BY (received_location_id) is no column (the lot's location_id
// is its AT edge), so it is left out of the edge's properties and returned apart, per receipt (null: a receipt
// imported before receipts kept their location); an empty list: the lot was not received.
UNWIND $keys AS key
MATCH (n:Lot {lot_id: key})
RETURN key, elementId(n) AS node,
  n {.*, created_at: toString(n.created_at), expires_at: toString(n.expires_at), _reported: null}
    AS props,
  [(n)-[r:OF|SUPPLIED_BY|AT]->(other) | [type(r), r {.supplier_lot, received_at: toString(r.received_at)},
   other {.material_id, .supplier_id, .location_id}]]
  + [(n)<-[:IDENTIFIES]-(i:Identifier {scheme: 'supplier_lot'}) | ['IDENTIFIES', {}, i {.value}]]
  AS links,
  [(n)-[r:SUPPLIED_BY]->(:Supplier) | r.received_location_id] AS receipt_locations
