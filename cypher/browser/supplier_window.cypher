// What a supplier delivered in a time window [window_start, window_end): the lots received
// from it then, with its own lot numbers — the rule `tracegraph trace supplier` uses. For a
// supplier's notice that names a span of its deliveries, not our lot ids. For where those lots
// went, run forward.cypher on one of them (or `tracegraph trace supplier` for all at once).
// Lots of the supplier with no receipt date are in no window. Times compare as instants
// (epochMillis): two datetimes of one instant in different offsets do not compare equal
// otherwise.
:param {supplier_id: 'V03', window_start: '2026-01-05T05:00:00Z', window_end: '2026-01-05T08:00:00Z'};

MATCH (supplier:Supplier {supplier_id: $supplier_id})<-[receipt:SUPPLIED_BY]-(lot:Lot)
WHERE receipt.received_at.epochMillis >= datetime($window_start).epochMillis
  AND receipt.received_at.epochMillis < datetime($window_end).epochMillis
OPTIONAL MATCH (lot)-[:OF]->(material:Material)
RETURN supplier, receipt, lot, material
ORDER BY receipt.received_at;
