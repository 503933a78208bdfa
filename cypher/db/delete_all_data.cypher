// Empty the database, second step (after delete_all_relationships): nodes in batches, so that
// a large graph does not need one huge transaction.
// Runs as an implicit (auto-commit) transaction, which CALL … IN TRANSACTIONS requires.
// $keep_labels: nodes left for last (the import lock node, held while the rest is deleted).
MATCH (n) WHERE NOT any(label IN labels(n) WHERE label IN $keep_labels)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS
