// Device events imported by older versions are keyed by their time with the offset it was
// written with; since a key holds the instant in UTC (tables.device_event_id), an event written
// with another offset (07:30+01:00, 13:30+08:00) gets the key this version gives it
// (…|06:30:00+00:00), or a re-import of the same event would add it a second time. Runs after
// alarm_event_id (file-name order), so an alarm's key already ends with `|` and its result:
// that tail is kept, and the time is the last `|`-part before it.
//
// Two events whose keys become one are the defect itself: one event stored twice (a MES export
// and a canonical one). They are merged, not left for `check`: every query already counted them
// as two calibrations, and an import could find neither by the new key without a constraint
// error stopping it. The event already keyed as the instant (or re-keyed first) is kept with
// its properties — a second row of the same key, in one import, is a duplicate whose first row
// is kept too; the other's ledger changes (ABOUT edges) move to it, its OF_DEVICE edge is merged
// onto it, and it is deleted. Nothing else points at a device event.
//
// Idempotent: a migrated key ends with +00:00 before its tail. Runs at every `db init`, and
// from an import until it has run to its end once (its Migration node, as alarm_event_id's;
// importing/run.py _migrated); scans the device events' keys. It reads and writes event_id, so
// Neo4j plans an Eager before the batches: it holds the events still to re-key (their node and
// new key), all of them on a graph's first run only, none after.
MATCH (event:DeviceEvent)
WHERE event.event_id IS NOT NULL AND event.at IS NOT NULL
WITH event, CASE WHEN event.event = 'alarm' THEN '|' + coalesce(event.result, '') ELSE '' END AS tail
WITH event, tail, left(event.event_id, size(event.event_id) - size(tail)) AS head
WHERE event.event_id ENDS WITH tail AND NOT head ENDS WITH '+00:00' AND head CONTAINS '|'
WITH event, tail, head, datetime({datetime: event.at, timezone: '+00:00'}) AS utc
// the text Python's isoformat() writes: seconds always, microseconds when there are any
WITH event,
     left(head, size(head) - size(last(split(head, '|')))) + toString(date(utc)) + 'T'
       + right('0' + toString(utc.hour), 2) + ':' + right('0' + toString(utc.minute), 2) + ':'
       + right('0' + toString(utc.second), 2)
       + CASE WHEN utc.microsecond > 0 THEN '.' + right('00000' + toString(utc.microsecond), 6)
              ELSE '' END
       + '+00:00' + tail AS key
CALL (event, key) {
  OPTIONAL MATCH (kept:DeviceEvent {event_id: key})
  FOREACH (_ IN CASE WHEN kept IS NULL THEN [1] ELSE [] END | SET event.event_id = key)
  WITH event, kept
  WHERE kept IS NOT NULL
  CALL (event, kept) {
    MATCH (change)-[about:ABOUT]->(event)
    CREATE (change)-[moved:ABOUT]->(kept)
    SET moved = properties(about)
  }
  CALL (event, kept) {
    MATCH (event)-[:OF_DEVICE]->(device)
    MERGE (kept)-[:OF_DEVICE]->(device)
  }
  DETACH DELETE event
} IN TRANSACTIONS OF 10000 ROWS
