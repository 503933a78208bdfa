// A full import (--full): of the steps rows tonight's complete dump no longer has, those
// steps_remove.cypher will keep — still linked once the run's other removals are done. They
// are found before anything is removed, so that a kept step is neither listed in
// removed-RUN.csv nor counted toward --max-removals (it stays, night after night, until the
// dumps of its links drop them). $inputs and $outputs map a step_id to the lot_ids of the
// step_inputs and step_outputs rows the run removes (every link of that pair goes, as
// step_inputs_remove.cypher deletes them); $inspections lists the inspections it removes.
// $relinked (a dry run only, which asks before any write; the import passes []) lists the
// inspections the run's rows carry: the import sets their edge to their row's step, so the
// edge the graph holds now keeps no step (the steps their rows name are kept in Python).
UNWIND $keys AS key
MATCH (n:ProcessStep {step_id: key})
WHERE n._row_sha IS NOT NULL
  AND (
    EXISTS {
      MATCH (lot:Lot)-[:INPUT_TO]->(n)
      WHERE NOT lot.lot_id IN coalesce($inputs[key], [])
    }
    OR EXISTS {
      MATCH (n)-[:PRODUCED]->(lot:Lot)
      WHERE NOT lot.lot_id IN coalesce($outputs[key], [])
    }
    OR EXISTS {
      MATCH (inspection:Inspection)-[:DURING]->(n)
      WHERE NOT inspection.inspection_id IN $inspections
        AND NOT coalesce(inspection.inspection_id IN $relinked, false)
    }
  )
RETURN collect(key) AS kept
