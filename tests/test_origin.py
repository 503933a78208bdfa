"""A lot's origin is unknown by one rule wherever it is shown: never received, and made by no
step — a step that takes the lot in and gives it back (a rework in place) does not make it.
`check`, `lot show`, the backward trace's flag, the Browser's gaps.cypher and the import's
note used three rules between them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracegraph.check import run_checks
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import STUB_ADVICE, ImportSummary, import_paths
from tracegraph.lots import show_lot
from tracegraph.resources import resource_path
from tracegraph.trace import trace_backward

# RCV is received; MADE only a step_outputs row names (MIX made it: no lots row, origin known);
# STUBR only a rework in place names (RW takes it in and gives it back: origin unknown); BARE is
# in the lots table with no supplier and no step that made it (origin unknown). BAKE makes FIN
# of MADE and STUBR, PACK makes FIN2 of BARE.
ORIGINS = {
    "lots.csv": """lot_id,material_id,quantity,uom,status,supplier_id,supplier_lot,received_at
RCV,FLOUR,100,kg,released,V1,A-1,2026-03-01T06:00:00Z
BARE,SALT,5,kg,released,,,
FIN,BREAD,100,pcs,released,,,
FIN2,BREAD,10,pcs,released,,,
""",
    "steps.csv": """step_id,operation,started_at,ended_at
MIX,mix,2026-03-02T08:00:00Z,2026-03-02T08:30:00Z
RW,rework,2026-03-02T07:00:00Z,2026-03-02T07:30:00Z
BAKE,bake,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z
PACK,pack,2026-03-02T11:00:00Z,2026-03-02T11:30:00Z
""",
    "step_inputs.csv": """step_id,lot_id,quantity,uom
MIX,RCV,10,kg
RW,STUBR,4,kg
BAKE,MADE,10,kg
BAKE,STUBR,4,kg
PACK,BARE,1,kg
""",
    "step_outputs.csv": """step_id,lot_id,quantity,uom
