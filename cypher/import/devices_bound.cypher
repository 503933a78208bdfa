// The bound of these devices' steps (longest_step_s), computed from the steps the graph holds, as
// the importer computes it (writer._longest_steps: the longest step in whole seconds rounded up,
// plus one); no steps, no bound (null removes it) — what a clean import of those steps leaves.
// Run for two reasons, one device's history each:
// - after changed devices rows, in the row's own transaction: `SET n = row.props`
//   (devices.cypher) drops longest_step_s with the other properties, and without it the device's
//   windows read its whole history until a later steps batch raised it again. Steps the run
//   changes are written after this table and raise the bound where they need (IMPORT_ORDER).
//   Rows seldom change, but an export that gains a column rewrites every device, and then every
//   step is read once. (Keeping the old bound in devices.cypher plans an Eager.)
// - at the end of a run, for the devices a step changed its times or device on, or was removed
//   from (writer.settle_bounds): steps only ever raise a bound, and a corrected typo (a step ten
//   days long) left it ten days wide, which a clean import does not.
UNWIND $keys AS key
MATCH (n:Device {device_id: key})
SET n.longest_step_s = COLLECT {
  MATCH (n)<-[:ON]-(step:ProcessStep)
  WITH duration.inSeconds(step.started_at, coalesce(step.ended_at, step.started_at)) AS took
  RETURN max(CASE WHEN took.seconds < 0 THEN 0
                  ELSE took.seconds + CASE WHEN took.nanosecondsOfSecond > 0 THEN 1 ELSE 0 END
             END) + 1
}[0]
