"""`tracegraph check` finds each kind of gap planted in a small plant, and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracegraph.check import run_checks
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths

DEFECTS = {
    "lots.csv": """lot_id,material_id,quantity,uom,status,supplier_id,supplier_lot,received_at
FLOUR1,FLOUR,100,kg,released,V1,S1,2026-11-03T06:00:00Z
FRESH,SUGAR,50,kg,released,V1,S2,2026-11-03T12:00:00Z
THIN,SALT,10,kg,released,V2,S3,2026-11-03T06:00:00Z
CHOC,CHOC,10,kg,released,V2,S4,2026-11-03T06:00:00Z
DOUGH1,DOUGH,,kg,released,,,
EARLY,BREAD,100,pcs,released,,,
BAD,BREAD,100,pcs,released,,,
HELD,BREAD,100,pcs,hold,,,
""",
    "steps.csv": """step_id,operation,started_at,ended_at
MIX,mix,2026-11-03T11:00:00Z,2026-11-03T11:30:00Z
BIG,mix,2026-11-03T13:00:00Z,2026-11-03T13:30:00Z
PACK,pack,2026-11-03T12:00:00Z,2026-11-03T11:59:00Z
SINK,waste,2026-11-03T14:00:00Z,
""",
    # PACK ends a minute before it starts (steps above);
    # MIX uses FRESH an hour before it arrived and GHOST, which no table lists;
    # BIG makes 20 kg from 10; SINK consumes without producing; THIN gives 15 of its 10 kg
    "step_inputs.csv": """step_id,lot_id,quantity,uom
MIX,FLOUR1,40,kg
MIX,FRESH,10,kg
MIX,GHOST,1,kg
BIG,THIN,10,kg
SINK,THIN,5,kg
PACK,DOUGH1,51,kg
""",
    "step_outputs.csv": """step_id,lot_id,quantity,uom
MIX,DOUGH1,51,kg
BIG,DOUGH2,20,kg
PACK,EARLY,100,pcs
PACK,BAD,100,pcs
PACK,HELD,100,pcs
""",
    "inspections.csv": """inspection_id,test,result,inspected_at,lot_id
I1,taste,fail,2026-11-03T11:00:00Z,BAD
""",
    # C2 returns 5 of EARLY, which only C1 was shipped; C1 returns 10 of it, rightly
    "shipments.csv": """shipment_id,customer_id,shipped_at
SH-EARLY,C1,2026-11-03T09:00:00Z
SH-LATE,C1,2026-11-04T09:00:00Z
RMA-C2,C2,2026-11-05T09:00:00Z
RMA-C1,C1,2026-11-05T09:00:00Z
""",
    "shipment_lines.csv": """shipment_id,lot_id,quantity,uom
