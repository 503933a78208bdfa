// Upsert lots: SET n = row.props replaces every property, so a changed row leaves exactly
// what a clean import of it would. Only new or changed rows are sent (see lots_shas).
// ON CREATE / ON MATCH keeps the plan free of Eager; edges are written by lots_edges.
// Times travel as ISO 8601 text and become DateTimes here: the driver's own conversion of
// Python datetimes costs more than the whole write.
UNWIND $rows AS row
MERGE (n:Lot {lot_id: row.lot_id})
  ON CREATE SET n = row.props, n.created_at = datetime(row.created_at), n.expires_at = datetime(row.expires_at)
  ON MATCH SET n = row.props, n.created_at = datetime(row.created_at), n.expires_at = datetime(row.expires_at)
