// Which of $tables still hold rows written before rows kept the sources that sent them (a row
// hash, no `_sources`): sent by a source nobody knows, a --full run of one source compares them
// only when the ledger shows no other source wrote the table since it was last compared in
// full (sources.other_sources; a table whose rows all carry `_sources` never refuses). Asked
// only when the ledger shows another source: one branch per table, each stopping at the first
// such row (in a graph written before, the first rows scanned); a graph whose rows all carry
// their sources scans the label once, as the --full run's own *_keys query does after it —
// then marks the table (mark_sourced_tables.cypher), and later runs do not ask of it again
// (sourced_tables.cypher, sources.legacy_tables).
// Links are matched with their ends' labels, as in the *_keys queries: the planner scans a
// label or the relationship type, never every node. Each branch's scan is a subquery of its
// own that does not see `table`: the planner pushed the `table = ...` test into every scan's
// filter, and a look at lots scanned every label and relationship type to its end.
UNWIND $tables AS table
CALL (table) {
  WITH table WHERE table = 'materials'
  CALL () {
    MATCH (n:Material) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'suppliers'
  CALL () {
    MATCH (n:Supplier) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'customers'
  CALL () {
    MATCH (n:Customer) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'locations'
  CALL () {
    MATCH (n:Location) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'devices'
  CALL () {
    MATCH (n:Device) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'operators'
  CALL () {
    MATCH (n:Operator) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'lots'
  CALL () {
    MATCH (n:Lot) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'steps'
  CALL () {
    MATCH (n:ProcessStep) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'inspections'
  CALL () {
    MATCH (n:Inspection) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'shipments'
  CALL () {
    MATCH (n:Shipment) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'device_events'
  CALL () {
    MATCH (n:DeviceEvent) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'step_inputs'
  CALL () {
    MATCH (:Lot)-[r:INPUT_TO]->(:ProcessStep) WHERE r._row_sha IS NOT NULL AND r._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'step_outputs'
  CALL () {
    MATCH (:ProcessStep)-[r:PRODUCED]->(:Lot) WHERE r._row_sha IS NOT NULL AND r._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'shipment_lines'
  CALL () {
    MATCH (:Lot)-[r:SHIPPED]->(:Shipment) WHERE r._row_sha IS NOT NULL AND r._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
  UNION ALL
  WITH table WHERE table = 'lot_identifiers'
  CALL () {
    MATCH (:Identifier)-[r:IDENTIFIES]->(:Lot) WHERE r._row_sha IS NOT NULL AND r._sources IS NULL
    RETURN true AS legacy LIMIT 1
  }
  RETURN legacy
}
RETURN table
