// The supplier-lot identity of new or changed lots: `supplier_lot|V7|000123` finds the lot.
// A query of its own: merged together with the lot's other edges, Neo4j plans an Eager.
UNWIND $rows AS row
WITH row WHERE row.supplier_lot IS NOT NULL
MATCH (n:Lot {lot_id: row.lot_id})
MERGE (identity:Identifier {key: row.identity_key})
  ON CREATE SET identity.scheme = 'supplier_lot', identity.issuer = row.supplier_id,
                identity.value = row.supplier_lot
MERGE (identity)-[:IDENTIFIES]->(n)
