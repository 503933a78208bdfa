// The sources that send a row (`_sources`, sorted), for nodes whose content stays: an unchanged
// row a second source sends too (writer._write_batch), a row a --full run's source no longer
// sends while another still does (full.drop_sources). Only the list is written, no content,
// no ledger change: the nodes are found by the element ids the *_shas or *_keys query read in
// this run (the import lock keeps them), one seek each. With each sender's last row hash
// (`_source_shas`, entries sorted by source; writer.source_shas), null where one source sends
// it and none was taken off it.
UNWIND $rows AS row
MATCH (n)
WHERE elementId(n) = row.id
SET n._sources = row.sources, n._source_shas = row.shas
