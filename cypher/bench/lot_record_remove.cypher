// bench-lot-records: the scratch records removed, a batch of lots at a time.
UNWIND $lot_ids AS lot_id
MATCH (lot:Lot {lot_id: lot_id})
REMOVE lot._bench_record
