// Master data known only from references — a step's device, a lot's material, created by the
// MERGE of the row naming it — and never from a row of its own (no _row_sha). Read before and
// after an import to name those it added: a typo in a reference makes one. `unreported`, per
// kind: those no run that ended named (see mark_reported.cypher): a killed run's.
CALL () {
  MATCH (n:Material) WHERE n._row_sha IS NULL
  RETURN collect(n.material_id) AS materials,
         collect(CASE WHEN n._reported IS NULL THEN n.material_id END) AS new_materials
}
CALL () {
  MATCH (n:Supplier) WHERE n._row_sha IS NULL
  RETURN collect(n.supplier_id) AS suppliers,
         collect(CASE WHEN n._reported IS NULL THEN n.supplier_id END) AS new_suppliers
}
CALL () {
  MATCH (n:Customer) WHERE n._row_sha IS NULL
  RETURN collect(n.customer_id) AS customers,
         collect(CASE WHEN n._reported IS NULL THEN n.customer_id END) AS new_customers
}
CALL () {
  MATCH (n:Location) WHERE n._row_sha IS NULL
  RETURN collect(n.location_id) AS locations,
         collect(CASE WHEN n._reported IS NULL THEN n.location_id END) AS new_locations
}
CALL () {
  MATCH (n:Device) WHERE n._row_sha IS NULL
  RETURN collect(n.device_id) AS devices,
         collect(CASE WHEN n._reported IS NULL THEN n.device_id END) AS new_devices
}
CALL () {
  MATCH (n:Operator) WHERE n._row_sha IS NULL
  RETURN collect(n.operator_id) AS operators,
         collect(CASE WHEN n._reported IS NULL THEN n.operator_id END) AS new_operators
}
RETURN materials, suppliers, customers, locations, devices, operators,
       {materials: new_materials, suppliers: new_suppliers, customers: new_customers,
        locations: new_locations, devices: new_devices, operators: new_operators} AS unreported
