// Every lot each of these steps made, with the quantity it made and the lot's GS1 identities
// (lot_identifiers, scheme gtin_lot: [GTIN-14, lot number]). A step is one EPCIS
// TransformationEvent with all its outputs (tracegraph/epcis.py), whichever of them the package
// reached: listing only the reached ones gave one eventID two contents in two packages, and
// told a package's reader that all the step's inputs went into the one lot it reached. Steps
// are found by their unique step_id; each costs an expansion of its PRODUCED edges and of each
// output's few IDENTIFIES edges, no scan. In ONE row of compact lists, as
// recall/lot_details returns its lots: [[step_id, [[lot_id, quantity, uom, [[gtin, lot]]]]]]
UNWIND $step_ids AS step_id
MATCH (step:ProcessStep {step_id: step_id})
RETURN collect([
  step.step_id,
  COLLECT {
    MATCH (step)-[made:PRODUCED]->(lot:Lot)
    RETURN [lot.lot_id, made.quantity, made.uom,
            COLLECT { MATCH (lot)<-[:IDENTIFIES]-(t:Identifier) WHERE t.scheme = 'gtin_lot'
                      RETURN [t.issuer, t.value] }]
  }
]) AS steps
