// Device events not yet in the graph (see inspections_create): node, edge and content hash in
// one transaction with device_events_create_edges. Existing ones take the MERGE path
// (device_events.cypher and the queries after it). KeyedDeviceEvent: it carries its device_id
// (see cypher/migrate/device_event_device_id.cypher).
UNWIND $rows AS row
CREATE (n:DeviceEvent:KeyedDeviceEvent)
SET n = row.props
