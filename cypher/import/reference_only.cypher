// Master data known only from references — a step's device, a lot's material, created by the
// MERGE of the row naming it — and never from a row of its own (no _row_sha). Read before and
// after an import to name those it added: a typo in a reference makes one.
CALL () { MATCH (n:Material) WHERE n._row_sha IS NULL RETURN collect(n.material_id) AS materials }
CALL () { MATCH (n:Supplier) WHERE n._row_sha IS NULL RETURN collect(n.supplier_id) AS suppliers }
CALL () { MATCH (n:Customer) WHERE n._row_sha IS NULL RETURN collect(n.customer_id) AS customers }
CALL () { MATCH (n:Location) WHERE n._row_sha IS NULL RETURN collect(n.location_id) AS locations }
CALL () { MATCH (n:Device) WHERE n._row_sha IS NULL RETURN collect(n.device_id) AS devices }
CALL () { MATCH (n:Operator) WHERE n._row_sha IS NULL RETURN collect(n.operator_id) AS operators }
RETURN materials, suppliers, customers, locations, devices, operators
