// Device events some trace would miss or misplace. Traces and windows seek a device's events in
// the index device_event_device_time (device_id, event, at) and answer the three kinds the import
// takes; the import gives every event one device and that device's id. Only a hand edit in
// Neo4j Browser (or another writer) makes an event of another kind (in no answer), one without
// a device or on two (the index has it under one device_id), or one whose device_id is not its
// device's (sought under the wrong device). One not yet keyed (db status counts them) sends
// every query to the slower read from the device until `tracegraph db init`.
// A plant's alarm log is long: one scan of the events, one expansion each.
MATCH (event:DeviceEvent)
WITH event, COLLECT {
  MATCH (event)-[:OF_DEVICE]->(d:Device) RETURN d.device_id ORDER BY d.device_id
} AS devices
WITH event, devices, CASE
  WHEN NOT coalesce(event.event, '') IN ['calibration', 'maintenance', 'alarm']
    THEN 'a kind no trace shows'
  WHEN size(devices) = 0 THEN 'no device'
  WHEN size(devices) > 1 THEN 'on ' + toString(size(devices)) + ' devices'
  WHEN event.device_id IS NULL OR NOT event:KeyedDeviceEvent
    THEN 'not keyed (run tracegraph db init)'
  WHEN event.device_id <> devices[0] THEN 'device_id names another device'
END AS problem
WHERE problem IS NOT NULL
RETURN event.event_id AS event_id, event.event AS event, event.at AS at, devices,
       event.device_id AS device_id, problem
ORDER BY event_id
