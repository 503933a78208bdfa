// Lots of one material in a time window, in creation order, read from the index alone:
// rootcause's comparable lots (and an analyst's "BAKED lots of last March") seek it instead of
// reading the created_at of every lot of the material. lot_id makes the order total.
CREATE RANGE INDEX lot_material_created IF NOT EXISTS
FOR (n:Lot) ON (n.material_id, n.created_at, n.lot_id)
