// Device events some trace would miss or misplace. Traces and windows seek a device's events in
// the index device_event_device_time (device_id, event, at) and answer the three kinds the import
// takes; the import gives every event one device, that device's id and a time with its offset.
// Only a hand edit in Neo4j Browser (or another writer) makes an event of another kind (in no
// answer), one without a device or on two (the index has it under one device_id), one linked
// twice to its device (read twice from the device), a time traces cannot read (a text, a local
// time: not in the index), a device_id naming another device than its own (sought under the
// wrong one), or a KeyedDeviceEvent without device_id (an older version's re-import: the index
// misses it until `tracegraph db init`). Events without the KeyedDeviceEvent label are not
// findings: while there are any, traces read every event from its device (db status counts
// them). An event without an event_id is named by its element id.
// A plant's alarm log is long: one scan of the events, one expansion each; only the findings
// are sorted.
MATCH (event:DeviceEvent)
WITH event, COLLECT {
  MATCH (event)-[:OF_DEVICE]->(d:Device) RETURN d.device_id ORDER BY d.device_id
} AS devices
WITH event, devices, CASE
  WHEN NOT coalesce(event.event, '') IN ['calibration', 'maintenance', 'alarm']
    THEN 'a kind no trace shows'
  WHEN size(devices) = 0 THEN 'no device'
  WHEN COUNT { WITH devices UNWIND devices AS d WITH DISTINCT d RETURN d } > 1
    THEN 'on ' + toString(size(devices)) + ' devices'
  WHEN size(devices) > 1 THEN 'linked ' + toString(size(devices)) + ' times to its device'
  WHEN devices[0] IS NULL THEN 'its device has no device_id'
  WHEN NOT event.at IS :: ZONED DATETIME NOT NULL THEN 'no time a trace reads'
  WHEN event:KeyedDeviceEvent AND event.device_id IS NULL
    THEN 'no device_id (run tracegraph db init)'
  WHEN event.device_id IS NOT NULL AND event.device_id <> devices[0]
    THEN 'device_id names another device'
END AS problem
WHERE problem IS NOT NULL
RETURN coalesce(event.event_id, elementId(event)) AS event_id, event.event AS event,
       event.at AS at, devices, event.device_id AS device_id, problem
ORDER BY event_id
