// The supplier-lot identity of new or changed lots: `supplier_lot|V7|000123` finds the lot.
// Its IDENTIFIES edge keeps the sources that send it (`_sources`, sorted, as a row's): this
// run's source ($source) is added to those another source's row left (lots_detach_identities
// took this source off every supplier-lot identity of the lot first), so two sources' spellings
// of one supplier lot both stay. $source null: a run without a source, the edge's left as is.
// A query of its own: merged together with the lot's other edges, Neo4j plans an Eager; the
// sources set in ON MATCH, not after the MERGE, which planned one too.
UNWIND $rows AS row
WITH row WHERE row.supplier_lot IS NOT NULL
MATCH (n:Lot {lot_id: row.lot_id})
MERGE (identity:Identifier {key: row.identity_key})
  ON CREATE SET identity.scheme = 'supplier_lot', identity.issuer = row.supplier_id,
                identity.value = row.supplier_lot
MERGE (identity)-[edge:IDENTIFIES]->(n)
  ON CREATE SET edge._sources = $source
  ON MATCH SET edge._sources = CASE WHEN $source IS NULL THEN edge._sources ELSE reduce(
    text = '', s IN [s IN split(coalesce(edge._sources, ''), ' ') WHERE s <> '' AND s < $source]
      + [$source] + [s IN split(coalesce(edge._sources, ''), ' ') WHERE s > $source]
    | text + CASE WHEN text = '' THEN '' ELSE ' ' END + s) END
