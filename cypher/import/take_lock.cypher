// Take the write lock on the import lock node: run in a transaction that is never committed, it
// holds the lock until that transaction ends — when the import finishes, or when the importer
// dies and the server drops its connection. A second import waits here (and gives up after a
// short transaction timeout). $token differs per call so the SET is a real write.
MATCH (lock:ImportLock {name: 'import'})
SET lock.taken_by = $token
RETURN count(lock) AS locked
