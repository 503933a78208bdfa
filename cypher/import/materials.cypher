// Upsert materials: SET n = row.props replaces every property, so a changed row leaves exactly
// what a clean import of it would. Only new or changed rows are sent (see materials_shas).
// ON CREATE / ON MATCH keeps the plan free of Eager; edges are written by materials_edges.
UNWIND $rows AS row
MERGE (n:Material {material_id: row.material_id})
  ON CREATE SET n = row.props
  ON MATCH SET n = row.props
