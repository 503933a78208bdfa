// The keys [identity_key, lot_id] of every lot_identifiers row the graph holds, for a full
// import (--full; see lots_keys.cypher). Only edges a lot_identifiers row made have a row hash:
// a supplier lot's identity belongs to its lots row.
// A serial an older version keyed under a GTIN-8, -12 or -13 issuer is given its key as this
// version makes it, GTIN-14 (cypher/migrate/serial_gtin14.cypher): a --dry-run, which migrates
// nothing, would list it "removed" while the file still has it.
MATCH (identity:Identifier)-[r:IDENTIFIES]->(lot:Lot)
WHERE r._row_sha IS NOT NULL
RETURN collect([
  CASE WHEN identity.scheme = 'serial' AND identity.issuer =~ '[0-9]{8}|[0-9]{12,13}'
       THEN 'serial|' + right('00000000000000' + identity.issuer, 14) + '|' + identity.value
       ELSE identity.key END,
  lot.lot_id
]) AS keys
