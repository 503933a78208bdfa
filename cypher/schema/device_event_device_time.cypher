// A device's events by kind in a time window, sought rather than read from the device: a real
// alarm log holds tens of thousands of alarms per device a year, and a narrow backward trace,
// a device window or a ranking asks for a few hours of them (cypher/trace/backward.cypher,
// trace/device_events.cypher, rootcause/alarms.cypher). device_id is the import's copy of the
// OF_DEVICE edge (writer.COPIED_REFERENCES). The kind sits before the time so that the last
// calibration before a step is one entry, not a walk back through every alarm since it.
CREATE RANGE INDEX device_event_device_time IF NOT EXISTS
FOR (n:DeviceEvent) ON (n.device_id, n.event, n.at)
