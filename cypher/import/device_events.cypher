// Upsert device_events: SET n = row.props replaces every property, so a changed row leaves exactly
// what a clean import of it would. Only new or changed rows are sent (see device_events_shas).
// ON CREATE / ON MATCH keeps the plan free of Eager; edges are written by device_events_edges.
// Times travel as ISO 8601 text and become DateTimes here: the driver's own conversion of
// Python datetimes costs more than the whole write. KeyedDeviceEvent: it carries its device_id
// (see cypher/migrate/device_event_device_id.cypher).
UNWIND $rows AS row
MERGE (n:DeviceEvent {event_id: row.event_id})
  ON CREATE SET n = row.props, n.at = datetime(row.at), n:KeyedDeviceEvent
  ON MATCH SET n = row.props, n.at = datetime(row.at), n:KeyedDeviceEvent
