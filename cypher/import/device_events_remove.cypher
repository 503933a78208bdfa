// A full import (--full): remove the device_events rows tonight's complete dump no longer has (an
// inspection withdrawn, an event entered in error), with their edges: nothing refers to
// a device event. Read-then-delete plans an Eager, bounded by one batch of keys.
UNWIND $keys AS key
MATCH (n:DeviceEvent {event_id: key})
WHERE n._row_sha IS NOT NULL
DETACH DELETE n
RETURN [] AS kept
