// Find a lot by any name it is known by: internal lot id, supplier lot number, or any other
// identity value, with what issued each alias.
:param name => '000123';

MATCH (lot:Lot)
WHERE lot.lot_id = $name OR EXISTS { (:Identifier {value: $name})-[:IDENTIFIES]->(lot) }
OPTIONAL MATCH (lot)<-[:IDENTIFIES]-(alias:Identifier)
OPTIONAL MATCH (lot)-[:OF]->(material:Material)
RETURN lot, alias, material;
