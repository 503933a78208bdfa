// Serial numbers an older version imported with a GTIN-8, -12 or -13 issuer kept it as given
// (`serial|9506000134352|SN`); this version stores a GTIN-issued serial's issuer as GTIN-14
// (identities.checked_issuer), so a label's look-up, by its GTIN-14 key, missed them until the
// file was imported again — and importing it again added the GTIN-14 identity beside the old
// one. Each such identity takes the GTIN-14 issuer and key. Where the GTIN-14 identity exists
// already (imported both ways), the old one is merged into it rather than left beside it: one
// identity, as one spelling would have made (one identity may name several lots; resolve_lots
// names them all). The old identity's edges to lots the GTIN-14 one does not name move to it
// with their properties (extra columns, row hash: a full import still knows them as its rows);
// where both name a lot, the GTIN-14 edge stays (a later import's row of the same key). The
// ledger's ABOUT edges move to it; their RowChanges keep the old key as text, as written then.
// Issuers are padded whatever their check digit: a lookup key is padded so too (lookup_key).
// A re-keyed edge keeps the row hash the older version made of the unpadded issuer (Cypher has
// no SHA-256): the first import of its row afterwards compares it column by column, finds no
// change, writes it once more to store this version's hash, and counts it unchanged, with no
// ledger entry (importing/writer.py _record_changes); a no-op from then on.
// gtin_lot identities need nothing: their GTIN was stored as GTIN-14 since they exist.
// Idempotent: a migrated issuer has 14 digits. Runs at every `db init`, and from an import until
// it has run to its end once (its Migration node; importing/run.py: _migrated); seeks the
// serials by the key index's prefix, never every identity.
// Neo4j 5.26 plans an Eager between that seek and the batches (they change the key it seeks by,
// and delete), as for alarm_event_id: it holds the serials left to migrate, none once migrated;
// those inside a batch hold one identity's few edges. A label scan, collect-then-UNWIND and
// FOREACH forms plan one too (EXPLAIN; tests/test_serial_migration.py checks what it holds).
// Returns how many serials it re-keyed (merged ones included) and the keys merged into.
MATCH (old:Identifier)
WHERE old.key STARTS WITH 'serial|' AND old.issuer =~ '[0-9]{8}|[0-9]{12,13}'
CALL (old) {
  WITH old, right('00000000000000' + old.issuer, 14) AS issuer
  WITH old, issuer, 'serial|' + issuer + '|' + old.value AS key
  OPTIONAL MATCH (kept:Identifier {key: key})
  CALL (old, kept, issuer, key) {
    WITH old, issuer, key WHERE kept IS NULL
    SET old.issuer = issuer, old.key = key
  }
  CALL (old, kept) {
    WITH old, kept WHERE kept IS NOT NULL
    CALL (old, kept) {
      MATCH (old)-[edge:IDENTIFIES]->(lot:Lot)
      WHERE NOT EXISTS { (kept)-[:IDENTIFIES]->(lot) }
      CREATE (kept)-[moved:IDENTIFIES]->(lot)
      SET moved = properties(edge)
    }
    CALL (old, kept) {
      MATCH (change:RowChange)-[:ABOUT]->(old)
      CREATE (change)-[:ABOUT]->(kept)
    }
    DETACH DELETE old
  }
  RETURN CASE WHEN kept IS NULL THEN null ELSE key END AS merged
} IN TRANSACTIONS OF 1000 ROWS
RETURN count(*) AS changed, collect(merged) AS merged
