// The lots the graph holds under ids as a file wrote them before idtext.normal_id folded them
// (ＬＯＴ００１２９ where the rows now name LOT00129): an earlier version stored ids as written,
// so a full-width lot it made stays beside the folded one until a --full import removes its
// links, and the import's note says so. $ids: the distinct ids as written (stripped, NFC) of the
// run's folded lot_id cells, few; each a seek of the lot_id uniqueness constraint's index.
UNWIND $ids AS id
MATCH (lot:Lot {lot_id: id})
RETURN collect(lot.lot_id) AS ids
