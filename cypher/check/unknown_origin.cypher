// Lots whose origin is not known: never received from a supplier, and made by no step — a
// step that takes the lot in and gives it back (a rework in place) does not make it. Stubs
// created because a later record named them (origin_known = false), and lots the lots table
// lists without a supplier or a step that made them. Their history is missing from the graph.
// A stub only a rework in place names came back from that step and was taken for produced.
// Also the lots of a loop with nothing coming in (X1 -> X2 -> X3 -> X1, none received): their
// steps made them from each other alone, so where they came from is not known — a backward
// trace said so, this check passed over them. A lot is in such a loop when everything it was
// made from, however far back (lots and steps), was also made from it, and none of that was
// received (a step with no inputs is made from nothing in it: it gives the loop an origin). A
// lot made from such a loop is produced, as one made from any lot of unknown origin is.
// `lot show` (cypher/lot/closed_loop.cypher), the backward trace's flag (flow._closed) and the
// Browser's gaps.cypher apply the same rule (gaps.cypher leaves the loops out: it lists the
// first holes of a canvas).
// Bounded: the walks up and down the lot's genealogy (distinct nodes, a breadth-first search,
// no path enumeration) run only for lots that pass cheap tests first: made by a step, used
// (a degree), and no received lot two generations up or less (a bounded expansion that stops
// at the first: it drops most made lots, a 100k-lot bakery's baked lots among them). The walks
// go 80 relationships (40 lots) up and down at most: unbounded, each lot of a long chain with
// no received lot near (silo transfers, repacks) walked all of it above itself — a 4,000-lot
// chain's check took 19.8 s where it took 0.25 s. A loop of up to 40 lots is found as
// before; of a longer loop fed from outside further than that, a lot may be listed (`lot
// show` and the backward trace, which walk a lot's whole genealogy, say it is produced).
// Degrees before expansions, as in the Browser's gaps.cypher: a lot's every link is in one
// chain (fewer than 50), the ledger's ABOUT links from RowChange nodes too, and an expansion
// from the lot reads them all, so the check grew with each night's changes. "Received" is a
// degree (SUPPLIED_BY only ever ends at a Supplier); a lot made by more steps than it went
// into is made (a step and a lot have one link of a type: some step that made it did not take
// it in) without an expansion; only the others are sought, a rework in place from the step,
// whose links are few. 20k-lot plant: 660,399 -> 411,913 db hits; after 2 nights changing
// 14,993 lots, 698,858 -> 435,276 (a made lot a later step used still reads its ledger links).
MATCH (lot:Lot)
WHERE NOT EXISTS { (lot)-[:SUPPLIED_BY]->() }
WITH lot, COUNT { (lot)<-[:PRODUCED]-() } > COUNT { (lot)-[:INPUT_TO]->() } OR EXISTS {
       MATCH (lot)<-[:PRODUCED]-(step:ProcessStep)
       WHERE NOT EXISTS { (step)<-[:INPUT_TO]-(lot) }
     } AS made
CALL (lot, made) {
  WITH lot
  WHERE NOT made
  RETURN false AS in_closed_loop
  UNION ALL
  WITH lot
  WHERE made
    AND EXISTS { (lot)-[:INPUT_TO]->() }
  WITH lot
  WHERE NOT EXISTS {
    MATCH (lot)<-[:PRODUCED|INPUT_TO*1..4]-(first:Lot)
    WHERE NOT EXISTS { (first)<-[:PRODUCED]-() }
  }
  WITH lot, COLLECT { MATCH (lot)<-[:PRODUCED|INPUT_TO*1..80]-(up) RETURN DISTINCT up }
            AS ancestors
  WHERE none(up IN ancestors WHERE EXISTS { (up)-[:SUPPLIED_BY]->() })
  WITH lot, ancestors,
       COLLECT { MATCH (lot)-[:INPUT_TO|PRODUCED*1..80]->(down) RETURN DISTINCT down }
         AS descendants
  WHERE all(up IN ancestors WHERE up IN descendants)
  RETURN true AS in_closed_loop
}
RETURN lot.lot_id AS lot_id,
       lot.origin_known = false AS stub,
       in_closed_loop,
       COUNT { (lot)-[:INPUT_TO]->(:ProcessStep) } AS used_in_steps,
       COUNT { (lot)-[:SHIPPED]->(:Shipment) } AS shipment_lines
ORDER BY lot_id
