// The stored values of locations whose rows changed, read before the change is
// written: the run's ledger records each changed column's old and new value
// (tracegraph.importing.changes).
UNWIND $keys AS key
MATCH (n:Location {location_id: key})
RETURN key, elementId(n) AS node, properties(n) AS props, [] AS links
