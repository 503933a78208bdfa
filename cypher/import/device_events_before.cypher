// The stored values of device_events whose rows changed, read before the change is
// written: the run's ledger records each changed column's old and new value
// (tracegraph.importing.changes).
// Reference edges as [type, edge properties, key of the node they point to]. Times as
// text: the driver's DateTime objects cost more to decode than the query to run.
UNWIND $keys AS key
MATCH (n:DeviceEvent {event_id: key})
RETURN key, elementId(n) AS node,
  n {.*, at: toString(n.at)} AS props,
  [(n)-[r:OF_DEVICE]->(other) |
    [type(r), properties(r), other {.device_id}]] AS links
