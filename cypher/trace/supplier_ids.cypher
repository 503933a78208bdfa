// Every supplier id: read only when a window names an unknown supplier, to suggest close ids.
MATCH (supplier:Supplier)
RETURN collect(supplier.supplier_id) AS ids
