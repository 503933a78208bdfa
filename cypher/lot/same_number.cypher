// Lots whose id or an identity value is exactly one of $ids: the library passes the typed id
// with its numbers zero-padded to other widths and in capitals (R19 -> R0000019, 123 -> 000123,
// r0000019 -> R0000019). The full-text index cannot find those: `r19~` is five edits from
// r0000019, and a supplier lot number typed without its leading zeros is the commonest miss.
// Index seeks only (lot_id's unique constraint, Identifier.value's range index).
UNWIND $ids AS id
CALL (id) {
  MATCH (lot:Lot {lot_id: id})
  RETURN lot.lot_id AS lot_id, null AS alias
  UNION
  MATCH (identity:Identifier {value: id})-[:IDENTIFIES]->(lot:Lot)
  RETURN lot.lot_id AS lot_id,
         identity.scheme + ' ' + coalesce(identity.issuer, '') + ' ' + identity.value AS alias
}
RETURN lot_id, collect(DISTINCT alias) AS aliases
