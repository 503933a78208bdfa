// How many of the lots are stubs: a lot a row named that no lots row sent (origin_known false),
// counted by `db status` beside the Lot count, which holds them. Seeks the origin_known index:
// it reads the stubs alone, not every lot.
MATCH (lot:Lot {origin_known: false})
RETURN count(lot) AS stubs
