// Nodes known only from references (no row of their own: no _row_sha) that nothing refers to
// any more: a step's device corrected from the typo OVE to OVEN-1 left a device OVE behind, and
// a step_inputs row corrected to another lot left its stub lot — neither is in a clean import
// of the same files. Run at the end of an import; the ids deleted are named in its summary.
// A node with any relationship left (a recall of a stub lot included) stays.
CALL () {
  MATCH (n:Material) WHERE n._row_sha IS NULL AND NOT EXISTS { (n)--() }
  WITH n, n.material_id AS id DELETE n RETURN collect(id) AS materials
}
CALL () {
  MATCH (n:Supplier) WHERE n._row_sha IS NULL AND NOT EXISTS { (n)--() }
  WITH n, n.supplier_id AS id DELETE n RETURN collect(id) AS suppliers
}
CALL () {
  MATCH (n:Customer) WHERE n._row_sha IS NULL AND NOT EXISTS { (n)--() }
  WITH n, n.customer_id AS id DELETE n RETURN collect(id) AS customers
}
CALL () {
  MATCH (n:Location) WHERE n._row_sha IS NULL AND NOT EXISTS { (n)--() }
  WITH n, n.location_id AS id DELETE n RETURN collect(id) AS locations
}
CALL () {
  MATCH (n:Device) WHERE n._row_sha IS NULL AND NOT EXISTS { (n)--() }
  WITH n, n.device_id AS id DELETE n RETURN collect(id) AS devices
}
CALL () {
  MATCH (n:Operator) WHERE n._row_sha IS NULL AND NOT EXISTS { (n)--() }
  WITH n, n.operator_id AS id DELETE n RETURN collect(id) AS operators
}
CALL () {
  MATCH (n:Lot {origin_known: false}) WHERE n._row_sha IS NULL AND NOT EXISTS { (n)--() }
  WITH n, n.lot_id AS id DELETE n RETURN collect(id) AS lots
}
RETURN materials, suppliers, customers, locations, devices, operators, lots
