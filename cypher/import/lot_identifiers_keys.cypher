// The keys [identity_key, lot_id] of every lot_identifiers row the graph holds, for a full
// import (--full; see lots_keys.cypher). Only edges a lot_identifiers row made have a row hash:
// a supplier lot's identity belongs to its lots row.
MATCH (identity:Identifier)-[r:IDENTIFIES]->(lot:Lot)
WHERE r._row_sha IS NOT NULL
RETURN collect([identity.key, lot.lot_id]) AS keys