SH-EARLY,EARLY,100,pcs
SH-LATE,BAD,100,pcs
SH-LATE,HELD,100,pcs
SH-LATE,CHOC,3,pcs
RMA-C2,EARLY,-5,pcs
RMA-C1,EARLY,-10,pcs
""",
}


@pytest.fixture
def defects(graph: TraceGraph, tmp_path: Path) -> TraceGraph:
    for name, text in DEFECTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    return graph


def test_each_planted_gap_is_found_and_nothing_else(defects: TraceGraph) -> None:
    found = {r.name: r.findings for r in run_checks(defects).results}
    assert [(f["lot_id"], f["stub"]) for f in found["unknown_origin"]] == [("GHOST", True)]
    assert [(f["lot_id"], f["shipment_id"]) for f in found["shipped_before_available"]] == [
        ("EARLY", "SH-EARLY")
    ]
    assert [(f["lot_id"], f["step_id"]) for f in found["consumed_before_available"]] == [
        ("FRESH", "MIX")
    ]
    assert [(f["step_id"], f["problem"]) for f in found["step_balance"]] == [
        ("BIG", "output exceeds input"),
        ("SINK", "no outputs"),
    ]
    assert [(f["lot_id"], f["used_and_shipped"]) for f in found["lot_balance"]] == [("THIN", 15.0)]
    assert [(f["lot_id"], f["event"], f["problem"]) for f in found["released_after_failure"]] == [
        ("BAD", "shipped", "after failed inspection I1"),
        ("HELD", "shipped", "while hold"),
    ]
    assert [(f["step_id"], f["started_at"], f["ended_at"])
            for f in found["step_ends_before_start"]] == [
        ("PACK", "2026-11-03T12:00:00+00:00", "2026-11-03T11:59:00+00:00")
    ]  # fmt: skip
    assert [(f["lot_id"], f["shipment_id"], f["customer_id"], f["quantity"])
            for f in found["returned_by_another_customer"]] == [
        ("EARLY", "RMA-C2", "C2", -5.0)
    ]  # fmt: skip
    # 3 pcs of a 10 kg lot (the trace took them for the whole lot); 500 g of it would be none
    assert [(f["lot_id"], f["event"], f["reference"], f["uom"], f["lot_uom"])
            for f in found["unit_of_another_dimension"]] == [
        ("CHOC", "shipped", "SH-LATE", "pcs", "kg")
    ]  # fmt: skip


def test_a_hold_placed_later_does_not_make_earlier_shipments_findings(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """A lot shipped in 2020, put on hold by a later night's delta: the shipment was not made
    while it was on hold (every hold a QE placed made the nightly check fail). A shipment after
    the import before the one that saw the hold arrive may have been, and is reported — also
    after the hold became a rejection, which does not move when the lot was first held."""

    def night(name: str, files: dict[str, str]) -> None:
        for table, text in files.items():
            (tmp_path / name).mkdir(exist_ok=True)
            (tmp_path / name / table).write_text(text, encoding="utf-8")
        assert import_paths(graph, [tmp_path / name]).rejects == []

    lots = "lot_id,material_id,quantity,uom,status\nL1,BREAD,100,pcs,{}\n"
    night(
        "1",
        {
            "lots.csv": lots.format("released"),
            "shipments.csv": "shipment_id,customer_id,shipped_at\nSH1,C1,2020-11-04T08:00:00Z\n",
            "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH1,L1,10,pcs\n",
        },
    )
    between = datetime.now(UTC).isoformat()  # after night 1 began: the hold may be older
    night("2", {"lots.csv": lots.format("hold")})
    night("2b", {"lots.csv": lots.format("rejected")})  # still held: from hold to rejected

    def findings() -> list[tuple[str, str, str]]:
        found = {r.name: r.findings for r in run_checks(graph).results}
        return [(f["lot_id"], f["reference"], f["problem"])
                for f in found["released_after_failure"]]  # fmt: skip

    assert findings() == []
    night(
        "3",
        {
            "shipments.csv": "shipment_id,customer_id,shipped_at\n"
            f"SH2,C1,2099-01-04T08:00Z\nSH3,C1,{between}\n",
            "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH2,L1,10,pcs\nSH3,L1,1,pcs\n",
        },
    )
    assert findings() == [("L1", "SH3", "while rejected"), ("L1", "SH2", "while rejected")]


def test_tolerance_widens_the_mass_balance(defects: TraceGraph) -> None:
    found = {r.name: r.findings for r in run_checks(defects, tolerance=1.5).results}
    assert [f["step_id"] for f in found["step_balance"]] == ["SINK"]
    assert found["lot_balance"] == []


def test_cli_exit_1_with_findings_and_json_counts(
    defects: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    result = runner.invoke(app, ["check", "--format", "json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["findings"] == 11
    assert {c["check"]: c["count"] for c in payload["checks"]} == {
        "unknown_origin": 1, "shipped_before_available": 1, "consumed_before_available": 1,
        "step_balance": 2, "lot_balance": 1, "released_after_failure": 2,
        "step_ends_before_start": 1, "returned_by_another_customer": 1,
        "unit_of_another_dimension": 1,
    }  # fmt: skip
    table = runner.invoke(app, ["check"])
    assert table.exit_code == 1
    assert table.stdout.startswith("11 findings: 1 lots never received nor produced")


def test_cli_exit_0_on_a_clean_chain(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("no gaps found by 9 checks")
