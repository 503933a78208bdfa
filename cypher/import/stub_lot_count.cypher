// Lots known only as references (origin_known = false), to report how many an import added.
MATCH (lot:Lot {origin_known: false})
RETURN count(lot) AS stubs
