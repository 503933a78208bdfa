// As set_node_shas.cypher, for the relationships of step_inputs, step_outputs, shipment_lines
// and lot_identifiers.
UNWIND $rows AS row
MATCH ()-[r]->()
WHERE elementId(r) = row.id
SET r._source_shas = row.shas
