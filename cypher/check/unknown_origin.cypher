// Lots that were never received from a supplier nor produced by a step: stubs created because
// a later record named them (origin_known = false), and lots the lots table lists without a
// supplier or a producing step. Their history is missing from the graph.
MATCH (lot:Lot)
WHERE NOT EXISTS { (lot)-[:SUPPLIED_BY]->(:Supplier) }
  AND NOT EXISTS { (lot)<-[:PRODUCED]-(:ProcessStep) }
RETURN lot.lot_id AS lot_id,
       lot.origin_known = false AS stub,
       COUNT { (lot)-[:INPUT_TO]->(:ProcessStep) } AS used_in_steps,
       COUNT { (lot)-[:SHIPPED]->(:Shipment) } AS shipment_lines
ORDER BY lot_id
