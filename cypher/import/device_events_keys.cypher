// The keys of every device_events row the graph holds, for a full import (--full) to find the rows
// tonight's complete dump no longer has. One query, one list: a 1M-lot plant's ids decode
// much faster as one list than as a million records. Nodes without a row hash are known
// only from references (a stub, a device a step names): no row of device_events made them.
// An alarm an older version keyed without its kind is given its key as this version makes it
// (cypher/migrate/alarm_event_id.cypher): a --dry-run, which migrates nothing, found every
// alarm of a graph not yet migrated "removed".
MATCH (n:DeviceEvent)
WHERE n._row_sha IS NOT NULL
RETURN collect(
  CASE WHEN n.event = 'alarm' AND NOT n.event_id ENDS WITH '|' + coalesce(n.result, '')
       THEN n.event_id + '|' + coalesce(n.result, '')
       ELSE n.event_id END
) AS keys
