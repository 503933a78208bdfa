// Constraints and indexes (without the token lookup indexes every database has), for
// `db init` reports and `db reset`.
SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, owningConstraint, state
WHERE type <> 'LOOKUP'
RETURN coalesce(owningConstraint, name) AS name, type, entityType, labelsOrTypes, properties, owningConstraint IS NOT NULL AS constraint, state
ORDER BY name
