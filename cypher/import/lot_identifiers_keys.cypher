// The keys [identity_key, lot_id] of every lot_identifiers row the graph holds, for a full
// import (--full; see lots_keys.cypher). Only edges a lot_identifiers row made have a row hash:
// a supplier lot's identity belongs to its lots row.
// A serial an older version keyed under a GTIN-8, -12 or -13 issuer is given its key as this
// version makes it, GTIN-14 (cypher/migrate/serial_gtin14.cypher): a --dry-run, which migrates
// nothing, would list it "removed" while the file still has it.
// Only the rows of the run's source $source, and rows written before rows kept their sources
// (no `_sources`; sources.other_sources let this run compare them); every row when $source is
// null (--remove-other-sources). `shared`: those another source sends too, each [key, sources]:
// a dump lacking one takes only its source off it (full.drop_sources), whose element ids
// full.compare looks up by key for those few (an id per shared row, ~45 characters each, was
// decoded every night for rows nothing dropped).
MATCH (identity:Identifier)-[r:IDENTIFIES]->(lot:Lot)
WHERE r._row_sha IS NOT NULL AND ($source IS NULL OR r._sources IS NULL
       OR $source IN split(r._sources, ' '))
WITH r, lot, identity, [
  CASE WHEN identity.scheme = 'serial' AND identity.issuer =~ '[0-9]{8}|[0-9]{12,13}'
       THEN 'serial|' + right('00000000000000' + identity.issuer, 14) + '|' + identity.value
       ELSE identity.key END,
  lot.lot_id
] AS key
RETURN collect(key) AS keys,
  collect(CASE WHEN $source IS NOT NULL AND r._sources CONTAINS ' '
               THEN [key, r._sources] END) AS shared
