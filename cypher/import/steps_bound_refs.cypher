// The devices and operators whose bounds steps_longest_* raise next, made if no row made them
// yet: the bounds are raised before the steps' own transaction (writer._raise_longest), so a
// device only steps name does not exist yet; made as steps_create_edges would make it (its id
// alone). Apart from steps_longest_*, whose MATCH after a MERGE would be planned with an Eager.
CALL () {
  UNWIND $devices AS id
  MERGE (:Device {device_id: id})
}
CALL () {
  UNWIND $operators AS id
  MERGE (:Operator {operator_id: id})
}
