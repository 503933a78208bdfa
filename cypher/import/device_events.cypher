// Calibration, maintenance and alarm events of devices; event_id is device|event|time.
UNWIND $rows AS row
MERGE (n:DeviceEvent {event_id: row.event_id})
WITH n, row
WHERE n._row_sha IS NULL OR n._row_sha <> row.props._row_sha
SET n = row.props
WITH n, row
MERGE (device:Device {device_id: row.device_id})
MERGE (n)-[:OF_DEVICE]->(device)
RETURN count(n) AS changed
