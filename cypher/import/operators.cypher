// Upsert operators: SET n = row.props replaces every property, so a changed row leaves exactly
// what a clean import of it would. Only new or changed rows are sent (see operators_shas).
// ON CREATE / ON MATCH keeps the plan free of Eager; edges are written by operators_edges.
UNWIND $rows AS row
MERGE (n:Operator {operator_id: row.operator_id})
  ON CREATE SET n = row.props
  ON MATCH SET n = row.props
