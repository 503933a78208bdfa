// How many device events are not KeyedDeviceEvents (not yet copied their device's id by the
// migration cypher/migrate/device_event_device_id.cypher): while any is, every device query
// reads events from the device rather than seeking the index device_event_device_time. Two
// reads of the count store, so `db status` and each import can ask.
RETURN COUNT { (:DeviceEvent) } - COUNT { (:KeyedDeviceEvent) } AS unkeyed
