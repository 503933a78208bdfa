// Device events imported by older versions lack the device_id copy of their OF_DEVICE edge
// that the index device_event_device_time seeks by, and the label KeyedDeviceEvent that says
// they have it: copy and label them, in batches. Until every DeviceEvent is a KeyedDeviceEvent
// (the two label counts, read from the count store, differ), the queries read a device's
// events from the device as before, so none is missed half-way. An event without an edge
// (none is made so) is labelled too: neither way finds it. Runs at every `db init`; on an
// up-to-date graph it only reads each event's labels.
MATCH (event:DeviceEvent) WHERE NOT event:KeyedDeviceEvent
CALL (event) {
  SET event.device_id = COLLECT { MATCH (event)-[:OF_DEVICE]->(device:Device)
                                  RETURN device.device_id }[0],
      event:KeyedDeviceEvent
} IN TRANSACTIONS OF 10000 ROWS
