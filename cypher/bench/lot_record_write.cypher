// bench-lot-records: the prepared record of each lot, as JSON text in a scratch property
// (_bench_record; removed by lot_record_remove.cypher when the benchmark ends).
UNWIND $records AS record
MATCH (lot:Lot {lot_id: record.lot_id})
SET lot._bench_record = record.text
