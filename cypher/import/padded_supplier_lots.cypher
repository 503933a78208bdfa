// The lots whose supplier lot the graph holds in the zero-padded form of a number a workbook
// stored for it (075131 for the number cell 75131): read before the workbook's rows are
// written, which give the lot the number without its zeros. $rows: {lot_id, padded, digits},
// each number padded with zeros to each width up to 18 (idtext.padded_supplier_lots), at most
// 1,000 numbers a file; each a seek of the Identifier value index, no scan.
UNWIND $rows AS row
MATCH (id:Identifier {value: row.padded})-[:IDENTIFIES]->(lot:Lot {lot_id: row.lot_id})
WHERE id.scheme = 'supplier_lot'
RETURN collect(DISTINCT [lot.lot_id, id.value, row.digits]) AS found
