// Whether a supplier with this id exists: an unknown supplier is an error, not an empty answer.
RETURN EXISTS { MATCH (:Supplier {supplier_id: $supplier_id}) } AS found
