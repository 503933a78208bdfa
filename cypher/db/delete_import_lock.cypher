// Empty the database, last step (after delete_all_data kept it): the import lock node, deleted
// once the lock it stands for is let go. Only it: an import that took the lock meanwhile has
// written batches of its own by now, which are not the reset's to delete.
MATCH (lock:ImportLock)
DETACH DELETE lock
