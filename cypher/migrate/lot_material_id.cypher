// Lots imported by older versions lack the material_id property the composite index
// lot_material_created needs: copy it from the OF edge, in batches so that a graph of millions
// of lots does not build one huge transaction (1M lots: 21 s). A lot without an OF edge (a
// stub) is left as is. Runs at every `db init`; on an up-to-date graph it only reads each lot's
// material_id (1M lots: 0.8 s).
// Returns how many it changed (`db init` and the import report it).
MATCH (lot:Lot) WHERE lot.material_id IS NULL
CALL (lot) {
  MATCH (lot)-[:OF]->(material:Material)
  SET lot.material_id = material.material_id
  RETURN count(*) AS copied
} IN TRANSACTIONS OF 10000 ROWS
RETURN sum(copied) AS changed
