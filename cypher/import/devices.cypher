// Upsert devices: SET n = row.props replaces every property, so a changed row leaves exactly
// what a clean import of it would. Only new or changed rows are sent (see devices_shas).
// ON CREATE / ON MATCH keeps the plan free of Eager; edges are written by devices_edges.
UNWIND $rows AS row
MERGE (n:Device {device_id: row.device_id})
  ON CREATE SET n = row.props
  ON MATCH SET n = row.props
