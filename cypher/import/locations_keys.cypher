// The keys of every locations row the graph holds, for a full import (--full) to find the rows
// tonight's complete dump no longer has. One query, one list: a 1M-lot plant's ids decode
// much faster as one list than as a million records. Nodes without a row hash are known
// only from references (a stub, a device a step names): no row of locations made them.
// Only the rows of the run's source $source, and rows written before rows kept their sources
// (no `_sources`; sources.other_sources let this run compare them); every row when $source is
// null (--remove-other-sources). `shared`: those another source sends too, each [key, sources]:
// a dump lacking one takes only its source off it (full.drop_sources), whose element ids
// full.compare looks up by key for those few (an id per shared row, ~45 characters each, was
// decoded every night for rows nothing dropped).
MATCH (n:Location)
WHERE n._row_sha IS NOT NULL AND ($source IS NULL OR n._sources IS NULL
       OR $source IN split(n._sources, ' '))
WITH n, n.location_id AS key
RETURN collect(key) AS keys,
  collect(CASE WHEN $source IS NOT NULL AND n._sources CONTAINS ' '
               THEN [key, n._sources] END) AS shared
