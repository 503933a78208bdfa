// The source renames that ended after run $run_id started (`imports --rename-source OLD NEW`,
// rename.py), oldest first: a restore gives the sources the run's file of removed rows names
// (its rows' senders, a lot's spellings, the senders' last rows) under their names now
// (rename.current_names). A rename that ended before the run started renamed a source of that
// name that the file does not mean (the name since taken by another system). One SourceRename
// node per rename attempt: a handful, read them all.
MATCH (run:ImportRun {run_id: $run_id})
MATCH (rename:SourceRename)
WHERE rename.ended_at > run.started_at
RETURN rename.old AS old, rename.new AS new
ORDER BY rename.ended_at
