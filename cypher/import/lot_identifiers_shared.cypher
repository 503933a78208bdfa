// Of the identities a run's lot_identifiers rows wrote, those that name more than one lot,
// with the lots they name, for the import's note (writer._shared_identities). One look-up by
// the unique key per identity; a name of one lot returns nothing.
UNWIND $keys AS key
MATCH (identity:Identifier {key: key})
WITH identity, COLLECT { MATCH (identity)-[:IDENTIFIES]->(lot:Lot) RETURN lot.lot_id ORDER BY lot.lot_id } AS lots
WHERE size(lots) > 1
RETURN identity.key AS key, lots
ORDER BY key
