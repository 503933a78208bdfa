// bench_write_floor: a Lot with a lot row's properties (times as text, no edges), created from an
// UNWIND batch: lots_create alone, without lots_create_edges.
UNWIND $rows AS row
CREATE (n:Lot)
SET n = row
