// What a supplier delivered in a time window [window_start, window_end): the lots received
// from it then, with its own lot numbers — the rule `tracegraph trace supplier` uses. For a
// supplier's notice that names a span of its deliveries, not our lot ids. For where those lots
// went, run forward.cypher on one of them (or `tracegraph trace supplier` for all at once).
// Lots of the supplier with no receipt date are in no window. Times compare as instants,
// [epochSeconds, nanosecond] (exact at the stored precision), as `trace supplier` compares
// them: two datetimes of one instant in different offsets do not compare equal otherwise, and
// epochMillis cut both sides (a receipt at 08:00:00.0001 was in a window from 08:00:00.0004).
// Each time needs its UTC offset or zone (2026-01-05T06:00[Europe/Berlin], 2026-01-05T06:00+01:00,
// 2026-01-05T05:00Z): the query fails, naming the time, on one without. Cypher reads such a time
// in the server's zone (UTC), where `trace supplier` reads it in the plant's (TRACEGRAPH_TIMEZONE):
// a window typed in Berlin time listed the receipts of an hour later.
:param {supplier_id: 'V03', window_start: '2026-01-05T06:00[Europe/Berlin]', window_end: '2026-01-05T09:00[Europe/Berlin]'};

WITH [time IN [$window_start, $window_end] |
      datetime(CASE WHEN toString(time) =~ '[^Tt]*[Tt].*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?|\\[.+\\])'
                    THEN time
                    ELSE 'window time ' + toString(time) + ' has no UTC offset or zone: add one, as in '
                         + '2026-01-05T08:00[Europe/Berlin] or 2026-01-05T08:00+01:00' END)] AS window
MATCH (supplier:Supplier {supplier_id: $supplier_id})<-[receipt:SUPPLIED_BY]-(lot:Lot)
WITH supplier, receipt, lot,
     [receipt.received_at.epochSeconds, receipt.received_at.nanosecond] AS at,
     [window[0].epochSeconds, window[0].nanosecond] AS starts,
     [window[1].epochSeconds, window[1].nanosecond] AS ends
WHERE at >= starts AND at < ends
OPTIONAL MATCH (lot)-[:OF]->(material:Material)
RETURN supplier, receipt, lot, material
ORDER BY at, lot.lot_id;
