// Which of $tables still hold rows written before rows kept the sources that sent them (a row
// hash, no `_sources`): sent by a source nobody knows, a --full run of one source compares them
// only when the ledger shows no other source wrote the table since it was last compared in
// full (sources.other_sources; a table whose rows all carry `_sources` never refuses). Asked
// only when the ledger shows another source: one branch per table, each stopping at the first
// such row (in a graph written before, the first rows scanned); a graph whose rows all carry
// their sources scans the label once, as the --full run's own *_keys query does after it.
UNWIND $tables AS table
CALL (table) {
  WITH table WHERE table = 'materials'
  MATCH (n:Material) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'suppliers'
  MATCH (n:Supplier) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'customers'
  MATCH (n:Customer) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'locations'
  MATCH (n:Location) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'devices'
  MATCH (n:Device) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'operators'
  MATCH (n:Operator) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'lots'
  MATCH (n:Lot) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'steps'
  MATCH (n:ProcessStep) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'inspections'
  MATCH (n:Inspection) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'shipments'
  MATCH (n:Shipment) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'device_events'
  MATCH (n:DeviceEvent) WHERE n._row_sha IS NOT NULL AND n._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'step_inputs'
  MATCH ()-[r:INPUT_TO]->() WHERE r._row_sha IS NOT NULL AND r._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'step_outputs'
  MATCH ()-[r:PRODUCED]->() WHERE r._row_sha IS NOT NULL AND r._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'shipment_lines'
  MATCH ()-[r:SHIPPED]->() WHERE r._row_sha IS NOT NULL AND r._sources IS NULL
  RETURN true AS legacy LIMIT 1
  UNION ALL
  WITH table WHERE table = 'lot_identifiers'
  MATCH ()-[r:IDENTIFIES]->() WHERE r._row_sha IS NOT NULL AND r._sources IS NULL
  RETURN true AS legacy LIMIT 1
}
RETURN table