MIX,MADE,10,kg
RW,STUBR,4,kg
BAKE,FIN,100,pcs
PACK,FIN2,10,pcs
""",
}


@pytest.fixture
def origins(graph: TraceGraph, tmp_path: Path) -> tuple[TraceGraph, ImportSummary]:
    for name, text in ORIGINS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    summary = import_paths(graph, [tmp_path])
    assert summary.rejects == []
    return graph, summary


def test_check_lists_a_stub_only_a_rework_in_place_names_and_not_a_steps_output(
    origins: tuple[TraceGraph, ImportSummary],
) -> None:
    graph, _ = origins
    found = {r.name: r.findings for r in run_checks(graph).results}["unknown_origin"]
    assert found == [
        {
            "lot_id": "BARE",
            "stub": False,
            "in_closed_loop": False,
            "used_in_steps": 1,
            "shipment_lines": 0,
        },
        # the rework gave STUBR back: it did not make it (the check took it for produced)
        {
            "lot_id": "STUBR",
            "stub": True,
            "in_closed_loop": False,
            "used_in_steps": 2,
            "shipment_lines": 0,
        },
    ]


def test_lot_show_says_origin_by_the_checks_rule(origins: tuple[TraceGraph, ImportSummary]) -> None:
    graph, _ = origins
    shown = {lot: show_lot(graph, lot)["origin"] for lot in ("RCV", "MADE", "STUBR", "BARE", "FIN")}
    assert shown == {
        "RCV": "received",
        "MADE": "produced (no row of its own in the lots table: its quantity and material are "
        "not known)",
        # it said "produced (no row of its own …)": RW gave it back, nothing made it
        "STUBR": "unknown (stub: named by a later record, never received or produced)",
        "BARE": "unknown",
        "FIN": "produced",
    }


def test_backward_flag_counts_lots_of_unknown_origin_by_the_checks_rule(
    origins: tuple[TraceGraph, ImportSummary],
) -> None:
    """The flag counted lots without a row of their own: MADE (which MIX made) and STUBR behind
    FIN, and nothing behind FIN2, whose input BARE no step made and no supplier delivered."""
    graph, _ = origins
    assert trace_backward(graph, ["FIN"]).flags["lots of unknown origin"] == 1  # STUBR
    assert trace_backward(graph, ["FIN2"]).flags["lots of unknown origin"] == 1  # BARE
    assert trace_backward(graph, ["MADE"]).flags["lots of unknown origin"] == 0


def test_backward_lots_say_their_origin_and_the_tree_marks_only_the_unknown(
    origins: tuple[TraceGraph, ImportSummary], neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """The tree marked MADE "origin unknown" under MIX, the step that made it (it read the
    lack of a lots row), and not BARE; `origin` says it by the check's rule, `origin_known`
    still whether the lot has a row of its own."""
    graph, _ = origins
    trace = trace_backward(graph, ["FIN", "FIN2"])
    rows = [*trace.sources, *trace.lots]
    assert {r["lot_id"]: (r["origin"], r["origin_known"]) for r in rows} == {
        "FIN": ("produced", True), "FIN2": ("produced", True), "MADE": ("produced", False),
        "STUBR": ("unknown", False), "BARE": ("unknown", True), "RCV": ("received", True),
    }  # fmt: skip
    shown = runner.invoke(app, ["trace", "backward", "FIN", "FIN2"])
    assert shown.exit_code == 0, shown.output
    marked = sorted(line.split("── ")[1].split()[0] for line in shown.stdout.splitlines()
                    if line.endswith("· origin unknown"))  # fmt: skip
    assert marked == ["BARE", "STUBR"], shown.stdout


def test_the_forward_tree_says_a_made_lot_has_no_row_not_that_its_origin_is_unknown(
    origins: tuple[TraceGraph, ImportSummary], neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """MIX made MADE, which has no lots row: the forward tree from RCV called it "origin
    unknown"; a source without a row of its own (STUBR) still is."""
    shown = runner.invoke(app, ["trace", "forward", "RCV"])
    assert shown.exit_code == 0, shown.output
    made = next(line for line in shown.stdout.splitlines() if "── MADE" in line)
    assert made.endswith("· no lots row") and "origin unknown" not in shown.stdout
    stub = runner.invoke(app, ["trace", "forward", "STUBR"])
    assert "└── STUBR · origin unknown\n" in stub.stdout, stub.stdout


def test_browser_gaps_lists_what_check_lists(origins: tuple[TraceGraph, ImportSummary]) -> None:
    graph, _ = origins
    text = (resource_path("cypher") / "browser" / "gaps.cypher").read_text(encoding="utf-8")
    statement = "\n".join(line for line in text.splitlines() if not line.startswith("//"))
    records, _, _ = graph.driver.execute_query(statement.strip().rstrip(";"),
                                               database_=graph.database)  # fmt: skip
    # it listed the stubs, MADE among them, and not BARE
    assert sorted({r[0]["lot_id"] for r in records}) == ["BARE", "STUBR"]
    assert sorted((r[0]["lot_id"], r[1]["step_id"]) for r in records) == [
        ("BARE", "PACK"), ("STUBR", "BAKE"), ("STUBR", "RW"),
    ]  # fmt: skip


def test_import_names_a_steps_output_without_a_row_apart_from_stubs_of_unknown_origin(
    origins: tuple[TraceGraph, ImportSummary],
) -> None:
    _, summary = origins
    assert [note for note in summary.notes if " lot " in note] == [
        "1 lot named by steps, inspections, shipments or lot identifiers but given no row of its "
        f"own was created as a stub (origin unknown): STUBR ({STUB_ADVICE})",
        # it was among the stubs "(origin unknown)", though MIX made it
        "1 lot with no row of its own, made by a step, was created without its quantity and "
        "material: MADE (its lots row completes it; a typo in a lot id makes one)",
    ]
    assert summary.stub_lots == ["MADE", "STUBR"]  # both lack their row, as before
