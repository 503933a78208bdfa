// Where the lots a forward trace found with something left are, and when they expire: the
// recall's list of what to block. Asked apart from cypher/trace/forward.cypher, for those
// lots only: that query is benchmarked, and most reached lots are used up or shipped.
// One row of compact lists [lot_id, location_id, location_name, expires_at], as forward.cypher
// returns its lots (a row per lot costs the driver more). A lot is at one location (the
// import writes one AT edge per lot); times travel as text.
UNWIND $lot_ids AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
WITH lot, [(lot)-[:AT]->(place:Location) | place][0] AS place
RETURN collect([lot.lot_id, place.location_id, place.name, toString(lot.expires_at)]) AS lots
