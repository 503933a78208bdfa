// `imports --rename-source OLD NEW` run again once OLD has no run left (rename.py): the
// renames to $new that ended, newest first, to say it was done then. SourceRename nodes are
// one per rename: read them all.
MATCH (rename:SourceRename)
WHERE rename.old = $old AND rename.new = $new AND rename.ended_at IS NOT NULL
RETURN rename.ended_at AS ended_at
ORDER BY ended_at DESC
LIMIT 1
