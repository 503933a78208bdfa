// lot_identifiers rows whose edge exists with other content (their extra columns changed), and
// new rows that carry extra columns (the rest take lot_identifiers_create.cypher). SET r =
// row.props replaces every property of the edge, so a changed row leaves exactly what a clean
// import of it would. A map makes Neo4j plan an Eager, which buffers only these rows.
UNWIND $rows AS row
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
MERGE (identity:Identifier {key: row.identity_key})
  ON CREATE SET identity.scheme = row.scheme, identity.issuer = row.issuer,
                identity.value = row.value
MERGE (identity)-[r:IDENTIFIES]->(lot)
SET r = row.props
