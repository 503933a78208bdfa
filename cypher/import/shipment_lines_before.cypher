// The stored values of shipment_lines links whose rows changed, read before the change is
// written: the run's ledger records each changed column's old and new value
// (tracegraph.importing.changes).
// Anchored on the lot, as step_inputs_shas.cypher explains.
UNWIND $rows AS row
MATCH (lot:Lot {lot_id: row.lot_id})-[r:SHIPPED]->(parent)
WHERE parent.shipment_id = row.shipment_id
RETURN row.shipment_id AS parent, row.lot_id AS lot_id, properties(r) AS props,
  [elementId(parent), elementId(lot)] AS nodes
