// The names of the locations a recall's tracking events name (where steps ran, where shipments
// left from): FSMA 204 asks for a location description beside each location; the package's
// EPCIS document names a location with a GLN by it.
UNWIND $location_ids AS location_id
MATCH (location:Location {location_id: location_id})
RETURN location.location_id AS location_id, location.name AS name, location.gln AS gln
