// Upsert steps: SET n = row.props replaces every property, so a changed row leaves exactly
// what a clean import of it would. Only new or changed rows are sent (see steps_shas).
// ON CREATE / ON MATCH keeps the plan free of Eager; edges are written by steps_edges.
// Times travel as ISO 8601 text and become DateTimes here: the driver's own conversion of
// Python datetimes costs more than the whole write.
UNWIND $rows AS row
MERGE (n:ProcessStep {step_id: row.step_id})
  ON CREATE SET n = row.props, n.started_at = datetime(row.started_at), n.ended_at = datetime(row.ended_at)
  ON MATCH SET n = row.props, n.started_at = datetime(row.started_at), n.ended_at = datetime(row.ended_at)
