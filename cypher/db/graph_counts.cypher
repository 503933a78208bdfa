// Node counts per label and relationship counts per type, read from Neo4j's count store:
// constant time however large the graph is (no scan).
CALL db.stats.retrieve('GRAPH COUNTS') YIELD data
RETURN
  [row IN data.nodes WHERE row.label IS NULL | row.count][0] AS total_nodes,
  [row IN data.nodes WHERE row.label IS NOT NULL | {label: row.label, count: row.count}] AS nodes,
  [row IN data.relationships WHERE row.relationshipType IS NULL | row.count][0] AS total_relationships,
  [row IN data.relationships
     WHERE row.relationshipType IS NOT NULL AND row.startLabel IS NULL AND row.endLabel IS NULL
     | {type: row.relationshipType, count: row.count}] AS relationships
