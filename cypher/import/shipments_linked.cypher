// A full import (--full): of the shipments rows tonight's complete dump no longer has, those
// shipments_remove.cypher will keep — a lot still shipped on them once the run's
// shipment_lines removals are done. Found before anything is removed, so that a kept shipment
// is neither listed in removed-RUN.csv nor counted toward --max-removals. $lines maps a
// shipment_id to the lot_ids of the shipment_lines rows the run removes.
UNWIND $keys AS key
MATCH (n:Shipment {shipment_id: key})
WHERE n._row_sha IS NOT NULL
  AND EXISTS {
    MATCH (lot:Lot)-[:SHIPPED]->(n)
    WHERE NOT lot.lot_id IN coalesce($lines[key], [])
  }
RETURN collect(key) AS kept
