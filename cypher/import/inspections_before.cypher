// The stored values of inspections whose rows changed, read before the change is
// written: the run's ledger records each changed column's old and new value
// (tracegraph.importing.changes).
// Reference edges as [type, edge properties, key of the node they point to]. Times as
// text: the driver's DateTime objects cost more to decode than the query to run.
UNWIND $keys AS key
MATCH (n:Inspection {inspection_id: key})
RETURN key, elementId(n) AS node,
  n {.*, inspected_at: toString(n.inspected_at)} AS props,
  [(n)-[r:OF_LOT|DURING|ON|BY]->(other) |
    [type(r), properties(r), other {.lot_id, .step_id, .device_id, .operator_id}]] AS links
