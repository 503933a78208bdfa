// Upsert shipments: SET n = row.props replaces every property, so a changed row leaves exactly
// what a clean import of it would. Only new or changed rows are sent (see shipments_shas).
// ON CREATE / ON MATCH keeps the plan free of Eager; edges are written by shipments_edges.
// Times travel as ISO 8601 text and become DateTimes here: the driver's own conversion of
// Python datetimes costs more than the whole write.
UNWIND $rows AS row
MERGE (n:Shipment {shipment_id: row.shipment_id})
  ON CREATE SET n = row.props, n.shipped_at = datetime(row.shipped_at)
  ON MATCH SET n = row.props, n.shipped_at = datetime(row.shipped_at)
