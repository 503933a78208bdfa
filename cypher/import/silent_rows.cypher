// Of $tables, the rows a --full run of one source does not compare because the sources they
// name have all gone silent (sources.unsent_notes): no name in a row's `_sources` is one of
// $active (this run's source and the sources that ran since it first ran, or lately). A
// source renamed (a mapping file renamed, --source changed) leaves its rows under the old
// name, which no run sends again: the note names them. Per table and sources text, the rows'
// keys as the *_keys queries make them (the note leaves out those the run's files hold: they
// are this source's once written, and a dry run, which writes nothing, counts as the import).
// Asked only when the ledger shows a silent source; one scan per table asked, as
// legacy_rows.cypher (whose note on the subqueries applies: each branch's scan is a subquery
// that does not see `table`, so that the planner scans only the asked tables).
UNWIND $tables AS table
CALL (table) {
  WITH table WHERE table = 'materials'
  CALL () {
    MATCH (n:Material)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.material_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'suppliers'
  CALL () {
    MATCH (n:Supplier)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.supplier_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'customers'
  CALL () {
    MATCH (n:Customer)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.customer_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'locations'
  CALL () {
    MATCH (n:Location)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.location_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'devices'
  CALL () {
    MATCH (n:Device)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.device_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'operators'
  CALL () {
    MATCH (n:Operator)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.operator_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'lots'
  CALL () {
    MATCH (n:Lot)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.lot_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'steps'
  CALL () {
    MATCH (n:ProcessStep)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.step_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'inspections'
  CALL () {
    MATCH (n:Inspection)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.inspection_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'shipments'
  CALL () {
    MATCH (n:Shipment)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.shipment_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'device_events'
  CALL () {
    MATCH (n:DeviceEvent)
    WHERE n._sources IS NOT NULL AND none(name IN split(n._sources, ' ') WHERE name IN $active)
    RETURN n._sources AS sources, collect(n.event_id) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'step_inputs'
  CALL () {
    MATCH (lot:Lot)-[r:INPUT_TO]->(parent:ProcessStep)
    WHERE r._sources IS NOT NULL AND none(name IN split(r._sources, ' ') WHERE name IN $active)
    RETURN r._sources AS sources, collect([parent.step_id, lot.lot_id]) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'step_outputs'
  CALL () {
    MATCH (parent:ProcessStep)-[r:PRODUCED]->(lot:Lot)
    WHERE r._sources IS NOT NULL AND none(name IN split(r._sources, ' ') WHERE name IN $active)
    RETURN r._sources AS sources, collect([parent.step_id, lot.lot_id]) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'shipment_lines'
  CALL () {
    MATCH (lot:Lot)-[r:SHIPPED]->(parent:Shipment)
    WHERE r._sources IS NOT NULL AND none(name IN split(r._sources, ' ') WHERE name IN $active)
    RETURN r._sources AS sources, collect([parent.shipment_id, lot.lot_id]) AS keys
  }
  RETURN sources, keys
  UNION ALL
  WITH table WHERE table = 'lot_identifiers'
  CALL () {
    MATCH (parent:Identifier)-[r:IDENTIFIES]->(lot:Lot)
    WHERE r._sources IS NOT NULL AND none(name IN split(r._sources, ' ') WHERE name IN $active)
    RETURN r._sources AS sources, collect([parent.key, lot.lot_id]) AS keys
  }
  RETURN sources, keys
}
RETURN table, sources, keys
ORDER BY table, sources
