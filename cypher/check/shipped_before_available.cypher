// Shipment lines dated before the lot existed: before the step that made it ended (or started),
// before it was received, or before its creation time — whichever the graph knows first.
// A step that took the lot in and gave it back (a rework or a sort in place) did not make it:
// a received lot reworked from 09:00 to 10:00 was "shipped before it existed" at 09:30.
// Times compare as instants, both sides in UTC: Neo4j orders two datetimes of one instant by
// their offsets (a shipment at 08:00Z came "before" a receipt at 09:00+01:00). Not
// epochMillis: it would cut times kept to the microsecond.
MATCH (lot:Lot)-[line:SHIPPED]->(shipment:Shipment)
WHERE line.quantity > 0
WITH lot, line, shipment,
     coalesce(
       COLLECT { MATCH (lot)<-[:PRODUCED]-(s:ProcessStep) WHERE NOT EXISTS { (lot)-[:INPUT_TO]->(s) }
               RETURN coalesce(s.ended_at, s.started_at) AS t ORDER BY t LIMIT 1 }[0],
       COLLECT { MATCH (lot)-[r:SUPPLIED_BY]->(:Supplier) RETURN r.received_at AS t ORDER BY t LIMIT 1 }[0],
       lot.created_at
     ) AS available_at
// Neo4j's order is by instant first: only a shipment it puts before available_at can be
// before it, and only those are converted.
WHERE shipment.shipped_at < available_at
  AND CASE WHEN available_at IS :: ZONED DATETIME NOT NULL
             AND shipment.shipped_at IS :: ZONED DATETIME NOT NULL
        THEN datetime({datetime: shipment.shipped_at, timezone: 'Z'})
             < datetime({datetime: available_at, timezone: 'Z'}) END
RETURN lot.lot_id AS lot_id, shipment.shipment_id AS shipment_id,
       shipment.shipped_at AS shipped_at, available_at
ORDER BY lot_id, shipment_id
