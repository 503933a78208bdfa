// Whether the database holds any lot: asked only when an id names none, so that an empty
// database (a wrong NEO4J_URI or database, or nothing imported yet) is said as such.
RETURN EXISTS { MATCH (:Lot) } AS found
