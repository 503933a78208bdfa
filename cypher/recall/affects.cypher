// A recall (not a drill) linked to a batch of the other lots it reached, so that `lot show` of
// any of them names the recall and `check` finds what was shipped or used after it. In
// batches, each its own transaction: a salt lot's recall reaches most of a plant.
MATCH (recall:Recall {recall_id: $recall_id})
UNWIND $lot_ids AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
CREATE (recall)-[:AFFECTS]->(lot)
