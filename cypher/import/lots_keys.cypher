// The keys of every lots row the graph holds, for a full import (--full) to find the rows
// tonight's complete dump no longer has. One query, one list: a 1M-lot plant's ids decode
// much faster as one list than as a million records. Nodes without a row hash are known
// only from references (a stub, a device a step names): no row of lots made them.
MATCH (n:Lot)
WHERE n._row_sha IS NOT NULL
RETURN collect(n.lot_id) AS keys
