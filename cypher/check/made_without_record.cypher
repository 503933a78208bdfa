// Lots a step made that the lots table never listed: a step_outputs row named them, their own
// row never came (an export that leaves out the lots a work order booked, or a delta whose lots
// file failed). Their origin is known — the step, which unknown_origin.cypher counts as made —
// but they are stubs (origin_known = false): no material, no quantity, no status. A trace
// reaches them and finds nothing to weigh them by; a recall cannot say how much of them there
// was or what they are. A rework in place (a step that took the lot in and gave it back) makes
// nothing: such a lot is unknown_origin's. The import's note and its ledger's stubs_left name
// them too, but only on the night it ran.
MATCH (lot:Lot)
WHERE lot.origin_known = false
  AND EXISTS {
    MATCH (lot)<-[:PRODUCED]-(step:ProcessStep)
    WHERE NOT EXISTS { (lot)-[:INPUT_TO]->(step) }
  }
RETURN lot.lot_id AS lot_id,
       COLLECT {
         MATCH (lot)<-[:PRODUCED]-(step:ProcessStep)
         WHERE NOT EXISTS { (lot)-[:INPUT_TO]->(step) }
         RETURN step.step_id ORDER BY step.step_id
       } AS made_by,
       COUNT { (lot)-[:INPUT_TO]->(:ProcessStep) } AS used_in_steps,
       COUNT { (lot)-[:SHIPPED]->(:Shipment) } AS shipment_lines
ORDER BY lot_id
