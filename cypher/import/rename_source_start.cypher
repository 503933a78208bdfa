// `imports --rename-source OLD NEW` (rename.py): the ledger's record of the rename, before any
// row is renamed — who asked, from where, when. rename_source_runs.cypher ends it; one that
// has no `ended_at` was killed part-way (running the rename again finishes its work).
CREATE (rename:SourceRename)
SET rename = $props
