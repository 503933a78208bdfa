// The ledger of an import run: one RowChange per changed row (which columns, old and new value
// of each), linked to the run and to the node(s) the row is about (a lot, a step; for a link
// row its step or shipment and its lot). Written before the change itself: a run killed in
// between has recorded a change it did not make yet, and the re-run records it again under its
// own run — never a change without its record. A change about a lot keeps the lot's key
// (lot_id): the ABOUT edge goes with the node when a --full run deletes the lot, and once the
// lot is back (restored, or sent again by any source) `lot show` finds its history by the key
// (lot/show.cypher, index RowChange.lot_id). Neo4j plans an Eager (the look-up by element id
// could see a RowChange an earlier row created); it buffers only the changed rows of a batch.
MATCH (run:ImportRun {run_id: $run_id})
UNWIND $changes AS change
CREATE (run)-[:CHANGED]->(record:RowChange)
SET record = change.props
WITH record, change
UNWIND change.nodes AS node
MATCH (about) WHERE elementId(about) = node
CREATE (record)-[:ABOUT]->(about)
FOREACH (lot IN CASE WHEN about:Lot THEN [about] ELSE [] END | SET record.lot_id = lot.lot_id)
