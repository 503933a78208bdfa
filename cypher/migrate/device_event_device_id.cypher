// Device events imported by older versions lack the device_id copy of their OF_DEVICE edge
// that the index device_event_device_time seeks by, and the label KeyedDeviceEvent that says
// they have it: copy and label them, in batches. Until every DeviceEvent is a KeyedDeviceEvent
// (the two label counts, read from the count store, differ), the queries read a device's
// events from the device as before, so none is missed half-way. An event without an edge
// (none is made so) is labelled too: neither way finds it. A labelled event without device_id
// is copied again: an older version re-importing a changed event replaces its properties
// (SET n = row.props) and keeps its labels, and the index, which holds only events with all
// three properties, would miss it while the counts still match. Runs at every `db init`, and
// from an import when the counts differ; on an up-to-date graph it reads each event's labels
// and device_id.
// Returns how many it changed (`db init` and the import report it).
MATCH (event:DeviceEvent) WHERE NOT event:KeyedDeviceEvent OR event.device_id IS NULL
CALL (event) {
  WITH event, NOT event:KeyedDeviceEvent AS unlabelled,
       COLLECT { MATCH (event)-[:OF_DEVICE]->(device:Device) RETURN device.device_id }[0] AS id
  SET event.device_id = id, event:KeyedDeviceEvent
  // an event without an edge, labelled already, is visited at every run but not changed
  RETURN CASE WHEN unlabelled OR id IS NOT NULL THEN 1 ELSE 0 END AS copied
} IN TRANSACTIONS OF 10000 ROWS
RETURN sum(copied) AS changed
