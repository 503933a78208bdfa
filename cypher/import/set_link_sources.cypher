// The sources that send a link row (`_sources`, sorted) whose content stays: as
// set_node_sources.cypher, for the relationships of step_inputs, step_outputs, shipment_lines
// and lot_identifiers, found by the element ids this run read, one seek each; with the
// senders' last row hashes (`_source_shas`), as there.
UNWIND $rows AS row
MATCH ()-[r]->()
WHERE elementId(r) = row.id
SET r._sources = row.sources, r._source_shas = row.shas
