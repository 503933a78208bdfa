// Every identity a lot is known by, in one full-text index: `lot show` uses it to suggest close
// candidates for an id that matches nothing exactly (typos, missing leading zeros, prefixes).
CREATE FULLTEXT INDEX lot_identity_fulltext IF NOT EXISTS
FOR (n:Lot|Identifier) ON EACH [n.lot_id, n.value]
