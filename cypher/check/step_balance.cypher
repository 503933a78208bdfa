// Steps whose output does not balance their input: produced from nothing, consumed into
// nothing, or (inputs and outputs in one dimension) output outside input ± $tolerance. Only
// mass, volume and length are conserved through a step: pieces ($count_dimension) are not
// (a depanel makes 4 boards of 1 panel, a packing step 1 case of 12 bottles), so a step in
// pieces alone is found only with no inputs or no outputs.
// $units maps each unit to its dimension and factor (kg: mass, 1.0; g: mass, 0.001; …).
MATCH (step:ProcessStep)
WITH step,
     COLLECT { MATCH (step)<-[u:INPUT_TO]-(:Lot)
               RETURN {dimension: coalesce($units[u.uom].dimension, u.uom), q: u.quantity * coalesce($units[u.uom].factor, 1.0)} } AS inputs,
     COLLECT { MATCH (step)-[p:PRODUCED]->(:Lot)
               RETURN {dimension: coalesce($units[p.uom].dimension, p.uom), q: p.quantity * coalesce($units[p.uom].factor, 1.0)} } AS outputs
WITH step, inputs, outputs,
     reduce(dims = [], x IN inputs + outputs | CASE WHEN x.dimension IN dims THEN dims ELSE dims + x.dimension END) AS dimensions
WITH step, size(inputs) AS n_in, size(outputs) AS n_out, dimensions,
     size(dimensions) = 1 AND dimensions[0] <> $count_dimension AS conserved,
     reduce(s = 0.0, x IN inputs | s + x.q) AS input,
     reduce(s = 0.0, x IN outputs | s + x.q) AS output
WITH step, n_in, n_out, dimensions, input, output,
     CASE
       WHEN n_in = 0 THEN 'no inputs'
       WHEN n_out = 0 THEN 'no outputs'
       WHEN conserved AND output > input * (1 + $tolerance) THEN 'output exceeds input'
       WHEN conserved AND output < input * (1 - $tolerance) THEN 'output short of input'
     END AS problem
WHERE problem IS NOT NULL
RETURN step.step_id AS step_id, step.operation AS operation, problem,
       CASE WHEN size(dimensions) = 1 THEN input END AS input,
       CASE WHEN size(dimensions) = 1 THEN output END AS output,
       CASE WHEN size(dimensions) = 1 THEN dimensions[0] END AS dimension
ORDER BY step_id
