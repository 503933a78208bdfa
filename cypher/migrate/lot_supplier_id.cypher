// Lots imported by older versions lack the supplier_id copy of their SUPPLIED_BY edge that
// rootcause's factors query reads (it falls back to the edge, more slowly): copy it, in
// batches. Driven by the edges, so lots without a supplier are not visited. Runs at every
// `db init`; on an up-to-date graph it only reads each receipt (1M lots: ~350k).
// Returns how many it changed (`db init` and the import report it).
MATCH (lot:Lot)-[:SUPPLIED_BY]->(supplier:Supplier)
WHERE lot.supplier_id IS NULL
CALL (lot, supplier) {
  SET lot.supplier_id = supplier.supplier_id
} IN TRANSACTIONS OF 10000 ROWS
RETURN count(*) AS changed
