"""A recall package's event_date_utc keeps the fraction of a second its time had."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from test_check import _plant as plant
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.recall import _utc_text


def test_event_date_utc_keeps_the_fraction_of_a_second() -> None:
    """`2026-11-03T08:00:00.0004+01:00` was `2026-11-03 07:00:00` (cut to the second: an
    alarm at .0004 and a step at .0009 showed one time, while EPCIS eventTime kept both)."""
    assert _utc_text("2026-11-03T08:00:00.0004+01:00") == "2026-11-03 07:00:00.0004"
    assert _utc_text("2026-11-03T08:15:00.123456789+08:00[Asia/Shanghai]") == (
        "2026-11-03 00:15:00.123456789"
    )
    assert _utc_text("2026-11-03T08:15:00,5Z") == "2026-11-03 08:15:00.5"
    assert _utc_text("2026-11-03T08:15Z") == "2026-11-03 08:15:00"


def test_recall_tracking_events_keep_sub_second_times(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """R1 received at 08:00:00.0004+01:00 and shipped at 08:00:00.0009+01:00: the tracking
    events said 07:00:00 for both in event_date_utc, which the sheet sorts and filters by."""
    tables = {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at\n"
        "R1,FLOUR,20,kg,V1,X-1,2026-11-03T08:00:00.0004+01:00\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\n"
        "SH1,C1,2026-11-03T08:00:00.0009+01:00\n",
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH1,R1,5,kg\n",
    }
    folder = tmp_path / "in"
    folder.mkdir()
    plant(graph, folder, tables)
    out = tmp_path / "recall-R1"
    result = runner.invoke(app, ["recall", "R1", "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["drill"] is False
    text = (out / "tracking_events.csv").read_text("utf-8-sig").splitlines()
    events = list(csv.DictReader(text))
    assert [(e["event_type"], e["event_date_utc"]) for e in events] == [
        ("receiving", "2026-11-03 07:00:00.000400"),
        ("shipping", "2026-11-03 07:00:00.000900"),
    ]
    sheet = load_workbook(out / "tracking_events.xlsx")["tracking events"]
    column = [cell.value for cell in sheet[1]].index("event_date_utc")
    cells = [row[column].value for row in sheet.iter_rows(min_row=2)]
    # the workbook's date cells: Excel keeps milliseconds (.0004 and .0009 as .000 and .001)
    assert cells == [datetime(2026, 11, 3, 7, 0, 0), datetime(2026, 11, 3, 7, 0, 0, 1000)]
