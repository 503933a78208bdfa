// The source renames that ended (`imports --rename-source OLD NEW`, rename.py), oldest first:
// a restore gives the sources a run's file of removed rows names (its rows' senders, a lot's
// spellings, the senders' last rows) under their names now (rename.current_names). One
// SourceRename node per rename attempt: a handful, read them all.
MATCH (rename:SourceRename)
WHERE rename.ended_at IS NOT NULL
RETURN rename.old AS old, rename.new AS new
ORDER BY rename.ended_at
