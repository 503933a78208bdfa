// The keys of every device_events row the graph holds, for a full import (--full) to find the rows
// tonight's complete dump no longer has. One query, one list: a 1M-lot plant's ids decode
// much faster as one list than as a million records. Nodes without a row hash are known
// only from references (a stub, a device a step names): no row of device_events made them.
// A key an older version made is given as this version makes it, as the migrations
// (cypher/migrate/alarm_event_id.cypher, then device_event_utc_key.cypher) will: a --dry-run,
// which migrates nothing, found every alarm of a graph not yet migrated "removed". An alarm
// keyed without its kind gains `|` and its result; a time written with an offset other than
// +00:00 is written as the instant in UTC, the same text the migration writes. Two events the
// migration merges give the same key twice: one row of tonight's dump finds both.
// Only the rows of the run's source $source, and rows written before rows kept their sources
// (no `_sources`; sources.other_sources let this run compare them); every row when $source is
// null (--remove-other-sources). `shared`: those another source sends too, each [key, sources]:
// a dump lacking one takes only its source off it (full.drop_sources), whose element ids
// full.compare looks up by key for those few (an id per shared row, ~45 characters each, was
// decoded every night for rows nothing dropped).
MATCH (n:DeviceEvent)
WHERE n._row_sha IS NOT NULL AND ($source IS NULL OR n._sources IS NULL
       OR $source IN split(n._sources, ' '))
WITH n, CASE WHEN n.event = 'alarm' THEN '|' + coalesce(n.result, '') ELSE '' END AS tail
WITH n, tail, CASE WHEN n.event_id ENDS WITH tail THEN n.event_id ELSE n.event_id + tail END AS key
WITH n, tail, key, left(key, size(key) - size(tail)) AS head
WITH n, tail, key, head,
     NOT head ENDS WITH '+00:00' AND head CONTAINS '|' AND n.at IS NOT NULL AS offset_key,
     datetime({datetime: n.at, timezone: '+00:00'}) AS utc
WITH n, CASE WHEN offset_key
       THEN left(head, size(head) - size(last(split(head, '|')))) + toString(date(utc)) + 'T'
         + right('0' + toString(utc.hour), 2) + ':' + right('0' + toString(utc.minute), 2) + ':'
         + right('0' + toString(utc.second), 2)
         + CASE WHEN utc.microsecond > 0 THEN '.' + right('00000' + toString(utc.microsecond), 6)
                ELSE '' END
         + '+00:00' + tail
       ELSE key END AS key
RETURN collect(key) AS keys,
  collect(CASE WHEN $source IS NOT NULL AND n._sources CONTAINS ' '
               THEN [key, n._sources] END) AS shared
