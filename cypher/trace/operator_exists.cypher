// Whether an operator with this id exists: an unknown operator is an error, not an empty answer.
RETURN EXISTS { MATCH (:Operator {operator_id: $operator_id}) } AS found
