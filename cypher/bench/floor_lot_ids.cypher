// bench_write_floor: the least a node row can cost — a Lot with its id alone, created from an
// UNWIND batch, as the importer's lots_create does with a lot's every property.
UNWIND $rows AS row
CREATE (:Lot {lot_id: row.lot_id})
