// Mark $tables as holding no row written before rows kept their sources, once legacy_rows
// found none (sources.legacy_tables, under the import lock): a later --full run skips their
// scan (sourced_tables.cypher). Sound because nothing this version does writes such a row
// again: every import run has a source and writes it on each row it writes; a --full run and
// drop_sources leave a row other sources, never none; `imports --rename-source` swaps one name
// for another; the data migrations of `db init` copy a row's properties whole (`_sources`
// with them) onto the row they keep. Rows without sources come only from an older tracegraph:
// a restored older backup does not hold the mark (the tables are scanned again), and a rollback's
// runs after the mark void it (sourced_tables.cypher).
UNWIND $tables AS table
MERGE (marker:SourcedTable {table: table})
SET marker.at = datetime()
