// Empty the database, first step: relationships in batches. Deleting a node with its
// relationships (DETACH DELETE) in one inner transaction stalls on dense nodes — a Location
// or Material holds a million relationships in a large plant.
MATCH ()-[r]->()
CALL (r) {
  DELETE r
} IN TRANSACTIONS OF 10000 ROWS
