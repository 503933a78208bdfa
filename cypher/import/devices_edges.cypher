// The edges of new or changed devices: reference nodes are merged (a device or location named
// before its own record gets a bare node), edges merged. Free of Eager plans.
UNWIND $rows AS row
MATCH (n:Device {device_id: row.device_id})
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.location_id IS NOT NULL
  MERGE (ref:Location {location_id: row.location_id})
  MERGE (n)-[:AT]->(ref)
}
