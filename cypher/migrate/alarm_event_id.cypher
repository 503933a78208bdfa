// Alarms imported by older versions are keyed by device, event and time alone; since an alarm's
// kind (its result) is part of its key (tables.device_event_id), their event_id gains it, so that
// importing the same alarm again finds it instead of adding a second node. An old key ends with
// its time, never with `|` and the result after it; an empty result gives a key ending in `|`.
// Idempotent: a migrated key ends with its result. Runs at every `db init`, and from an import
// until it has run to its end once (its Migration node, db/mark_migration_done.cypher;
// importing/run.py: _alarms_keyed_by_kind); seeks the alarms by the DeviceEvent.event index.
// An alarm whose key would grow past what the index holds (a result of thousands of characters,
// which the import now rejects) keeps its key: re-keying it would stop every import here.
MATCH (event:DeviceEvent {event: 'alarm'})
WHERE event.event_id IS NOT NULL
  AND NOT event.event_id ENDS WITH '|' + coalesce(event.result, '')
  AND size(event.event_id) + size(coalesce(event.result, '')) < 2000
CALL (event) {
  SET event.event_id = event.event_id + '|' + coalesce(event.result, '')
} IN TRANSACTIONS OF 10000 ROWS
