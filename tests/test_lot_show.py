"""`lot show`'s balance remark agrees with `check`, and its history reads as what happened."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracegraph.check import run_checks
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths

# W: 100 kg, 1 used and 102 shipped (103 out: within check's 15 %); X: 100 kg, 120 shipped
# (beyond it); P: 10 pcs, 11 shipped (pieces: beyond nothing). SW used W and made nothing. RW
# reworked R in place; R's incoming inspection has no value or unit.
PLANT = {
    "lots.csv": """lot_id,material_id,quantity,uom,status,supplier_id,supplier_lot,received_at
W,FLOUR,100,kg,released,V1,A-1,2026-03-01T06:00:00Z
X,FLOUR,100,kg,released,V1,A-2,2026-03-01T06:00:00Z
P,BREAD,10,pcs,released,V1,A-3,2026-03-01T06:00:00Z
R,FLOUR,50,kg,released,V1,A-4,2026-03-01T06:00:00Z
""",
    "steps.csv": """step_id,operation,started_at,ended_at
SW,mix,2026-03-02T07:00:00Z,2026-03-02T07:30:00Z
RW,rework,2026-03-02T08:00:00Z,2026-03-02T08:30:00Z
""",
    "step_inputs.csv": "step_id,lot_id,quantity,uom\nSW,W,1,kg\nRW,R,50,kg\n",
    "step_outputs.csv": "step_id,lot_id,quantity,uom\nRW,R,50,kg\n",
    "inspections.csv": """inspection_id,test,result,inspected_at,lot_id,value,unit
