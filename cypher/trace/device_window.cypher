// Steps run on a device that overlap the window [$window_start, $window_end), the lots they
// produced, and those lots' forward trace, in ONE row: `found` (whether the device exists:
// an unknown one is an error, an empty window is not), `steps` (a map per step, in the
// order of their start) and, from the steps' lots, what cypher/trace/forward.cypher returns
// for them (`lots`, `shipments`: the same text from its CALL on, kept in step by
// tests/test_trace.py). Asked apart, the trace waited for the window's answer: a second
// round trip one after the other (3-hour windows on the 100k-lot plant: see CHANGELOG).
// Seeks steps by start time (indexed), then keeps the device's: a step overlapping the window
// started at most the device's longest step before it (longest_step_s, kept by the import as an
// upper bound), so the seek is exact and costs the window, not the device's whole history.
// Graphs imported before longest_step_s existed fall back to the device's whole history.
// (coalesce: the seek's bound is evaluated before the branch's filter.)
// A step with no end time (the MES had not booked it) is in the window when it started in it,
// or, started before it, when it started less than longest_step_s seconds before the window's
// start: it may have run at most the device's longest step, so it may have run into the window
// (started_at + longest_step_s > window start; at exactly the bound it would end as the window
// starts). The bound is the same the seek uses, so such a step is always sought; without
// longest_step_s, the one the import would give the device from its history. Unended steps
// older than that are left out, not every unended step of the device's history.
OPTIONAL MATCH (device:Device {device_id: $device_id})
// in a subquery: one row however many steps, none included (no device: none)
CALL (device) {
  WITH device WHERE device IS NOT NULL
  CALL (device) {
    WITH device WHERE device.longest_step_s IS NOT NULL
    MATCH (step:ProcessStep)-[:ON]->(device)
    USING INDEX step:ProcessStep(started_at)
    WHERE step.started_at >= datetime($window_start) - duration({seconds: coalesce(device.longest_step_s, 0) + 1})
      AND step.started_at < datetime($window_end) + duration({seconds: 1})
    RETURN step, device.longest_step_s AS longest_s
    UNION
    WITH device WHERE device.longest_step_s IS NULL
    CALL (device) {  // as import/steps_longest_device computes a first bound
      MATCH (device)<-[:ON]-(known:ProcessStep)
      RETURN coalesce(max(duration.inSeconds(known.started_at,
                                             coalesce(known.ended_at, known.started_at)).seconds) + 1,
                      0) AS longest_s
    }
    MATCH (step:ProcessStep)-[:ON]->(device)
    WHERE step.started_at < datetime($window_end) + duration({seconds: 1})
    RETURN step, longest_s
  }
  // Exactly, as instants: Neo4j orders two datetimes of one instant by their offsets too, so
  // a step starting at 20:00Z was "before" a window ending at 22:00+02:00 (the same moment);
  // the seek above reaches a second further, and this keeps [start, end) — a step that ends
  // when the window starts did not run in it (one of no length, starting then, did).
  // Instants as [epochSeconds, nanosecond] (lists compare element by element): exact at the
  // stored precision. epochMillis cut both sides to the millisecond, so a step that started at
  // 00:30:00.123456Z was left out of a window to 00:30:00.1239Z.
  WITH device, step, longest_s, datetime($window_start) AS window_start,
       datetime($window_end) AS window_end
  WITH device, step, longest_s, [window_start.epochSeconds, window_start.nanosecond] AS starts,
       [window_end.epochSeconds, window_end.nanosecond] AS ends,
       [step.started_at.epochSeconds, step.started_at.nanosecond] AS began
  WHERE began < ends
    AND (began >= starts
         OR (step.ended_at IS NOT NULL
             AND [step.ended_at.epochSeconds, step.ended_at.nanosecond] > starts)
         OR (step.ended_at IS NULL AND [began[0] + longest_s, began[1]] > starts))
  ORDER BY step.started_at, step.step_id
  RETURN collect({
    step_id: step.step_id,
    operation: step.operation,
    // the steps table's extra columns are the process parameters (peak_temp_c, bake_min):
    // the library keeps them from the step's properties; times left out (the driver's
    // DateTime objects cost more than the rest of the row)
    properties: step {.*, started_at: null, ended_at: null},
    started_at: toString(step.started_at),
    ended_at: toString(step.ended_at),
    end_unknown: step.ended_at IS NULL,
    // in the window only because its end is unknown (see above)
    assumed_in_window: step.ended_at IS NULL AND began < starts,
    operator_id: COLLECT { MATCH (step)-[:BY]->(o:Operator) RETURN o.operator_id }[0],
    device_id: device.device_id,
    lots: COLLECT { MATCH (step)-[:PRODUCED]->(lot:Lot) RETURN lot.lot_id },
    // a step that recorded no output lot: its input lots, for the warning that what it made
    // is in no answer (an oven step taking 5 kg of a lot with no step_outputs row was never
    // mentioned); [] for a step with outputs, whose inputs are not read: the filter before
    // the expand (a CASE around the subquery read every step's inputs, +8 % db hits)
    unmade_inputs: COLLECT { WITH step WHERE NOT EXISTS { (step)-[:PRODUCED]->() }
                             MATCH (step)<-[:INPUT_TO]-(input:Lot) RETURN input.lot_id }
  }) AS steps
}
// the forward trace's sources: the steps' lots (the library weighs from them in its order)
WITH device IS NOT NULL AS found, steps,
     reduce(made = [], step IN steps | made + step.lots) AS traced
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
  steps,
  found
