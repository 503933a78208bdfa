// Nodes known only from references (no row of their own: no _row_sha) that nothing refers to
// any more: a step's device corrected from the typo OVE to OVEN-1 left a device OVE behind, and
// an inspection's lot corrected to another left its stub lot — neither is in a clean import
// of the same files. (A link row — step_inputs, step_outputs, shipment_lines — naming another
// lot is another link: the old one stays, as rows missing from a later dump do.) Run at the
// end of an import; the ids deleted are named in its summary.
// A ledger change ABOUT a node does not keep it, as in the *_remove queries: the change keeps
// its table and key as text, and a stub whose link row once changed stayed for ever (`check`
// listed its unknown origin night after night). A recall's SOURCE or AFFECTS edge does keep a
// stub lot, as lots_remove.cypher keeps one a recall names: it is the recall's record in the
// graph — `lot show` names the recall, and should the lot be named again, `check` finds it
// shipped or used after its recall only through that edge. A location a receipt names
// (received_location_id) is kept too.
CALL () {
  MATCH (n:Material)
  WHERE n._row_sha IS NULL AND NOT EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' }
  WITH n, n.material_id AS id DETACH DELETE n RETURN collect(id) AS materials
}
CALL () {
  MATCH (n:Supplier)
  WHERE n._row_sha IS NULL AND NOT EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' }
  WITH n, n.supplier_id AS id DETACH DELETE n RETURN collect(id) AS suppliers
}
CALL () {
  MATCH (n:Customer)
  WHERE n._row_sha IS NULL AND NOT EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' }
  WITH n, n.customer_id AS id DETACH DELETE n RETURN collect(id) AS customers
}
CALL () {
  MATCH (n:Location)
  WHERE n._row_sha IS NULL AND NOT EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' }
    // a receipt names where it happened by id (SUPPLIED_BY's received_location_id, kept when
    // the lot moves): deleted, the recall's receiving event named a location the graph had not
    AND NOT EXISTS { ()-[receipt:SUPPLIED_BY]->()
                     WHERE receipt.received_location_id = n.location_id }
  WITH n, n.location_id AS id DETACH DELETE n RETURN collect(id) AS locations
}
CALL () {
  MATCH (n:Device)
  WHERE n._row_sha IS NULL AND NOT EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' }
  WITH n, n.device_id AS id DETACH DELETE n RETURN collect(id) AS devices
}
CALL () {
  MATCH (n:Operator)
  WHERE n._row_sha IS NULL AND NOT EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' }
  WITH n, n.operator_id AS id DETACH DELETE n RETURN collect(id) AS operators
}
CALL () {  // a work order has no table: every one is known from the steps FOR it
  MATCH (n:WorkOrder)
  WHERE n._row_sha IS NULL AND NOT EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' }
  WITH n, n.work_order_id AS id DETACH DELETE n RETURN collect(id) AS work_orders
}
CALL () {
  MATCH (n:Lot {origin_known: false})
  WHERE n._row_sha IS NULL AND NOT EXISTS { (n)-[r]-() WHERE type(r) <> 'ABOUT' }
  // the ledger's ABOUT edges, then the lot without DETACH: a recall takes no import lock, and
  // one that linked the stub since the test above makes the DELETE fail (the import stops and
  // its re-run keeps the lot), never loses its record
  OPTIONAL MATCH (n)<-[about:ABOUT]-()
  DELETE about
  WITH DISTINCT n
  WITH n, n.lot_id AS id DELETE n RETURN collect(id) AS lots
}
RETURN materials, suppliers, customers, locations, devices, operators, work_orders, lots
