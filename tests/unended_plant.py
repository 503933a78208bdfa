"""Steps the MES had not booked an end for, on OVEN-1 by OP-7: a 2-hour reflow, LONG (their
longest step, so the import's longest_step_s is 7,201 s), then S-REF-X begun at 01:00 with no
end time that made RF-X at 01:40, OLD-X begun 3 hours before 01:20, IN-X begun at 01:30.

A window from 01:20 holds S-REF-X (it may have run into it: begun 20 minutes before, less than
the longest step) and IN-X (begun in it), not OLD-X (it would have ended by then).
"""

UNENDED_PLANT = {
    "materials.csv": "material_id,name,uom\nPCB,Board,pcs\n",
    "lots.csv": """lot_id,material_id,quantity,uom,created_at,supplier_id
RF-LONG,PCB,10,pcs,2026-11-05T22:00:00+01:00,
RF-OLD,PCB,10,pcs,2026-11-05T22:40:00+01:00,
RF-X,PCB,10,pcs,2026-11-06T01:40:00+01:00,
RF-IN,PCB,10,pcs,2026-11-06T01:50:00+01:00,
""",
    "steps.csv": """step_id,operation,started_at,ended_at,device_id,operator_id
LONG,reflow,2026-11-05T20:00:00+01:00,2026-11-05T22:00:00+01:00,OVEN-1,OP-7
OLD-X,reflow,2026-11-05T22:20:00+01:00,,OVEN-1,OP-7
S-REF-X,reflow,2026-11-06T01:00:00+01:00,,OVEN-1,OP-7
IN-X,reflow,2026-11-06T01:30:00+01:00,,OVEN-1,OP-7
""",
    "step_inputs.csv": "step_id,lot_id,quantity,uom\n",
    "step_outputs.csv": """step_id,lot_id,quantity,uom
LONG,RF-LONG,10,pcs
OLD-X,RF-OLD,10,pcs
S-REF-X,RF-X,10,pcs
IN-X,RF-IN,10,pcs
""",
}
