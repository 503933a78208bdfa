// The keys [step_id, lot_id] of every step_outputs row the graph holds, for a full import
// (--full) to find the rows tonight's complete dump no longer has: one scan of the PRODUCED
// relationships, one list (see lots_keys.cypher). Every link an import made has a row hash.
// Only the rows of the run's source $source, and rows written before rows kept their sources
// (no `_sources`; sources.other_sources let this run compare them); every row when $source is
// null (--remove-other-sources). `shared`: those another source sends too, each [key, sources]:
// a dump lacking one takes only its source off it (full.drop_sources), whose element ids
// full.compare looks up by key for those few (an id per shared row, ~45 characters each, was
// decoded every night for rows nothing dropped).
MATCH (parent:ProcessStep)-[r:PRODUCED]->(lot:Lot)
WHERE r._row_sha IS NOT NULL AND ($source IS NULL OR r._sources IS NULL
       OR $source IN split(r._sources, ' '))
WITH r, lot, parent, [parent.step_id, lot.lot_id] AS key
RETURN collect(key) AS keys,
  collect(CASE WHEN $source IS NOT NULL AND r._sources CONTAINS ' '
               THEN [key, r._sources] END) AS shared
