// Mark the stub lots and the nodes known only from references that are there as an import
// starts after a run that ended `done` (runs_not_ended found none): that run, or one before it,
// named them in its ledger entry. One without the mark when a later import starts was made by
// a run that did not end (kill -9 leaves no summary): that import names it as its own
// (stub_lot_ids and reference_only return those as `unreported`). A row of its own takes the
// mark away (SET n = row.props); the *_before queries leave it out of a row's old values.
// Writes only what the last run made; reads stubs by their property, as stub_lot_ids does, and
// the master data labels as reference_only does. Collected before the SET: read and write of
// _reported in one stream planned an Eager per label.
CALL () {
  MATCH (n:Lot {origin_known: false}) WHERE n._reported IS NULL RETURN n
  UNION ALL
  MATCH (n:Material) WHERE n._row_sha IS NULL AND n._reported IS NULL RETURN n
  UNION ALL
  MATCH (n:Supplier) WHERE n._row_sha IS NULL AND n._reported IS NULL RETURN n
  UNION ALL
  MATCH (n:Customer) WHERE n._row_sha IS NULL AND n._reported IS NULL RETURN n
  UNION ALL
  MATCH (n:Location) WHERE n._row_sha IS NULL AND n._reported IS NULL RETURN n
  UNION ALL
  MATCH (n:Device) WHERE n._row_sha IS NULL AND n._reported IS NULL RETURN n
  UNION ALL
  MATCH (n:Operator) WHERE n._row_sha IS NULL AND n._reported IS NULL RETURN n
}
WITH collect(n) AS found
FOREACH (n IN found | SET n._reported = true)
RETURN size(found) AS marked
