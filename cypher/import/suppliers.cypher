// Upsert suppliers: SET n = row.props replaces every property, so a changed row leaves exactly
// what a clean import of it would. Only new or changed rows are sent (see suppliers_shas).
// ON CREATE / ON MATCH keeps the plan free of Eager; edges are written by suppliers_edges.
UNWIND $rows AS row
MERGE (n:Supplier {supplier_id: row.supplier_id})
  ON CREATE SET n = row.props
  ON MATCH SET n = row.props
