// The stored values of steps whose rows changed, read before the change is
// written: the run's ledger records each changed column's old and new value
// (tracegraph.importing.changes).
// Reference edges as [type, edge properties, key of the node they point to]. Times as
// text: the driver's DateTime objects cost more to decode than the query to run.
UNWIND $keys AS key
MATCH (n:ProcessStep {step_id: key})
RETURN key, elementId(n) AS node,
  n {.*, started_at: toString(n.started_at), ended_at: toString(n.ended_at)} AS props,
  [(n)-[r:ON|BY|FOR|AT]->(other) |
    [type(r), properties(r), other {.device_id, .operator_id, .work_order_id, .location_id}]] AS links
