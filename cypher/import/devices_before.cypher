// The stored values of devices whose rows changed, read before the change is
// written: the run's ledger records each changed column's old and new value
// (tracegraph.importing.changes).
// Reference edges as [type, edge properties, key of the node they point to].
UNWIND $keys AS key
MATCH (n:Device {device_id: key})
RETURN key, elementId(n) AS node, properties(n) AS props,
  [(n)-[r:AT]->(other) |
    [type(r), properties(r), other {.location_id}]] AS links
