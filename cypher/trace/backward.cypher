// Everything upstream of the source lots, in ONE row of compact lists (a row per lot costs more
// than the traversal; see forward.cypher):
//   lots:  [lot_id, quantity, uom, status, origin_known, created_at, expires_at, material_id,
//           supplied_by: [[supplier_id, name, country, supplier_lot, received_at]],
//           inspections: [inspection map]]                      (sources included)
//   steps: [step map, links]   every step that made a reached lot, once; links:
//           [0, lot_id, quantity, uom] an input   [1, lot_id, quantity, uom] an output
//           [2, device ref] [3, operator ref] [4, work_order_id] [5, location_id]
//           [6, inspection, lot_id of the lot it inspected or null]
//   nodes: [ref, map]  each device and operator the steps name, once
//   devices: [device_id, longest_s, events, calibrated_before]  each device the steps ran on,
//           with its events over the span its steps cover and its last calibration before it
//           (events as [[epochSeconds, nanosecond], event map], in time order; see below)
//   resolution: what each id in $asked names, as cypher/lot/resolve.cypher returns it (see
//           forward.cypher); traced: the lot ids the trace set out from
// The library weighs how much of each input lot went into the sources. Each step reads its
// relationships in ONE expansion and comes once: nested COLLECT subqueries per lot and per
// step (eleven) and a step repeated under each lot it made cost 3,000 finished lots' trace
// (7k lots, 4.5k steps on the 1M-lot plant) 1.2 s; lists instead of maps also spare the driver
// a key per value. Planned as VarLengthExpand(Pruning,BFS): every lot and step is visited once
// per start, never path by path. Times travel as text (toString): the driver's DateTime objects
// cost more than the traversal.
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
// The steps that made the reached lots are the steps the traversal passes through (backward,
// a lot's incoming PRODUCED leads to them, a step's incoming INPUT_TO to its input lots): kept
// from it rather than sought again from every reached lot (19k of the ~3k-lot question's 440k
// db hits on the 100k-lot plant).
CALL (traced) {
  UNWIND traced AS lot_id
  MATCH (source:Lot {lot_id: lot_id})
  // The pruning expand is distinct per start, not over all: from each source it walked again
  // what its siblings share (a packing step's lots have one upstream), 14k rows for 4.9k
  // nodes (140k db hits). Started from the sources' first steps, each once, it walks 6.3k
  // (64k db hits): a lot's trace is the lot and its first steps' traces.
  OPTIONAL MATCH (source)<-[:INPUT_TO|PRODUCED]-(first)
  WITH collect(DISTINCT source) AS sources, collect(DISTINCT first) AS firsts
  WITH sources, COLLECT {
    UNWIND firsts AS start
    MATCH (start)<-[:INPUT_TO|PRODUCED*0..]-(node)
    // DISTINCT keeps the pruning expand: without it, the planner walks path by path
    RETURN DISTINCT node
  } AS above
  UNWIND sources + above AS node
  // DISTINCT on the element id too: Neo4j 5.26 drops a plain `WITH DISTINCT lot` (and
  // collect(DISTINCT lot)) after the pruning expand, which is distinct per start only — 3,000
  // complaint lots' trace held each of its 6,975 lots 3.5 times (24,092) and projected each
  // copy.
  WITH DISTINCT elementId(node) AS node_id, node
  RETURN collect(CASE WHEN node:Lot THEN node END) AS reached,
         collect(CASE WHEN node:ProcessStep THEN node END) AS made
}
CALL (made) {
  // The device events behind the steps, read per device over the span its steps cover (not
  // per step): the library gives each step the events during it and the device's last
  // calibration before it — an over-temperature alarm while the reflow ran, or a failed
  // calibration the week before, is what a quality engineer looks for behind a complaint.
  // Read here rather than by a second query keyed by the devices: that round trip was 1.7 of
  // a narrow backward trace's 4 ms. A step with no end time (the MES had not booked it) may
  // have run for the device's longest step (longest_step_s, kept by the import), the bound
  // the device window uses; a graph imported before that bound existed gets the one the
  // import would give it from the device's history. Compared as instants, [epochSeconds,
  // nanosecond] (lists compare element by element; exact at the stored precision), as the
  // windows are: epochMillis put a calibration at 08:00:00.0003 before a step that started at
  // 08:00:00.0001, and an alarm at .0004 during a step that ended at .0002.
  // A device's alarm log runs to tens of thousands a year: its events are sought by kind and
  // time in the index device_event_device_time (cypher/trace/device_events.cypher tells how)
  // (calibrations before the first step: a few a month, all sought, the last kept as before)
  // once every DeviceEvent is a KeyedDeviceEvent (two reads of the count store); until the
  // migration has made them so, they are read from the device, as before, so none is missed.
  // The seeks are forced (USING INDEX SEEK: under USING INDEX, a plan made on an empty graph,
  // which the server keeps while the graph grows, scanned the whole index), and the other way
  // reads the device's events by a pattern from it, not a MATCH: on a small graph the planner
  // chose the index on DeviceEvent.event for the one and a scan of every event of the plant
  // for the other (gated after the scan). Both ways read the three kinds the import takes,
  // the ones sought in the index: an event of another kind, made by hand in the Browser, was
  // shown by the one and not by the other. The index orders one instant's times by zone: the
  // seeks reach a millisecond wider than the span, and the instants are compared after.
  CALL (made) {
    UNWIND made AS step
    MATCH (step)-[:ON]->(device:Device)
    WHERE step.started_at IS NOT NULL
    WITH device, COUNT { (:DeviceEvent) } = COUNT { (:KeyedDeviceEvent) } AS keyed,
         min([step.started_at.epochSeconds, step.started_at.nanosecond]) AS starts,
         max(CASE WHEN step.ended_at IS NOT NULL
                THEN [step.ended_at.epochSeconds, step.ended_at.nanosecond] END) AS ended,
         max(CASE WHEN step.ended_at IS NULL
                THEN [step.started_at.epochSeconds, step.started_at.nanosecond] END) AS unended
    WITH device, keyed, starts, ended, unended,
         CASE WHEN device.longest_step_s IS NOT NULL THEN device.longest_step_s
         ELSE coalesce(COLLECT {
           MATCH (device)<-[:ON]-(known:ProcessStep)
           RETURN max(duration.inSeconds(known.started_at,
                                         coalesce(known.ended_at, known.started_at)).seconds) + 1
         }[0], 0) END AS longest_s
    WITH device, keyed, starts, longest_s,
         CASE WHEN unended IS NULL THEN ended
              WHEN ended IS NULL OR [unended[0] + longest_s, unended[1]] > ended
                THEN [unended[0] + longest_s, unended[1]]
              ELSE ended END AS until
    WITH device, keyed, starts, until, longest_s,
         datetime({epochSeconds: starts[0], nanosecond: starts[1]}) AS starts_at,
         datetime({epochSeconds: until[0], nanosecond: until[1]}) AS until_at
    RETURN collect([
      device.device_id,
      longest_s,
      COLLECT {
        CALL (device, keyed, starts_at, until_at) {
          WITH device WHERE keyed
          UNWIND ['calibration', 'maintenance', 'alarm'] AS kind
          MATCH (event:DeviceEvent) USING INDEX SEEK event:DeviceEvent(device_id, event, at)
          WHERE event.device_id = device.device_id AND event.event = kind
            AND event.at > starts_at - duration({milliseconds: 1})
            AND event.at < until_at + duration({milliseconds: 1})
          RETURN event
          UNION ALL
          WITH device WHERE NOT keyed
          // the kinds kept after the pattern: inside it, the planner sought the index on
          // DeviceEvent.event, every calibration of the plant, and went back to the device
          UNWIND [(device)<-[:OF_DEVICE]-(event:DeviceEvent) | event] AS event
          WITH event WHERE event.event IN ['calibration', 'maintenance', 'alarm']
          RETURN event
        }
        // null for an event made by hand with no zoned time (text, a local time): passed over
        WITH event, CASE WHEN event.at IS :: ZONED DATETIME
                      THEN [event.at.epochSeconds, event.at.nanosecond] END AS at
        WHERE at >= starts AND at <= until
        RETURN [at, event {.*, at: toString(event.at)}] ORDER BY at, event.event_id
      },
      COLLECT {
        CALL (device, keyed, starts_at) {
          WITH device WHERE keyed
          MATCH (event:DeviceEvent) USING INDEX SEEK event:DeviceEvent(device_id, event, at)
          WHERE event.device_id = device.device_id AND event.event = 'calibration'
            AND event.at < starts_at + duration({milliseconds: 1})
          RETURN event
          UNION ALL
          WITH device WHERE NOT keyed
          // the kind kept after the pattern, as above
          UNWIND [(device)<-[:OF_DEVICE]-(event:DeviceEvent) | event] AS event
          WITH event WHERE event.event = 'calibration'
          RETURN event
        }
        // null for an event made by hand with no zoned time (text, a local time): passed over
        WITH event, CASE WHEN event.at IS :: ZONED DATETIME
                      THEN [event.at.epochSeconds, event.at.nanosecond] END AS at
        WHERE at < starts
        RETURN [at, event {.*, at: toString(event.at)}] ORDER BY at DESC, event.event_id DESC
        LIMIT 1
      }
    ]) AS devices
  }
  // Each device's and operator's map once, its steps' links naming it by element id: a map
  // under every step sent the ~3k-lot question's 1.9k steps 3.8k maps of 14 devices and 30
  // operators (once, its decoding took a fifth less, its database part about 5 %). Collected
  // DISTINCT in a CALL: a `WITH DISTINCT shared` in a COLLECT subquery planned its Distinct on
  // (shared, made), a copy of the whole step list per device and operator (8.1 of a 10k
  // plant's 8.2 MB for its 4,312 finished lots, against 2.7 MB before the list).
  CALL (made) {
    UNWIND made AS step
    // either way, as the links below (a link made by hand may point at the step)
    MATCH (step)-[:ON|BY]-(shared)
    WITH collect(DISTINCT shared) AS shared
    RETURN [node IN shared | [elementId(node), node {.*}]] AS nodes
  }
  RETURN devices,
    nodes,
    [step IN made | [
    step {.*, started_at: toString(step.started_at), ended_at: toString(step.ended_at)},
    [(step)-[link:ON|BY|FOR|AT|DURING|INPUT_TO|PRODUCED]-(other) |
      CASE type(link)
        WHEN 'INPUT_TO' THEN [0, other.lot_id, link.quantity, link.uom]
        WHEN 'PRODUCED' THEN [1, other.lot_id, link.quantity, link.uom]
        WHEN 'ON' THEN [2, elementId(other)]
        WHEN 'BY' THEN [3, elementId(other)]
        WHEN 'FOR' THEN [4, other.work_order_id]
        WHEN 'AT' THEN [5, other.location_id]
        // the lot it inspected (null: an inspection of the step): an inspection during
        // the step of a lot not reached (a split's third lot, which went elsewhere) is left
        // out by the library, as `lot show` and rootcause leave it out; listed, blanked of
        // its lot, it was counted among the trace's failed inspections
        ELSE [6, other {.*, inspected_at: toString(other.inspected_at)},
              [(other)-[:OF_LOT]->(of:Lot) | of.lot_id][0]]
      END]
  ]] AS steps
}
RETURN
  [lot IN reached |
    [lot.lot_id, lot.quantity, lot.uom, lot.status, lot.origin_known, toString(lot.created_at),
     toString(lot.expires_at),
     coalesce(lot.material_id, [(lot)-[:OF]->(m:Material) | m.material_id][0]),
     [(lot)-[receipt:SUPPLIED_BY]->(supplier:Supplier) |
       [supplier.supplier_id, supplier.name, supplier.country, receipt.supplier_lot,
        toString(receipt.received_at)]],
     [(lot)<-[:OF_LOT]-(inspection:Inspection) |
       inspection {.*, inspected_at: toString(inspection.inspected_at)}]]
  ] AS lots,
  steps,
  devices,
  nodes,
  resolution,
  traced
