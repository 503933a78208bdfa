"""What is still in stock to block after a forward trace or in a recall package: each lot's rest
in its own unit (counted as `lot show` counts it), where it is, and how much of the sources it
holds — on tests/hand_plant.py's plant with locations, an expiry, a held lot and a stub.

Forward from salt lot B (10 kg, 500 g into the mix): the pack step now also makes P3, a stub
(no lots row: no quantity), so P1, P2 and P3 get 3/5, 1/5 and 1/5 of the 0.5 kg of B:
- B: 10 - 0.5 = 9.5 kg left at WH-RAW, all of it B (9.5 kg of B);
- M: 40.5 kg made, 40.5 kg packed: nothing left; P1: 300 made, 300 shipped: nothing left;
- P2: 100 - 50 shipped + 10 returned = 60 pcs at WH-FG, on hold: 60 % of its 0.1 kg of B;
- P3: quantity unknown, so what is left is unknown (not made up), at no location; all of its
  0.1 kg of B is still in it by the records.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from hand_plant import HAND_PLANT
from openpyxl import load_workbook
from test_bench_engines import needs_postgres
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.compare.postgres import forward_trace, load_plant, running_postgres
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.lots import show_lot
from tracegraph.trace import trace_forward

LOTS = """lot_id,material_id,quantity,uom,supplier_id,supplier_lot,location_id,expires_at,status
A,FLOUR,100,kg,V1,000123,WH-RAW,,released
B,SALT,10,kg,V2,000123,WH-RAW,2027-01-31T00:00:00+00:00,released
M,DOUGH,40.5,kg,,,,,released
P1,BREAD,300,pcs,,,WH-FG,,released
P2,BREAD,100,pcs,,,WH-FG,2026-11-20T00:00:00+00:00,hold
"""
TO_BLOCK = "3 lots to block at 2 locations (1 of unknown quantity, 1 with no location)"


@pytest.fixture
def stocked(graph: TraceGraph, tmp_path: Path) -> TraceGraph:
    folder = tmp_path / "plant"
    folder.mkdir()
    files = {**HAND_PLANT, "lots.csv": LOTS}
    files["step_outputs.csv"] += "Y,P3,100,pcs\n"  # P3 has no lots row: a stub, no quantity
    files["locations.csv"] = "location_id,name\nWH-RAW,Raw store\nWH-FG,Finished goods\n"
    # for the backward CSV: a device's name, a process parameter and an inspection
    files["steps.csv"] = files["steps.csv"].replace("MIXER-1,OP1,", "MIXER-1,OP1,24")
    files["devices.csv"] = "device_id,name\nMIXER-1,Spiral mixer\n"
    files["inspections.csv"] = (
        "inspection_id,test,result,inspected_at,lot_id,step_id,value,unit\n"
        "I1,moisture,fail,2026-11-03T08:30:00+00:00,M,X,44.5,%\n"
    )
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [folder]).rejects == []
    return graph


def test_forward_trace_lists_what_is_left_of_each_lot_in_its_own_unit_and_where(
    stocked: TraceGraph,
) -> None:
    trace = trace_forward(stocked, ["B"])
    got = [(r["lot_id"], r["is_source"], r["remaining"], r["remaining_uom"], r["location_id"],
            r["location_name"], r["status"], r["expires_at"], r["source_quantity"],
            r["source_uom"]) for r in trace.stock]  # fmt: skip
    assert got == [
        ("B", True, 9.5, "kg", "WH-RAW", "Raw store", "released", "2027-01-31T00:00:00+00:00",
         9.5, "kg"),
        ("P2", False, 60.0, "pcs", "WH-FG", "Finished goods", "hold",
         "2026-11-20T00:00:00+00:00", 0.06, "kg"),
        ("P3", False, None, None, None, None, None, None, 0.1, "kg"),
    ]  # fmt: skip
    # the stock holds what the totals call in stock, lot by lot
    assert sum(r["source_quantity"] for r in trace.stock) == pytest.approx(trace.totals["in_stock"])
    assert trace.stock_text() == TO_BLOCK
    # every lot row says what is left of it in its own unit; where, for those with a rest
    rows = {r["lot_id"]: r for r in [*trace.sources, *trace.lots]}
    assert {lot: (r["remaining"], r["remaining_uom"], r["stock_location_id"])
            for lot, r in rows.items()} == {
        "B": (9.5, "kg", "WH-RAW"), "M": (0.0, "kg", None), "P1": (0.0, "pcs", None),
        "P2": (60.0, "pcs", "WH-FG"), "P3": (None, None, None),
    }  # fmt: skip
    # the same figure as the lot's dossier: one count, not two that could disagree
    for lot in ("B", "M", "P1", "P2"):
        assert show_lot(stocked, lot)["balance"]["remaining"] == rows[lot]["remaining"], lot
    assert show_lot(stocked, "P3")["balance"] is None
    # the public contract's fields stay as they were: quantity is how much of B reached P2
    p2 = rows["P2"]
    assert (p2["quantity"], p2["uom"], p2["lot_quantity"], p2["lot_uom"]) == (
        0.1, "kg", 100.0, "pcs",
    )  # fmt: skip


def test_nothing_left_says_so(graph: TraceGraph, tmp_path: Path) -> None:
    """All of A used and every lot made of it shipped: nothing to block, said in words."""
    folder = tmp_path / "plant"
    folder.mkdir()
    files = {
        "lots.csv": "lot_id,material_id,quantity,uom\nA,FLOUR,40,kg\nP,BREAD,10,pcs\n",
        "steps.csv": "step_id,operation,started_at\nX,mix,2026-11-03T08:00:00+00:00\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nX,A,40,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nX,P,10,pcs\n",
        "customers.csv": "customer_id,name\nC1,Shop\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\nS1,C1,2026-11-04T08:00:00+00:00\n",
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nS1,P,10,pcs\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [folder]).rejects == []
    trace = trace_forward(graph, ["A"])
    assert trace.stock == []
    assert trace.stock_text() == (
        "nothing left in stock to block: every affected lot is used or shipped"
    )


def test_cli_forward_shows_the_stock_to_block_in_80_columns_and_names_the_source(
    stocked: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["trace", "forward", "B"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # the lot's own quantity, then how much of B reached it: "0.1 kg of source" was read as
    # the lot's amount
    assert any(line.endswith("P2 BREAD 100 pcs · 0.1 kg of B · hold") for line in lines)
    start = lines.index("To block (left in stock)")
    table = lines[start + 1 : lines.index(TO_BLOCK)]
    assert all(len(line) <= 80 for line in table)
    header = table[1].replace("┃", " ").split()
    assert header == ["lot", "material", "left", "location", "status", "of", "B"]
    cells = [[c.strip() for c in row.strip("│").split("│")] for row in table[3:-1]]
    assert cells == [
        ["B", "SALT", "9.5 kg", "WH-RAW", "released", "9.5 kg"],
        ["P2", "BREAD", "60 pcs", "WH-FG", "hold", "0.06 kg"],
        ["P3", "", "unknown", "unknown", "", "0.1 kg"],
    ]
    # the shipment and customer tables say whose amount it is
    assert any("┃ shipped" in line and "┃ of B" in line for line in lines)

    as_json = json.loads(runner.invoke(app, ["trace", "forward", "B", "--format", "json"]).stdout)
    assert [r["lot_id"] for r in as_json["stock"]] == ["B", "P2", "P3"]
    p2 = next(r for r in as_json["lots"] if r["lot_id"] == "P2")
    assert (p2["quantity"], p2["uom"], p2["remaining"], p2["remaining_uom"]) == (
        0.1, "kg", 60.0, "pcs",
    )  # fmt: skip


def test_cli_forward_csv_has_ship_from_customer_name_return_flag_and_stock(
    stocked: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    result = runner.invoke(app, ["trace", "forward", "B", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    lines = [(r["lot_id"], r["shipment_id"], r["customer_name"], r["from_location_id"],
              r["is_return"]) for r in rows if r["shipment_id"]]  # fmt: skip
    assert lines == [
        ("P1", "SH1", "Shop one", "WH-FG", "false"),
        ("P2", "SH2", "=Shop two", "WH-FG", "false"),
        ("P2", "RMA1", "=Shop two", "", "true"),
    ]
    left = {(r["lot_id"], r["remaining"], r["remaining_uom"], r["stock_location_id"])
            for r in rows}  # fmt: skip
    assert left == {
        ("B", "9.5", "kg", "WH-RAW"), ("M", "0.0", "kg", ""), ("P1", "0.0", "pcs", ""),
        ("P2", "60.0", "pcs", "WH-FG"), ("P3", "", "", ""),
    }  # fmt: skip


def test_recall_package_has_the_stock_to_block(
    stocked: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "recall-B"
    result = runner.invoke(app, ["recall", "B", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{TO_BLOCK} (stock.csv)" in result.stdout.splitlines()
    assert f"{TO_BLOCK} (stock.csv)" in (out / "summary.txt").read_text("utf-8").splitlines()
    assert "stock.csv" in (out / "manifest.sha256").read_text("utf-8")

    rows = list(csv.DictReader((out / "stock.csv").read_text("utf-8-sig").splitlines()))
    got = [(r["lot_id"], r["material_id"], r["remaining"], r["unit"], r["location_id"],
            r["location_name"], r["status"], r["expires_at"], r["source_amounts"],
            r["is_source"], r["note"]) for r in rows]  # fmt: skip
    assert got == [
        ("B", "SALT", "9.5", "kg", "WH-RAW", "Raw store", "released",
         "2027-01-31T00:00:00+00:00", "9.5 kg", "true", ""),
        ("P2", "BREAD", "60.0", "pcs", "WH-FG", "Finished goods", "hold",
         "2026-11-20T00:00:00+00:00", "0.06 kg", "false", ""),
        ("P3", "", "", "", "", "", "", "", "0.1 kg", "false",
         "the lot has no quantity: what is left is unknown, check it on site"),
    ]  # fmt: skip

    sheet = load_workbook(out / "recall.xlsx")["stock to block"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["lot_id", "material_id", "remaining", "unit"]
    assert [row[:4] for row in cells[1:]] == [
        ["B", "SALT", 9.5, "kg"], ["P2", "BREAD", 60.0, "pcs"], ["P3", None, None, None],
    ]  # fmt: skip
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
    # the expiry a date the sheet sorts and filters by (it was text), as the plant wrote it
    expiry = cells[0].index("expires_at")
    assert [row[expiry] for row in cells[1:]] == [
        datetime(2027, 1, 31), datetime(2026, 11, 20), None,
    ]  # fmt: skip

    package = json.loads((out / "recall.json").read_text("utf-8"))
    assert [(r["lot_id"], r["remaining"], r["location_id"]) for r in package["stock"]] == [
        ("B", 9.5, "WH-RAW"), ("P2", 60.0, "WH-FG"), ("P3", None, None),
    ]  # fmt: skip
    printed = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "again"),
                                  "--format", "json"])  # fmt: skip
    assert printed.exit_code == 0, printed.output
    summary = json.loads(printed.stdout)
    assert summary["to_block"] == TO_BLOCK
    assert [r["lot_id"] for r in summary["stock"]] == ["B", "P2", "P3"]


def test_backward_csv_keeps_steps_devices_operators_and_inspections(
    stocked: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """`trace backward --format csv` wrote the lot rows alone: device names, parameters and
    inspections (a failed one here) were lost."""
    result = runner.invoke(app, ["trace", "backward", "P1", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [(r["record"], r["lot_id"], r["made_by_step"], r["device_id"], r["device_name"],
             r["operator_id"], r["parameters"]) for r in rows] == [
        ("lot", "P1", "Y", "PACKER-1", "", "OP2", ""),  # the traced lot and its last step
        ("lot", "M", "X", "MIXER-1", "Spiral mixer", "OP1", "oven_temp_c=24"),
        ("lot", "A", "", "", "", "", ""),
        ("lot", "B", "", "", "", "", ""),
        ("inspection", "M", "X", "", "", "", ""),
    ]  # fmt: skip
    inspection = rows[-1]
    assert (inspection["inspection_id"], inspection["test"], inspection["result"],
            inspection["value"], inspection["unit"], inspection["inspected_at"]) == (
        "I1", "moisture", "fail", "44.5", "%", "2026-11-03T08:30:00+00:00",
    )  # fmt: skip


def test_lot_show_csv_ends_with_the_balance_and_recall_history_csv_lists_lots_plainly(
    stocked: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["lot", "show", "P2", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    last = list(csv.DictReader(result.stdout.splitlines()))[-1]
    assert last == {
        "at": "", "event": "left by its records", "reference": "P2", "quantity": "60.0",
        "uom": "pcs", "detail": "left by its records: 100 pcs − 50 shipped + 10 returned = 60 pcs",
    }  # fmt: skip
    # a stub has no quantity: no balance row, and no made-up one
    stub = runner.invoke(app, ["lot", "show", "P3", "--format", "csv"])
    assert stub.exit_code == 0, stub.stderr
    assert "left by its records" not in stub.stdout

    made = runner.invoke(app, ["recall", "B", "P2", "--out", str(tmp_path / "r"), "--drill"])
    assert made.exit_code == 0, made.output
    history = runner.invoke(app, ["recall", "history", "--format", "csv"])
    assert history.exit_code == 0, history.stderr
    (row,) = csv.DictReader(history.stdout.splitlines())
    assert row["source_lots"] == "B; P2"  # it was ["B", "P2"], JSON text in a cell


@needs_postgres
def test_postgres_finds_the_same_stock_to_block(stocked: TraceGraph, tmp_path: Path) -> None:
    """The benchmark's PostgreSQL engine reads each lot's location and expiry with its trace,
    as cypher/trace/forward.cypher does, so both engines are timed on the same answer: what to
    block, where, until when."""
    with running_postgres() as pg, pg.connect() as conn:
        load_plant(pg, tmp_path / "plant")
        ours = trace_forward(stocked, ["B"])
        theirs = forward_trace(conn, ["B"])
    assert [(r["lot_id"], r["location_id"], r["expires_at"]) for r in ours.stock] == [
        ("B", "WH-RAW", "2027-01-31T00:00:00+00:00"),
        ("P2", "WH-FG", "2026-11-20T00:00:00+00:00"),
        ("P3", None, None),
    ]
    assert theirs.stock == ours.stock
    assert theirs.lots == ours.lots


def test_the_stock_sheet_shows_the_expiry_as_the_plant_wrote_it_not_in_utc(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A lot that expires on 2027-01-31 (midnight in Berlin, +01:00) showed 2027-01-30 23:00
    in the workbook's stock sheet, under a plain `expires_at`: the instant in UTC, a day early
    for a date-only expiry (8 hours off on a plant in China). The sheet shows the date and
    time as the plant wrote it, as stock.csv does (with its offset there)."""
    folder = tmp_path / "plant"
    folder.mkdir()
    files = {**HAND_PLANT, "lots.csv": LOTS.replace("2027-01-31T00:00:00+00:00",
                                                    "2027-01-31T00:00:00+01:00")}  # fmt: skip
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [folder]).rejects == []
    out = tmp_path / "recall-B"
    result = runner.invoke(app, ["recall", "B", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "stock.csv").read_text("utf-8-sig").splitlines()))
    assert (rows[0]["lot_id"], rows[0]["expires_at"]) == ("B", "2027-01-31T00:00:00+01:00")
    cells = [
        [c.value for c in row]
        for row in load_workbook(out / "recall.xlsx")["stock to block"].iter_rows()
    ]
    expiry = cells[0].index("expires_at")
    assert [(row[0], row[expiry]) for row in cells[1:]][:2] == [
        ("B", datetime(2027, 1, 31)),
        ("P2", datetime(2026, 11, 20)),
    ]
