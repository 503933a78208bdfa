// The time and edge of device events device_events_create just made, in the same transaction:
// the device merged as device_events_edges merges it, the edge created (the event is new, so
// none can exist). Free of Eager plans.
UNWIND $rows AS row
MATCH (n:DeviceEvent {event_id: row.event_id})
SET n.at = datetime(row.at)
MERGE (device:Device {device_id: row.device_id})
CREATE (n)-[:OF_DEVICE]->(device)
