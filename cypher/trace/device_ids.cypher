// Every device id: read only when a window names an unknown device, to suggest close ids.
MATCH (device:Device)
RETURN collect(device.device_id) AS ids
