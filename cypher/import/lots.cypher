// Upsert lots with their material, supplier receipt, supplier-lot identity and location.
// A lot first seen as a reference (a stub, origin_known = false) becomes known here.
// Unchanged rows are skipped; a changed row replaces its edges, so the graph equals a clean import.
UNWIND $rows AS row
MERGE (n:Lot {lot_id: row.lot_id})
WITH n, row
WHERE n._row_sha IS NULL OR n._row_sha <> row.props._row_sha
SET n = row.props
WITH n, row
CALL (n) {
  MATCH (n)-[old:OF|SUPPLIED_BY|AT]->()
  DELETE old
}
CALL (n) {
  MATCH (:Identifier {scheme: 'supplier_lot'})-[old:IDENTIFIES]->(n)
  DELETE old
}
MERGE (material:Material {material_id: row.material_id})
MERGE (n)-[:OF]->(material)
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.supplier_id IS NOT NULL
  MERGE (supplier:Supplier {supplier_id: row.supplier_id})
  CREATE (n)-[:SUPPLIED_BY {supplier_lot: row.supplier_lot, received_at: row.received_at}]->(supplier)
}
CALL (n, row) {
  WITH n, row WHERE row.supplier_lot IS NOT NULL
  MERGE (identity:Identifier {key: row.identity_key})
    ON CREATE SET identity.scheme = 'supplier_lot', identity.issuer = row.supplier_id,
                  identity.value = row.supplier_lot
  MERGE (identity)-[:IDENTIFIES]->(n)
}
CALL (n, row) {
  WITH n, row WHERE row.location_id IS NOT NULL
  MERGE (location:Location {location_id: row.location_id})
  MERGE (n)-[:AT]->(location)
}
RETURN count(n) AS changed
