// A full import (--full) records a batch's removals on its ledger before it deletes them
// (full.remove: a run killed while deleting has said what it deletes). A step or shipment
// the delete kept — lots linked to it since keep_linked looked — was not removed: its record
// is taken back, so that the run's ledger lists only what went (it listed the step `removed`
// while the summary's rows_removed left it out and the graph still held it). Anchored on the
// kept nodes by element id (they stay, with the ABOUT edge of their record); only the records
// of this run, table and batch go. Runs only for a batch that kept something.
// Read-then-delete plans an Eager, bounded by the kept records of one batch (most often one).
UNWIND $nodes AS node
MATCH (about) WHERE elementId(about) = node
MATCH (about)<-[:ABOUT]-(change:RowChange)
WHERE change.run_id = $run_id AND change.table = $table AND change.removed
  AND change.key IN $keys
DETACH DELETE change
RETURN count(*) AS taken_back
