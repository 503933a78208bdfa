-- Everything downstream of the source lots, as the facts a forward trace weighs: the same
-- answer cypher/trace/forward.cypher gives, in the same shape (one row of compact lists), so
-- the library turns both engines' rows into the same trace — how much of the sources reached
-- each lot, shipment and customer — with the same code (trace.downstream_from_record):
--   lots:      [lot_id, quantity, uom, status, origin_known, created_at, material_id,
--               expires_at, edges]
--              edges: [0, step_id, quantity, uom, operation, started_at]  into a step
--                     [1, step_id, quantity, uom]                          made by a step
--                     [2, shipment_id, quantity, uom]                      shipped
--                     [3, location_id, location_name]                      where the lot is
-- (the location and expiry are what to block, for the lots with something left: the same
-- work the Neo4j query does for them).
--   shipments: [shipment_id, shipped_at, reference_doc, carrier, from_location_id,
--               customer_id, customer_name, customer_contact, customer_country]
-- UNION (not UNION ALL) keeps a visited set: each lot is reached once however many paths lead
-- to it, so the commodity lot does not enumerate paths. A lot named by a link but missing
-- from `lots` (history older than the dump) has origin_known false, as its stub has in Neo4j.
-- The look-ups from reached lots are LATERAL with LIMIT/OFFSET, so each is an index seek per
-- lot: the planner cannot know how many lots a recursive CTE reaches (it guessed 14k for six
-- sources that reached 19) and otherwise hashes all of `lots` and `shipment_lines` (~950 ms
-- for a 19-lot trace on the 1M-lot plant, 3 ms with the seeks).
WITH RECURSIVE reached (lot_id) AS (
  SELECT unnest(%(lot_ids)s::text[])
  UNION
  SELECT o.lot_id
  FROM reached r
  JOIN step_inputs i ON i.lot_id = r.lot_id
  JOIN step_outputs o ON o.step_id = i.step_id
)
SELECT
  (SELECT coalesce(json_agg(json_build_array(
            r.lot_id, l.quantity, l.uom, l.status, l.lot_id IS NOT NULL, l.created_at,
            l.material_id, l.expires_at,
            ARRAY(SELECT json_build_array(0, i.step_id, i.quantity, i.uom, s.operation,
                                          s.started_at)
                  FROM step_inputs i JOIN steps s ON s.step_id = i.step_id
                  WHERE i.lot_id = r.lot_id
                  UNION ALL
                  SELECT json_build_array(1, o.step_id, o.quantity, o.uom)
                  FROM step_outputs o WHERE o.lot_id = r.lot_id
                  UNION ALL
                  SELECT json_build_array(2, sl.shipment_id, sl.quantity, sl.uom)
                  FROM shipment_lines sl WHERE sl.lot_id = r.lot_id
                  UNION ALL
                  -- a location the locations table lacks is still the lot's (Neo4j keeps
                  -- it as a node with only its id), with no name
                  SELECT json_build_array(3, l.location_id,
                    (SELECT place.name FROM locations place
                     WHERE place.location_id = l.location_id))
                  WHERE l.location_id IS NOT NULL))), '[]')
   FROM reached r
   LEFT JOIN LATERAL (SELECT * FROM lots l WHERE l.lot_id = r.lot_id LIMIT 1) l ON true)
    AS lots,
  (SELECT coalesce(json_agg(json_build_array(
            s.shipment_id, s.shipped_at, s.reference_doc, s.carrier, s.from_location_id,
            c.customer_id, c.name, c.contact, c.country)), '[]')
   FROM (SELECT DISTINCT line.shipment_id
         FROM reached r
         JOIN LATERAL (SELECT sl.shipment_id FROM shipment_lines sl
                       WHERE sl.lot_id = r.lot_id OFFSET 0) line ON true) shipped
   JOIN LATERAL (SELECT * FROM shipments s WHERE s.shipment_id = shipped.shipment_id
                 LIMIT 1) s ON true
   LEFT JOIN customers c ON c.customer_id = s.customer_id)
    AS shipments
