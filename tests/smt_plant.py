"""An SMT line small enough to read by hand: paste printed on PRINTER-1, two reflows on OVEN-1,
packed on PACKER-1 into finished lot F1. Times in UTC unless an offset says otherwise.

- PRINT-1  08:00-08:10 on PRINTER-1 (squeegee maintenance at 08:05; calibrated 2026-10-01,
  pass, long before: found by the query's last-calibration part, not its span);
- REFLOW-1 08:20-08:50 on OVEN-1, peak_temp_c 248 (its last calibration, the day before,
  FAILED; an over-temperature alarm at 08:30, and a conveyor stop at 08:50, its very end);
- REFLOW-2 09:00, no end time, peak_temp_c 262: OVEN-1's longest step is REFLOW-1's 30 min,
  so it may have run until 09:30 (longest_step_s 1,801 s): the alarm at 10:20+01:00 (09:20Z)
  is during it, the one at 09:45 is not; calibrated (pass) at 08:40, during REFLOW-1;
- PACK     10:00-10:10 on PACKER-1, which has no event at all (no calibration recorded);
- an alarm at 08:55, between the reflows, is during no step.
"""

SMT_PLANT = {
    "materials.csv": "material_id,name,uom\nPCB,Bare board,pcs\nPASTE,Solder paste,kg\n"
    "PCBA,Assembled board,pcs\nBOX,Boxed boards,pcs\n",
    "lots.csv": """lot_id,material_id,quantity,uom,supplier_id,supplier_lot
B0,PCB,20,pcs,V-PCB,PCB-77
SP,PASTE,1,kg,V-PASTE,SP-9
P0,PCB,20,pcs,,
A1,PCBA,10,pcs,,
A2,PCBA,10,pcs,,
F1,BOX,20,pcs,,
""",
    "steps.csv": """step_id,operation,started_at,ended_at,device_id,operator_id,peak_temp_c,kpa
PRINT-1,print,2026-11-03T08:00:00Z,2026-11-03T08:10:00Z,PRINTER-1,OP1,,55
REFLOW-1,reflow,2026-11-03T08:20:00Z,2026-11-03T08:50:00Z,OVEN-1,OP1,248,
REFLOW-2,reflow,2026-11-03T09:00:00Z,,OVEN-1,OP2,262,
PACK,pack,2026-11-03T10:00:00Z,2026-11-03T10:10:00Z,PACKER-1,OP2,,
""",
    "step_inputs.csv": """step_id,lot_id,quantity,uom
PRINT-1,B0,20,pcs
PRINT-1,SP,0.2,kg
REFLOW-1,P0,10,pcs
REFLOW-2,P0,10,pcs
PACK,A1,10,pcs
PACK,A2,10,pcs
""",
    "step_outputs.csv": """step_id,lot_id,quantity,uom
PRINT-1,P0,20,pcs
REFLOW-1,A1,10,pcs
REFLOW-2,A2,10,pcs
PACK,F1,20,pcs
""",
    "device_events.csv": """device_id,event,at,result
PRINTER-1,calibration,2026-10-01T06:00:00Z,pass
PRINTER-1,maintenance,2026-11-03T08:05:00Z,squeegee replaced
OVEN-1,calibration,2026-11-01T06:00:00Z,pass
OVEN-1,calibration,2026-11-02T06:00:00Z,fail
OVEN-1,alarm,2026-11-03T08:30:00Z,over_temperature
OVEN-1,calibration,2026-11-03T08:40:00Z,pass
OVEN-1,alarm,2026-11-03T08:50:00Z,conveyor_stop
OVEN-1,alarm,2026-11-03T08:55:00Z,conveyor_stop
OVEN-1,alarm,2026-11-03T10:20:00+01:00,over_temperature
OVEN-1,alarm,2026-11-03T09:45:00Z,over_temperature
""",
}
