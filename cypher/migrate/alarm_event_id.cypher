// Alarms imported by older versions are keyed by device, event and time alone; since an alarm's
// kind (its result) is part of its key (tables.device_event_id), their event_id gains it, so that
// importing the same alarm again finds it instead of adding a second node. An old key ends with
// its time, never with `|` and the result after it; an empty result gives a key ending in `|`.
// Idempotent: a migrated key ends with its result. Runs at every `db init`, and from an import
// until it has run to its end once (its Migration node, db/mark_migration_done.cypher;
// importing/run.py: _alarms_keyed_by_kind); seeks the alarms by the DeviceEvent.event index.
// An alarm whose key would grow past what the index holds (a result of thousands of characters,
// which the import now rejects) keeps its key: re-keying it would stop every import here.
//
// An alarm whose new key is taken already is the same alarm written twice: an older version's
// import after the upgrade (a rollback) wrote it again under its old key. Setting the key failed
// on the uniqueness constraint, so `db init` stopped here on every run. The two are merged as
// device_event_utc_key merges (see there: the later write's properties are kept, the ledger's
// ABOUT edges and the OF_DEVICE edge move, a MigrationChange records what was removed), and the
// merged keys are returned for `db init` and the import to report. Returns one row: how many
// alarms were re-keyed (merged ones included) and the merged keys.
MATCH (event:DeviceEvent {event: 'alarm'})
WHERE event.event_id IS NOT NULL
  AND NOT event.event_id ENDS WITH '|' + coalesce(event.result, '')
  AND size(event.event_id) + size(coalesce(event.result, '')) < 2000
WITH event, event.event_id + '|' + coalesce(event.result, '') AS key
CALL (event, key) {
  OPTIONAL MATCH (kept:DeviceEvent {event_id: key})
  CALL (event, kept, key) {
    WITH event, key WHERE kept IS NULL
    SET event.event_id = key
  }
  CALL (event, kept, key) {
    WITH event, kept, key WHERE kept IS NOT NULL
    // the node made later has the higher id (ids are reused only after deletions)
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
                              migration: 'alarm_event_id', at: datetime(), key: key,
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
