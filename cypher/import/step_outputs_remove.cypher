// A full import (--full): remove the step_outputs links tonight's complete dump no longer has
// (a lot no longer produced by a step). Keys are [step_id, lot_id]; anchored on the lot, the
// parent matched by property, as step_outputs_shas.cypher explains. A stub lot left with no link is
// deleted at the end of the import (delete_orphan_references.cypher).
UNWIND $keys AS key
MATCH (lot:Lot {lot_id: key[1]})<-[r:PRODUCED]-(parent)
WHERE parent.step_id = key[0]
DELETE r
RETURN count(r) AS removed
