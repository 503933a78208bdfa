// The edges of new or changed lots: reference nodes are merged (a device or location named
// before its own record gets a bare node), edges merged. Free of Eager plans.
// receipt_location_id: where the lot was received, as the graph held it before this change (a
// moved lot keeps its receipt location), or the row's location for a lot received only now
// (see writer._receipt_location). Not named location_id: Neo4j would plan an Eager between
// setting a relationship's location_id and the Location MERGE on that property key.
UNWIND $rows AS row
MATCH (n:Lot {lot_id: row.lot_id})
MERGE (material:Material {material_id: row.material_id})
MERGE (n)-[:OF]->(material)
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.supplier_id IS NOT NULL
  MERGE (supplier:Supplier {supplier_id: row.supplier_id})
  MERGE (n)-[receipt:SUPPLIED_BY]->(supplier)
  SET receipt.supplier_lot = row.supplier_lot, receipt.received_at = datetime(row.received_at),
      receipt.received_location_id = row.receipt_location_id
}
CALL (n, row) {
  WITH n, row WHERE row.location_id IS NOT NULL
  MERGE (ref:Location {location_id: row.location_id})
  MERGE (n)-[:AT]->(ref)
}
