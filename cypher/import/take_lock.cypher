// Take the write lock on the import lock node: run in a transaction that is never committed, it
// holds the lock until that transaction ends — when the import finishes, or when the importer
// dies and the server drops its connection. The SET is what takes the lock (nothing is ever
// committed); $token is the run id. See db.held_lock for how a second import waits.
MATCH (lock:ImportLock {name: 'import'})
SET lock.taken_by = $token
RETURN count(lock) AS locked
