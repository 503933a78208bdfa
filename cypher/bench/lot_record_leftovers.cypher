// bench-lot-records: lots that still hold a record from a run that was killed before it removed
// them (a kill -9 skips the run's own clean-up); removed before measuring, since a later import
// would take the scratch property for an extra column of the lot's row.
MATCH (lot:Lot) WHERE lot._bench_record IS NOT NULL
RETURN collect(lot.lot_id) AS lot_ids
