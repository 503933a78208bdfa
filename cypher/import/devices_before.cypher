// The stored values of devices whose rows changed, read before the change is
// written: the run's ledger records each changed column's old and new value
// (tracegraph.importing.changes). Without the import's _reported mark (mark_reported.cypher):
// a node known only from references that gets its row is no changed column `_reported`.
// Reference edges as [type, edge properties, key of the node they point to].
UNWIND $keys AS key
MATCH (n:Device {device_id: key})
RETURN key, elementId(n) AS node, n {.*, _reported: null} AS props,
  [(n)-[r:AT]->(other) |
    [type(r), properties(r), other {.location_id}]] AS links
