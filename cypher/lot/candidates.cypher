// Lots whose id or alias is close to a text that matched nothing exactly (typo, missing leading
// zeros, a prefix), from the full-text index over lot ids and identity values. $search is a
// Lucene query the library builds from escaped terms; it never reaches the Cypher text.
CALL db.index.fulltext.queryNodes('lot_identity_fulltext', $search) YIELD node, score
WITH node, score
ORDER BY score DESC
LIMIT 100
OPTIONAL MATCH (node)-[:IDENTIFIES]->(aliased:Lot)
WITH coalesce(node.lot_id, aliased.lot_id) AS lot_id,
     CASE WHEN node:Identifier THEN node.scheme + coalesce(' ' + node.issuer, '') + ' ' + node.value END AS alias,
     score
WHERE lot_id IS NOT NULL
RETURN lot_id, collect(DISTINCT alias) AS aliases, max(score) AS score
ORDER BY score DESC, lot_id
LIMIT $limit
