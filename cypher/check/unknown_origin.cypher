// Lots whose origin is not known: never received from a supplier, and made by no step — a
// step that takes the lot in and gives it back (a rework in place) does not make it. Stubs
// created because a later record named them (origin_known = false), and lots the lots table
// lists without a supplier or a step that made them. Their history is missing from the graph.
// A stub only a rework in place names came back from that step and was taken for produced.
// `lot show`, the backward trace's flag and the Browser's gaps.cypher apply the same rule.
MATCH (lot:Lot)
WHERE NOT EXISTS { (lot)-[:SUPPLIED_BY]->(:Supplier) }
  AND NOT EXISTS {
    MATCH (lot)<-[:PRODUCED]-(step:ProcessStep)
    WHERE NOT EXISTS { (lot)-[:INPUT_TO]->(step) }
  }
RETURN lot.lot_id AS lot_id,
       lot.origin_known = false AS stub,
       COUNT { (lot)-[:INPUT_TO]->(:ProcessStep) } AS used_in_steps,
       COUNT { (lot)-[:SHIPPED]->(:Shipment) } AS shipment_lines
ORDER BY lot_id
