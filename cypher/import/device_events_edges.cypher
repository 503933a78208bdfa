// The edges of new or changed device_events: reference nodes are merged (a device or location named
// before its own record gets a bare node), edges merged. Free of Eager plans.
UNWIND $rows AS row
MATCH (n:DeviceEvent {event_id: row.event_id})
MERGE (device:Device {device_id: row.device_id})
MERGE (n)-[:OF_DEVICE]->(device)
