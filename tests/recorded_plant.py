"""A plant whose lots' own quantities their production records contradict: dough M recorded as
1 kg, though its mix made 9 kg of it and the bake took 3 kg; salt Z recorded as 0 kg, though
the mix took 0.5 kg of it. Weighed by hand: loaf D (3 kg) took 3/9 of M, so 3 kg of flour A
and 0.5/3 kg of Z."""

UNDER_RECORDED = {
    "lots.csv": "lot_id,material_id,quantity,uom,created_at,status,supplier_id,supplier_lot,"
    "received_at\n"
    "A,FLOUR,10,kg,2026-05-01T05:00:00Z,released,V1,LA,2026-05-01T05:00:00Z\n"
    "Z,SALT,0,kg,2026-05-01T05:00:00Z,released,V1,LZ,2026-05-01T05:00:00Z\n"
    "M,DOUGH,1,kg,2026-05-01T06:10:00Z,released,,,\n"
    "D,BREAD,3,kg,2026-05-01T07:10:00Z,released,,,\n",
    "steps.csv": "step_id,operation,started_at,ended_at\n"
    "S1,mix,2026-05-01T06:00:00Z,2026-05-01T06:10:00Z\n"
    "S2,bake,2026-05-01T07:00:00Z,2026-05-01T07:10:00Z\n",
    "step_inputs.csv": "step_id,lot_id,quantity,uom\nS1,A,9,kg\nS1,Z,0.5,kg\nS2,M,3,kg\n",
    "step_outputs.csv": "step_id,lot_id,quantity,uom\nS1,M,9,kg\nS2,D,3,kg\n",
}
