// A full import (--full): remove the shipment_lines links tonight's complete dump no longer has
// (a shipment line moved to another shipment). Keys are [shipment_id, lot_id]; anchored on the lot, the
// parent matched by property, as shipment_lines_shas.cypher explains. A stub lot left with no link is
// deleted at the end of the import (delete_orphan_references.cypher).
UNWIND $keys AS key
MATCH (lot:Lot {lot_id: key[1]})-[r:SHIPPED]->(parent)
WHERE parent.shipment_id = key[0]
DELETE r
RETURN count(r) AS removed