I1,incoming,pass,2026-03-01T07:00:00Z,R,,
I2,moisture,pass,2026-03-01T07:10:00Z,R,0,%
""",
    "shipments.csv": "shipment_id,customer_id,shipped_at\nSH1,C1,2026-03-03T09:00:00Z\n",
    "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH1,W,102,kg\nSH1,X,120,kg\n"
    "SH1,P,11,pcs\n",
}


@pytest.fixture
def plant(graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]) -> TraceGraph:
    for name, text in PLANT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    return graph


def _show(runner: CliRunner, lot: str, output: str) -> str:
    result = runner.invoke(app, ["lot", "show", lot, "--format", output])
    assert result.exit_code == 0, result.output
    return result.stdout


def _history(runner: CliRunner, lot: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_show(runner, lot, "csv").lstrip("\ufeff"))))


def test_the_pointer_to_check_is_to_a_finding(plant: TraceGraph, runner: CliRunner) -> None:
    """W (103 kg out of 100) said "see `tracegraph check`", which (15 %) does not list it."""
    found = {r.name: r.findings for r in run_checks(plant).results}["lot_balance"]
    assert [f["lot_id"] for f in found] == ["P", "X"]
    remarks = {lot: _history(runner, lot)[-1]["detail"] for lot in ("W", "X", "P")}
    assert remarks == {
        "W": "left by its records: 100 kg − 1 used − 102 shipped = -3 kg (more went out than "
        "the lot holds, within the 15 % `tracegraph check` tolerates by default)",
        "X": "left by its records: 100 kg − 120 shipped = -20 kg (more went out than the lot "
        "holds, beyond check's 15 % tolerance: see `tracegraph check`)",
        "P": "left by its records: 10 pcs − 11 shipped = -1 pcs (more went out than the lot "
        "holds: see `tracegraph check`)",
    }
    balances = {lot: json.loads(_show(runner, lot, "json"))["balance"] for lot in "WXP"}
    assert {lot: (b["tolerance"], b["beyond_tolerance"]) for lot, b in balances.items()} == {
        "W": (0.15, False), "X": (0.15, True), "P": (0.0, True),
    }  # fmt: skip
    table = _show(runner, "W", "table")
    assert "see `tracegraph check`" not in table and "tolerates by default" in " ".join(
        table.split()
    )


def test_a_step_with_no_outputs_says_so(plant: TraceGraph, runner: CliRunner) -> None:
    """It printed "into " with nothing after it."""
    used = [e for e in _history(runner, "W") if e["reference"] == "SW"]
    assert [(e["event"], e["detail"]) for e in used] == [("used (mix)", "into nothing recorded")]


def test_a_rework_in_place_uses_the_lot_before_it_gives_it_back(
    plant: TraceGraph, runner: CliRunner
) -> None:
    """RW listed "produced" before "used" (both at its start); an inspection's detail ended in
    two spaces where it had no value or unit ("incoming  ")."""
    history = [(e["event"], e["reference"], e["detail"]) for e in _history(runner, "R")]
    assert history == [
        ("received", "V1", "supplier lot A-4"),
        ("inspected: pass", "I1", "incoming"),
        ("inspected: pass", "I2", "moisture 0 %"),
        ("used (rework)", "RW", "into R"),
        ("produced (rework)", "RW", "from R; -, -"),
        ("left by its records", "R", "left by its records: 50 kg = 50 kg"),
    ]


def test_a_receipt_without_a_supplier_lot_says_so(
    graph: TraceGraph, runner: CliRunner, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """B1 came from V1 with no supplier lot number: its history said "supplier lot None"."""
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at\n"
        "B1,FLOUR,10,kg,V1,,2026-03-01T06:00:00Z\n",
        encoding="utf-8",
    )
    assert import_paths(graph, [tmp_path]).rejects == []
    history = [(e["event"], e["reference"], e["detail"]) for e in _history(runner, "B1")]
    assert history[0] == ("received", "V1", "no supplier lot recorded")
    assert "None" not in _show(runner, "B1", "table")


def test_a_step_with_many_lots_names_the_first_20_on_a_terminal_and_all_in_json(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """`lot show` of a lot made by a step with 20,000 input lots printed every id in one
    table cell. A history row names a step's first 20 lots and counts the rest (here 25 of
    them: "… and 5 more"); --format json and csv keep them all."""
    inputs = [f"IN{n:02d}" for n in range(25)]
    tables = {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at\n"
        + "".join(f"{lot},FLOUR,1,kg,V1,S{lot},2026-03-01T06:00:00Z\n" for lot in inputs)
        + "OUT,DOUGH,25,kg,,,\n",
        "steps.csv": "step_id,operation,started_at,ended_at\nMIX,mix,2026-03-02T07:00:00Z,"
        "2026-03-02T07:30:00Z\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\n"
        + "".join(f"MIX,{lot},1,kg\n" for lot in inputs),
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nMIX,OUT,25,kg\n",
    }
    for name, text in tables.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    runner = CliRunner()
    table = _show(runner, "OUT", "table")
    assert all(lot in table for lot in inputs[:20]) and "and 5 more" in table
    assert not any(lot in table for lot in inputs[20:])
    dossier = json.loads(_show(runner, "OUT", "json"))
    assert len(dossier["made_by"][0]["lots"]) == 25
    produced = next(row for row in _history(runner, "OUT") if row["event"] == "produced (mix)")
    assert produced["detail"].startswith("from " + ", ".join(inputs) + ";")


def test_a_long_history_shows_the_lots_first_events_and_its_newest_on_a_terminal(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """A terminal showed a history's first 40 events and "… N more": a lot whose status 305
    hourly imports flipped showed its oldest changes, and last night's hold only in csv. Lot W,
    received, then shipped in 50 lines (51 events; csv adds its balance): the table shows the
    receipt and the first 9 shipments, "11 events between", and the newest 30, SH21 to SH50."""
    from hand_plant import import_tables

    days = [f"2026-03-{1 + n // 24:02d}T{n % 24:02d}:00:00Z" for n in range(1, 51)]
    import_tables(graph, tmp_path / "in", {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at\n"
                    "W,FLOUR,500,kg,V1,A-1,2026-03-01T00:00:00Z\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\n"
                         + "".join(f"SH{n},C1,{at}\n" for n, at in enumerate(days, 1)),
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\n"
                              + "".join(f"SH{n},W,1,kg\n" for n in range(1, 51)),
    })  # fmt: skip
    assert len(_history(runner, "W")) == 52
    shown = _show(runner, "W", "table")
    references = [ref for ref in (f"SH{n}" for n in range(1, 51))
                  if re.search(rf"\b{ref}\b", shown)]  # fmt: skip
    assert references == [f"SH{n}" for n in (*range(1, 10), *range(21, 51))]
    assert "11 events between" in shown and "--format csv or json has them all" in shown
    assert shown.index("SH9") < shown.index("11 events between") < shown.index("SH21")
