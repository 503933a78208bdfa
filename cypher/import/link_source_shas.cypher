// As node_source_shas.cypher, for the relationships of step_inputs, step_outputs,
// shipment_lines and lot_identifiers.
UNWIND $ids AS id
MATCH ()-[r]->()
WHERE elementId(r) = id
RETURN id, r._sources AS sources, r._source_shas AS shas
