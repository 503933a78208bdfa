// Benchmark only (tracegraph.bench_device_events): take the KeyedDeviceEvent label off one
// device event. The label counts then differ, and the device-event queries read each device's
// events from the device, as they did before the index device_event_device_time; the
// migration (migrate/device_event_device_id) puts the label back.
MATCH (event:KeyedDeviceEvent)
WITH event LIMIT 1
REMOVE event:KeyedDeviceEvent
