// Everything downstream of the source lots, as the subgraph the library needs to weigh
// quantities — in ONE row of compact lists (a row per lot costs the server and the driver more
// than the traversal: 23-lot trace 4.2 -> 2.4 ms, 1,600-lot trace 101 -> 53 ms on 1M lots):
//   lots:      [lot_id, quantity, uom, status, origin_known, created_at, material_id,
//               expires_at, edges]
//              (sources included), where edges are the lot's links in one list:
//                [0, step_id, quantity, uom, operation, started_at]  the lot went into a step
//                [1, step_id, quantity, uom]                          a step produced the lot
//                [2, shipment_id, quantity, uom]                      the lot was shipped
//                [3, location_id, location_name]                      where the lot is
//   shipments: [shipment_id, shipped_at, reference_doc, carrier, from_location_id,
//               customer_id, customer_name, customer_contact, customer_country]
//   resolution: what each id in $asked names, as cypher/lot/resolve.cypher returns it
//   traced:     the lot ids the trace set out from ($lot_ids and what the look-ups named)
// One expansion over the three link types reads each lot's relationships once (three pattern
// comprehensions read them three times), the steps come with the edges into them rather than
// from a second expansion, and material_id is the lot's own copy of its OF edge (the OF edge
// only for lots imported before it existed): salt lot's 1,629-lot trace 90 -> 68 ms, 120k ->
// 84k db hits, on 1M lots. The lot's location (AT) and expiry come in the same read: what to
// block needs them for the lots with something left, and a second query for those lots cost a
// narrow trace a round trip (1.3 of its 3.7 ms); reading them for every lot adds 13 % to a
// ~3k-lot trace's db hits (168k -> 190k on 1M lots).
// The variable-length pattern with DISTINCT and no path variable is planned as
// VarLengthExpand(Pruning,BFS): each lot and step is visited once, however many paths lead to it
// (a salt lot reaches every batch along millions of paths). tests/test_trace.py checks the plan.
// Times travel as text (toString): the driver's DateTime objects cost more than the traversal.
// The sources: $lot_ids, lots known by their ids already (a window's, or the library's decision
// when it differs from this query's), and each id in $asked looked up as cypher/lot/resolve.cypher
// looks it up (returned as `resolution`: the library decides, lots.AskedLots.decided) and traced
// where the look-up names its lots as the library decides them: a `shipment|X`'s lots; an id's
// own lot when no identity value names another lot; else a key's lots; else, for a unit's
// `serial|GTIN|SN` no identity has, the one lot `serial||SN` names unless it is known under
// another GTIN; else the one lot a value names. An id that names several lots (an error,
// never a guess) is traced from nothing: a common supplier lot number was traced from hundreds
// of lots before the error. Asked with
// the trace, not before it: a look-up first cost a narrow trace a round trip.
UNWIND $asked AS id
WITH collect({
  id: id,
  by_lot_id: COLLECT { MATCH (lot:Lot {lot_id: id}) RETURN lot.lot_id },
  by_key: COLLECT { MATCH (:Identifier {key: id})-[:IDENTIFIES]->(lot:Lot) RETURN lot.lot_id },
  by_value: COLLECT {
    MATCH (identity:Identifier {value: id})-[:IDENTIFIES]->(lot:Lot)
    RETURN {lot_id: lot.lot_id, scheme: identity.scheme, issuer: identity.issuer,
            key: identity.key}
  },
  // `shipment|X`: the lots shipment X carried (a complaint quotes its delivery)
  by_shipment: CASE WHEN id STARTS WITH 'shipment|' THEN COLLECT {
    MATCH (lot:Lot)-[:SHIPPED]->(:Shipment {shipment_id: substring(id, 9)})
    RETURN DISTINCT lot.lot_id
  } ELSE [] END,
  // `serial|GTIN-14|SN` (a unit's label): the lots of serial SN imported without its GTIN,
  // `serial||SN` (plants often record serials so), each with the GTINs it is known under
  // (its gtin_lot identities' and GTIN-issued serials'); the library takes them only when no
  // identity has the key itself (lots.AskedLots.decided)
  by_serial: CASE WHEN id =~ '(?s)serial\\|[0-9]{14}\\|.+' THEN COLLECT {
    MATCH (:Identifier {key: 'serial||' + substring(id, 22)})-[:IDENTIFIES]->(lot:Lot)
    RETURN {lot_id: lot.lot_id, gtins: COLLECT {
      MATCH (lot)<-[:IDENTIFIES]-(named:Identifier)
      WHERE named.scheme IN ['gtin_lot', 'serial'] AND named.issuer =~ '[0-9]{14}'
      RETURN DISTINCT named.issuer
    }}
  } ELSE [] END
}) AS resolution
// `traced` is returned: the library traces again, by id, where its decision differs
WITH resolution, $lot_ids + reduce(named = [], asked IN resolution | named + CASE
  WHEN asked.id STARTS WITH 'shipment|' THEN asked.by_shipment
  WHEN size(asked.by_lot_id) > 0 THEN
    CASE WHEN all(v IN asked.by_value WHERE v.lot_id IN asked.by_lot_id)
         THEN asked.by_lot_id ELSE [] END
  WHEN size(asked.by_key) > 0 THEN asked.by_key
  WHEN size(asked.by_serial) > 0 THEN
    CASE WHEN size(asked.by_serial) = 1
              AND (size(asked.by_serial[0].gtins) = 0
                   OR substring(asked.id, 7, 14) IN asked.by_serial[0].gtins)
         THEN [asked.by_serial[0].lot_id] ELSE [] END
  WHEN size(asked.by_value) > 0
       AND all(v IN asked.by_value WHERE v.lot_id = asked.by_value[0].lot_id)
    THEN [asked.by_value[0].lot_id]
  ELSE []
END) AS traced
// In a subquery: one row however many lots it reaches, none included.
CALL (traced) {
  UNWIND traced AS lot_id
  MATCH (source:Lot {lot_id: lot_id})
  MATCH (source)-[:INPUT_TO|PRODUCED*0..]->(lot:Lot)
  // DISTINCT on the element id too: Neo4j 5.26 drops a plain `WITH DISTINCT lot` (and
  // collect(DISTINCT lot)) after the pruning expand, which is distinct per source only — 3,000
  // complaint lots' trace held each of its 6,975 lots 3.5 times (24,092) and projected each
  // copy.
  WITH DISTINCT elementId(lot) AS node_id, lot
  RETURN collect(lot) AS reached
}
// The shipments in a CALL, not a COLLECT subquery in the RETURN: there the DISTINCT on
// shipments was planned on (shipment, reached) and held the whole reached list per shipment
// (971 MB for a 12,886-lot trace; a 50k-lot trace hit the transaction memory limit).
CALL (reached) {
  UNWIND reached AS lot
  MATCH (lot)-[:SHIPPED]->(shipment:Shipment)
  WITH DISTINCT shipment
  OPTIONAL MATCH (shipment)-[:TO]->(customer:Customer)
  RETURN collect([shipment.shipment_id, toString(shipment.shipped_at), shipment.reference_doc,
                  shipment.carrier, [(shipment)-[:FROM]->(l:Location) | l.location_id][0],
                  customer.customer_id, customer.name, customer.contact, customer.country])
         AS shipments
}
RETURN
  [lot IN reached |
    [lot.lot_id, lot.quantity, lot.uom, lot.status, lot.origin_known, toString(lot.created_at),
     coalesce(lot.material_id, [(lot)-[:OF]->(m:Material) | m.material_id][0]),
     toString(lot.expires_at),
     [(lot)-[link:INPUT_TO|PRODUCED|SHIPPED|AT]-(other) |
       CASE type(link)
         WHEN 'INPUT_TO' THEN [0, other.step_id, link.quantity, link.uom, other.operation,
                               toString(other.started_at)]
         WHEN 'PRODUCED' THEN [1, other.step_id, link.quantity, link.uom]
         WHEN 'SHIPPED' THEN [2, other.shipment_id, link.quantity, link.uom]
         ELSE [3, other.location_id, other.name]
       END]]
  ] AS lots,
  shipments,
  resolution,
  traced
