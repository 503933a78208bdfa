// The bound of changed operators' steps, written again after their rows: `SET n = row.props`
// (operators.cypher) drops longest_step_s with the other properties, and without it the operator's
// windows read its whole history until a later steps batch raised it again. Its steps did not
// change with its row, so the bound is theirs, computed as the importer computes it
// (writer._longest_steps: the longest step in whole seconds rounded up, plus one); no steps, no
// bound (null removes it), as a clean import of the same files leaves. Read in the row's own
// transaction, so no step can come between. One operator's history per changed row: a busy
// operator's rows seldom change. (Reading the old bound in operators.cypher plans an Eager.)
UNWIND $keys AS key
MATCH (n:Operator {operator_id: key})
SET n.longest_step_s = COLLECT {
  MATCH (n)<-[:BY]-(step:ProcessStep)
  WITH duration.inSeconds(step.started_at, coalesce(step.ended_at, step.started_at)) AS took
  RETURN max(CASE WHEN took.seconds < 0 THEN 0
                  ELSE took.seconds + CASE WHEN took.nanosecondsOfSecond > 0 THEN 1 ELSE 0 END
             END) + 1
}[0]
