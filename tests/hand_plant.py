"""A plant small enough to weigh by hand: a merge (flour and salt, salt in grams from a lot
counted in kilograms), a split into two finished lots, a shipment, a partial one and a return.

Forward from salt lot B (10 kg, 500 g used): dough M carries 0.5 kg; the split gives P1 3/4
(0.375 kg) and P2 1/4 (0.125 kg). Backward from P1: 3/4 of the pack step, so 30.375 kg of M,
30 kg of flour A and 0.375 kg of salt B. Customer C2's name looks like a formula on purpose.
"""

from __future__ import annotations

from pathlib import Path

from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths

HAND_PLANT = {
    "lots.csv": """lot_id,material_id,quantity,uom,supplier_id,supplier_lot
A,FLOUR,100,kg,V1,000123
B,SALT,10,kg,V2,000123
M,DOUGH,40.5,kg,,
P1,BREAD,300,pcs,,
P2,BREAD,100,pcs,,
""",
    "steps.csv": """step_id,operation,started_at,device_id,operator_id,oven_temp_c
X,mix,2026-11-03T08:00:00+00:00,MIXER-1,OP1,
Y,pack,2026-11-03T09:00:00+00:00,PACKER-1,OP2,
""",
    # the mix takes salt in grams from a lot counted in kilograms: units must convert
    "step_inputs.csv": "step_id,lot_id,quantity,uom\nX,A,40,kg\nX,B,500,g\nY,M,40.5,kg\n",
    "step_outputs.csv": "step_id,lot_id,quantity,uom\nX,M,40.5,kg\nY,P1,300,pcs\nY,P2,100,pcs\n",
    "customers.csv": "customer_id,name,contact\nC1,Shop one,qa@one.example\nC2,=Shop two,\n",
    "shipments.csv": """shipment_id,customer_id,shipped_at,reference_doc,from_location_id
SH1,C1,2026-11-04T08:00:00+00:00,DN-1,WH-FG
SH2,C2,2026-11-04T09:00:00+00:00,DN-2,WH-FG
RMA1,C2,2026-11-05T09:00:00+00:00,RMA-1,
""",
    "shipment_lines.csv": (
        "shipment_id,lot_id,quantity,uom\nSH1,P1,300,pcs\nSH2,P2,50,pcs\nRMA1,P2,-10,pcs\n"
    ),
}


def import_tables(graph: TraceGraph, folder: Path, files: dict[str, str]) -> None:
    """`files` (name -> text) written into a new `folder` and imported, without a reject."""
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [folder]).rejects == []


def import_hand_plant(graph: TraceGraph, folder: Path, files: dict[str, str]) -> None:
    """The hand plant with `files` in place of its own, written into `folder` and imported."""
    import_tables(graph, folder, {**HAND_PLANT, **files})
