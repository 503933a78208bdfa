// The data format the store holds, for `db status`: the highest format_level an import stamped
// on its ledger entry (schema.FORMAT_LEVEL of the tracegraph that ran it; null when no import
// stamped one). Above this tracegraph's level, a newer tracegraph wrote the store and this one
// would read its keys wrongly: `db status` says to upgrade. A label scan of ImportRun, one node
// per import (a few thousand after years of nightly runs: see the commit for its PROFILE); an
// index on format_level would be kept up for this one status line.
MATCH (run:ImportRun)
RETURN max(run.format_level) AS level
