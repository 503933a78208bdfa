// The times, edges and identity of lots lots_create just made, in the same transaction: reference
// nodes merged, edges created (the lot is new, so none can exist). Free of Eager plans.
// A received lot's SUPPLIED_BY keeps where it was received (received_location_id): the lot's
// location as the importer first sees it received. A later row moves the lot (its AT edge), not
// its receipt (see writer._receipt_location). A dump whose first row already shows the lot moved
// records that later location: the export holds no other. The identity's IDENTIFIES edge keeps
// the sources that send it (`_sources`: the new lot's, this run's source; see lots_identities).
UNWIND $rows AS row
MATCH (n:Lot {lot_id: row.lot_id})
SET n.created_at = datetime(row.created_at), n.expires_at = datetime(row.expires_at)
MERGE (material:Material {material_id: row.material_id})
CREATE (n)-[:OF]->(material)
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.supplier_id IS NOT NULL
  MERGE (supplier:Supplier {supplier_id: row.supplier_id})
  CREATE (n)-[:SUPPLIED_BY {supplier_lot: row.supplier_lot, received_at: datetime(row.received_at),
                          received_location_id: row.location_id}]->(supplier)
}
CALL (n, row) {
  WITH n, row WHERE row.location_id IS NOT NULL
  MERGE (ref:Location {location_id: row.location_id})
  CREATE (n)-[:AT]->(ref)
}
CALL (n, row) {
  WITH n, row WHERE row.supplier_lot IS NOT NULL
  MERGE (identity:Identifier {key: row.identity_key})
    ON CREATE SET identity.scheme = 'supplier_lot', identity.issuer = row.supplier_id,
                  identity.value = row.supplier_lot
  CREATE (identity)-[:IDENTIFIES {_sources: row.props._sources}]->(n)
}
