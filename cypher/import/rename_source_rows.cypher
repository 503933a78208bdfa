// `tracegraph imports --rename-source OLD NEW` (sources.rename_source): every row whose sources
// (`_sources`, the sorted names separated by spaces) name $old names $new instead, once, the
// names sorted again, so that NEW's --full compares the rows OLD sent; and every row that keeps
// an entry of $old among its senders' last rows (`_source_shas`) without $old among its sources
// (a --full of $old took it off the row, keeping its entry: back with the row as it sent it,
// it is no news) keeps it as $new's — renamed there only, no sender added (left as $old's,
// NEW back with the row was a source new to it, and its row replaced the others' newer ones). One scan per label and
// relationship type a table is written as (as legacy_rows.cypher; links matched with their
// ends' labels, as in the *_keys queries), committed in batches: run in an implicit
// transaction (graph.autocommit). Idempotent and crash-safe: a renamed row no longer names
// $old, so running it again after a crash renames only the rest.
// The scans read no property: each row's sources are read, tested and written in its batch's
// subquery. Filtered in the scans, Neo4j 5.26 planned an Eager per scan (a read/set conflict
// on `_sources`), holding every row of the label that names $old before the first batch. The
// Eager it plans now is inside the subquery, between one row's read and its write: it holds
// that row (tests/test_import.py's no-Eager check names it). The stored names are sorted:
// $new goes between those before and after it. The senders' last row hashes (`_source_shas`,
// `source:` and its entry, sorted by source, see writer.source_shas; the entry, row and column
// hashes, is all after the name's colon) are renamed alike: OLD's becomes NEW's (NEW's own kept
// where the row had both), none left where one source remains and no other's entry (a source a
// --full took off) is kept.
// Returns how many rows were renamed per table (tables with none left out).
CALL () {
  MATCH (n:Material) RETURN 'materials' AS table, n AS row
  UNION ALL
  MATCH (n:Supplier) RETURN 'suppliers' AS table, n AS row
  UNION ALL
  MATCH (n:Customer) RETURN 'customers' AS table, n AS row
  UNION ALL
  MATCH (n:Location) RETURN 'locations' AS table, n AS row
  UNION ALL
  MATCH (n:Device) RETURN 'devices' AS table, n AS row
  UNION ALL
  MATCH (n:Operator) RETURN 'operators' AS table, n AS row
  UNION ALL
  MATCH (n:Lot) RETURN 'lots' AS table, n AS row
  UNION ALL
  MATCH (n:ProcessStep) RETURN 'steps' AS table, n AS row
  UNION ALL
  MATCH (n:Inspection) RETURN 'inspections' AS table, n AS row
  UNION ALL
  MATCH (n:Shipment) RETURN 'shipments' AS table, n AS row
  UNION ALL
  MATCH (n:DeviceEvent) RETURN 'device_events' AS table, n AS row
  UNION ALL
  MATCH (:Lot)-[r:INPUT_TO]->(:ProcessStep) RETURN 'step_inputs' AS table, r AS row
  UNION ALL
  MATCH (:ProcessStep)-[r:PRODUCED]->(:Lot) RETURN 'step_outputs' AS table, r AS row
  UNION ALL
  MATCH (:Lot)-[r:SHIPPED]->(:Shipment) RETURN 'shipment_lines' AS table, r AS row
  UNION ALL
  MATCH (:Identifier)-[r:IDENTIFIES]->(:Lot) RETURN 'lot_identifiers' AS table, r AS row
}
CALL (row) {
  WITH row, split(coalesce(row._sources, ''), ' ') AS held,
    [pair IN split(coalesce(row._source_shas, ''), ' ') WHERE pair <> ''] AS pairs
  WITH row, held, pairs
    WHERE $old IN held OR any(pair IN pairs WHERE split(pair, ':')[0] = $old)
  WITH row, [name IN held WHERE name <> '' AND name <> $old AND name <> $new] AS others,
    CASE WHEN $old IN held OR $new IN held THEN [$new] ELSE [] END AS sending, pairs
  WITH row, others, sending, [pair IN pairs WHERE NOT split(pair, ':')[0] IN [$old, $new]] AS kept,
    [pair IN pairs WHERE split(pair, ':')[0] = $new | substring(pair, size($new) + 1)]
      + [pair IN pairs WHERE split(pair, ':')[0] = $old | substring(pair, size($old) + 1)]
      AS hashes
  WITH row, [name IN others WHERE name < $new] + sending + [name IN others WHERE name > $new]
    AS names,
    [pair IN kept WHERE split(pair, ':')[0] < $new] + [sha IN hashes[0..1] | $new + ':' + sha]
      + [pair IN kept WHERE split(pair, ':')[0] > $new] AS shas
  SET row._sources = CASE WHEN size(names) > 0
      THEN reduce(text = head(names), name IN tail(names) | text + ' ' + name) END,
    row._source_shas = CASE WHEN (size(names) > 1 OR size(shas) > 1) AND size(shas) > 0
      THEN reduce(text = head(shas), pair IN tail(shas) | text + ' ' + pair) END
  RETURN true AS renamed
} IN TRANSACTIONS OF 5000 ROWS
RETURN table, count(renamed) AS rows
