// Which of these shipment ids are in the graph (see existing_steps.cypher).
UNWIND $ids AS id
MATCH (shipment:Shipment {shipment_id: id})
RETURN collect(id) AS found
