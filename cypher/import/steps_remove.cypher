// A full import (--full): remove the steps rows tonight's complete dump no longer has, with their
// own edges. One still linked to lots it consumed or produced, or an inspection during it — rows of other
// tables that are still in the graph (their table was not in the run, or its dump still has
// them) — is kept as it is and its key returned: deleting it would silently drop links another
// dump still holds, and a recall would miss them (keeping it errs on the side of recalling).
// Read-then-delete plans an Eager, bounded by one batch of keys.
UNWIND $keys AS key
MATCH (n:ProcessStep {step_id: key})
WHERE n._row_sha IS NOT NULL
WITH n, key, EXISTS { (n)-[:INPUT_TO|PRODUCED|DURING]-() } AS used
CALL (n, used) {
  WITH n WHERE NOT used
  DETACH DELETE n
}
RETURN collect(CASE WHEN used THEN key END) AS kept
