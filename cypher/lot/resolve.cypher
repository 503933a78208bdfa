// Which lots each given id names: a lot id, an identity key (`supplier_lot|V07|000123`) or
// an identity value alone (a bare supplier lot number, a traceability lot code, …). The library
// decides (lots.resolve_lots): a lot id, unless it is also another lot's identity value (then
// both are named, never one), then a key, then — for a unit's `serial|GTIN|SN` no identity
// has — the one lot the serial imported without a GTIN (`serial||SN`) names, if that lot is
// not known under another GTIN, then a value that names exactly one lot; `shipment|X` names
// the lots on shipment X. One row with a map per id, in the order given: a row per id costs
// more than the look-ups (1,000 ids).
UNWIND $ids AS id
RETURN collect({
  id: id,
  by_lot_id: COLLECT { MATCH (lot:Lot {lot_id: id}) RETURN lot.lot_id },
  by_key: COLLECT { MATCH (:Identifier {key: id})-[:IDENTIFIES]->(lot:Lot) RETURN lot.lot_id },
  by_value: COLLECT {
    MATCH (identity:Identifier {value: id})-[:IDENTIFIES]->(lot:Lot)
    RETURN {lot_id: lot.lot_id, scheme: identity.scheme, issuer: identity.issuer,
            key: identity.key}
  },
  // `shipment|X`: the lots shipment X carried (a complaint quotes its delivery)
  by_shipment: CASE WHEN id STARTS WITH 'shipment|' THEN COLLECT {
    MATCH (lot:Lot)-[:SHIPPED]->(:Shipment {shipment_id: substring(id, 9)})
    RETURN DISTINCT lot.lot_id
  } ELSE [] END,
  // `serial|GTIN-14|SN` (a unit's label): the lots of serial SN imported without its GTIN,
  // `serial||SN` (plants often record serials so), each with the GTINs it is known under
  // (its gtin_lot identities' and GTIN-issued serials'); the library takes them only when no
  // identity has the key itself (lots.AskedLots.decided)
  by_serial: CASE WHEN id =~ '(?s)serial\\|[0-9]{14}\\|.+' THEN COLLECT {
    MATCH (:Identifier {key: 'serial||' + substring(id, 22)})-[:IDENTIFIES]->(lot:Lot)
    RETURN {lot_id: lot.lot_id, gtins: COLLECT {
      MATCH (lot)<-[:IDENTIFIES]-(named:Identifier)
      WHERE named.scheme IN ['gtin_lot', 'serial'] AND named.issuer =~ '[0-9]{14}'
      RETURN DISTINCT named.issuer
    }}
  } ELSE [] END
}) AS ids
