// Holes in the chain: stub lots named by a later record but never received or produced.
MATCH (stub:Lot {origin_known: false})
OPTIONAL MATCH (stub)-[:INPUT_TO|SHIPPED]->(used)
RETURN stub, used;
