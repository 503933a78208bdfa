// Every operator id: read only when a window names an unknown operator, to suggest close ids.
MATCH (operator:Operator)
RETURN collect(operator.operator_id) AS ids
