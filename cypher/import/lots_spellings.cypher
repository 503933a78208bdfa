// removed-RUN.csv's supplier_lots (full.read_records): per lot a --full run removes, each
// supplier-lot spelling — its issuer (the supplier id; null: a row without one) and value —
// with the sources that sent it (its IDENTIFIES edge's `_sources`; "" for one written before
// identities kept them). The lot's row holds one supplier and number, its last row's: the ERP's
// V7 `00201384` and the MES's V8 `201384` are two Identifiers, and a restore writes each
// source's folder with that source's own (restore.read_removed_by_source). Read by key
// on the Lot index, one batch of removed lots at a time.
UNWIND $keys AS key
MATCH (:Lot {lot_id: key})<-[edge:IDENTIFIES]-(identity:Identifier {scheme: 'supplier_lot'})
RETURN key, collect([identity.issuer, identity.value, coalesce(edge._sources, '')]) AS spellings
