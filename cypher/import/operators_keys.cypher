// The keys of every operators row the graph holds, for a full import (--full) to find the rows
// tonight's complete dump no longer has. One query, one list: a 1M-lot plant's ids decode
// much faster as one list than as a million records. Nodes without a row hash are known
// only from references (a stub, a device a step names): no row of operators made them.
MATCH (n:Operator)
WHERE n._row_sha IS NOT NULL
RETURN collect(n.operator_id) AS keys
