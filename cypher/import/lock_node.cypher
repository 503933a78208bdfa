// The node imports take turns on (see import/take_lock); created once, kept by the uniqueness
// constraint on ImportLock.name from racing into two.
MERGE (:ImportLock {name: 'import'})
