// The data format the store holds, for `db status`: the highest format_level an import stamped
// on its ledger entry (schema.FORMAT_LEVEL of the tracegraph that ran it; null when no import
// stamped one). Above this tracegraph's level, a newer tracegraph wrote the store and this one
// would read its keys wrongly: `db status` says to upgrade. ImportRun.format_level is indexed
// (models.py): Neo4j reads the max from the end of the index (2 db hits), where it scanned the
// label, every run (60,000 db hits, 0.1 s, with 30,000 runs).
MATCH (run:ImportRun)
RETURN max(run.format_level) AS level
