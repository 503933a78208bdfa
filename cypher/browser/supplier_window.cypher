// What a supplier delivered in a time window [window_start, window_end): the lots received
// from it then, with its own lot numbers — the rule `tracegraph trace supplier` uses. For a
// supplier's notice that names a span of its deliveries, not our lot ids. For where those lots
// went, run forward.cypher on one of them (or `tracegraph trace supplier` for all at once).
// Lots of the supplier with no receipt date are in no window. Times compare as instants,
// [epochSeconds, nanosecond] (exact at the stored precision), as `trace supplier` compares
// them: two datetimes of one instant in different offsets do not compare equal otherwise, and
// epochMillis cut both sides (a receipt at 08:00:00.0001 was in a window from 08:00:00.0004).
:param {supplier_id: 'V03', window_start: '2026-01-05T05:00:00Z', window_end: '2026-01-05T08:00:00Z'};

MATCH (supplier:Supplier {supplier_id: $supplier_id})<-[receipt:SUPPLIED_BY]-(lot:Lot)
WITH supplier, receipt, lot, datetime($window_start) AS window_start,
     datetime($window_end) AS window_end
WITH supplier, receipt, lot,
     [receipt.received_at.epochSeconds, receipt.received_at.nanosecond] AS at,
     [window_start.epochSeconds, window_start.nanosecond] AS starts,
     [window_end.epochSeconds, window_end.nanosecond] AS ends
WHERE at >= starts AND at < ends
OPTIONAL MATCH (lot)-[:OF]->(material:Material)
RETURN supplier, receipt, lot, material
ORDER BY at, lot.lot_id;
