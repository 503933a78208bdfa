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
// error stopping it. The node already keyed as the instant (or re-keyed first) stays, with the
// properties of the one written later — as a clean import, whose later row of the same key
// updates the node: keeping the older one kept a `fail` calibration a later `pass` replaced.
// A device event records no write time, so "later" is the node made later, the higher internal
// id (Neo4j reuses an id only after a deletion, so after `import --full` removals it may err:
// hence the record). The other's ledger changes (ABOUT edges) move to it, its OF_DEVICE edge is
// merged onto it, and it is deleted; a MigrationChange node records the merge: both keys, the
// columns that differed, the kept and the removed values (as RowChange does for an import).
// Nothing else points at a device event. Returns one row: how many events were re-keyed
// (merged ones included) and the merged keys, for `db init` and the import to report.
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
  CALL (event, kept, key) {
    WITH event, key WHERE kept IS NULL
    SET event.event_id = key
  }
  CALL (event, kept, key) {
    WITH event, kept, key WHERE kept IS NOT NULL
    WITH event, kept, key, properties(event) AS mine, properties(kept) AS theirs,
         toInteger(last(split(elementId(event), ':')))
           > toInteger(last(split(elementId(kept), ':'))) AS later
    WITH event, kept, key, mine, later,
         CASE WHEN later THEN mine ELSE theirs END AS winner,
         CASE WHEN later THEN theirs ELSE mine END AS loser
    WITH event, kept, key, mine, later, winner, loser,
         [c IN keys(winner) + [k IN keys(loser) WHERE NOT k IN keys(winner)]
          WHERE c <> 'event_id'
            AND coalesce(toStringOrNull(winner[c]), '') <> coalesce(toStringOrNull(loser[c]), '')]
           AS columns
    CREATE (:MigrationChange {change_id: 'migration-' + randomUUID(),
                              migration: 'device_event_utc_key', at: datetime(), key: key,
                              removed_key: event.event_id, columns: columns,
                              kept: [c IN columns | coalesce(toStringOrNull(winner[c]), '')],
                              removed: [c IN columns | coalesce(toStringOrNull(loser[c]), '')]})
    WITH event, kept, key, later
    CALL (event, kept, key, later) {
      // its own key kept: the old one is still taken (by the node about to go)
      WITH event, kept, key WHERE later
      SET kept = event {.*, event_id: key}
    }
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
  }
  RETURN CASE WHEN kept IS NULL THEN null ELSE key END AS merged
} IN TRANSACTIONS OF 10000 ROWS
RETURN count(*) AS changed, collect(merged) AS merged
