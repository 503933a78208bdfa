// Upsert inspections: SET n = row.props replaces every property, so a changed row leaves exactly
// what a clean import of it would. Only new or changed rows are sent (see inspections_shas).
// ON CREATE / ON MATCH keeps the plan free of Eager; edges are written by inspections_edges.
// Times travel as ISO 8601 text and become DateTimes here: the driver's own conversion of
// Python datetimes costs more than the whole write.
UNWIND $rows AS row
MERGE (n:Inspection {inspection_id: row.inspection_id})
  ON CREATE SET n = row.props, n.inspected_at = datetime(row.inspected_at)
  ON MATCH SET n = row.props, n.inspected_at = datetime(row.inspected_at)
