// The stored values of lot_identifiers rows whose content changed, read before the change is
// written (the run's ledger records each changed column; see step_inputs_before.cypher), and of
// rows a full import removes (removed-RUN.csv, a restore): the edge's properties (extra
// columns) and the Identifier's scheme, issuer and value, which the edge does not repeat.
UNWIND $rows AS row
MATCH (identity:Identifier {key: row.identity_key})-[r:IDENTIFIES]->(lot:Lot)
WHERE lot.lot_id = row.lot_id
RETURN row.identity_key AS parent, row.lot_id AS lot_id,
  r {.*, scheme: identity.scheme, issuer: identity.issuer, value: identity.value}
    AS props,
  [elementId(identity), elementId(lot)] AS nodes
