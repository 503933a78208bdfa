// bench-lot-records: trace/forward.cypher's traversal alone — how many lots it reaches, nothing
// read from them and no shipments (which the other two ways both read): the floor under any way
// of answering a forward trace with this traversal.
MATCH (source:Lot) WHERE source.lot_id IN $lot_ids
MATCH (source)-[:INPUT_TO|PRODUCED*0..]->(lot:Lot)
WITH DISTINCT elementId(lot) AS node_id
RETURN count(*) AS lots
