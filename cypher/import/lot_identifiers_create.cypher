// lot_identifiers rows whose identity does not name their lot yet (the importer read the
// edges that exist with their hashes first): CREATE needs no check for an existing edge.
// Changed rows, and new ones with extra columns, take lot_identifiers.cypher.
// The Identifier is merged under its key's uniqueness constraint: one identity may name several
// lots (a supplier's TLC received as two internal lots), and resolve_lots lists them all.
// A lot not seen before becomes a stub with origin_known = false, as a step input's does.
UNWIND $rows AS row
MERGE (lot:Lot {lot_id: row.lot_id})
  ON CREATE SET lot.origin_known = false
MERGE (identity:Identifier {key: row.identity_key})
  ON CREATE SET identity.scheme = row.scheme, identity.issuer = row.issuer,
                identity.value = row.value
CREATE (identity)-[r:IDENTIFIES]->(lot)
SET r._row_sha = row.sha, r._sources = row.sources
