// The keys of every locations row the graph holds, for a full import (--full) to find the rows
// tonight's complete dump no longer has. One query, one list: a 1M-lot plant's ids decode
// much faster as one list than as a million records. Nodes without a row hash are known
// only from references (a stub, a device a step names): no row of locations made them.
MATCH (n:Location)
WHERE n._row_sha IS NOT NULL
RETURN collect(n.location_id) AS keys
