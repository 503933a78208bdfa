// The lots the graph holds under the zero-padded form of lot ids a workbook stored as numbers
// (000200 for the number cell 200): Excel drops an id's leading zeros unless its column is
// Text, so the workbook's rows name another lot than the CSV that wrote 000200, and the
// import's note says so. $ids: each number id padded with zeros to each width up to 18
// (idtext.number_ids_note), one list per file and column; each a seek of the lot_id
// uniqueness constraint's index, no scan.
UNWIND $ids AS id
MATCH (lot:Lot {lot_id: id})
RETURN collect(lot.lot_id) AS ids
