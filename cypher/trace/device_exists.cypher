// Whether a device with this id exists: an unknown device is an error, not an empty answer.
RETURN EXISTS { MATCH (:Device {device_id: $device_id}) } AS found
