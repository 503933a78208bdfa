// Empty the database, second step (after delete_all_relationships): nodes in batches, so that
// a large graph does not need one huge transaction.
// Runs as an implicit (auto-commit) transaction, which CALL … IN TRANSACTIONS requires.
MATCH (n)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS
