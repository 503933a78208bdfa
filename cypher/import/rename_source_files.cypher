// `imports --rename-source OLD NEW` (rename.py), in rename_source_runs' transaction: the
// ledger's files of $old take $new as their source, and the files of both names are no longer
// `clean`: the rows each source sends changed, so the next import reads its files again,
// unchanged or not (skipped, an unchanged full dump left the rows renamed to NEW that it
// lacks: never compared). Its own statement: beside the runs' SET on `source`, Neo4j planned an
// Eager. Every file read (one per night and file, a few ms, once), collected before the SET.
MATCH (file:ImportedFile)
WHERE file.source = $old OR file.source = $new
WITH collect(file) AS files
FOREACH (file IN files | SET file.source = $new, file.clean = false)
