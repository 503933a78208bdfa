"""Instants less than a millisecond apart compare as they are: times are kept to the microsecond
(Neo4j to the nanosecond), and the backward trace's device history, rootcause's alarms during
a step and the Browser's windows compared `epochMillis`, which put 08:00:00.0003 and
08:00:00.0001 at one instant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_browser_queries import _browser_rows
from test_check import _plant as plant
from typer.testing import CliRunner

from tracegraph import rootcause
from tracegraph.check import run_checks
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.trace import trace_backward


def instant(text: str) -> datetime:
    """ISO text as an instant (to the microsecond, as the import keeps times)."""
    return datetime.fromisoformat(text).astimezone(UTC)


# OVEN ran S1 from 08:00:00.0001 to 08:00:00.0002 (making A1) and S2 an hour later (A2).
OVEN = {
    "lots.csv": "lot_id,material_id,quantity,uom\nR1,FLOUR,20,kg\nA1,LOAF,10,kg\nA2,LOAF,10,kg\n",
    "steps.csv": "step_id,operation,started_at,ended_at,device_id\n"
    "S1,bake,2026-11-03T08:00:00.0001Z,2026-11-03T08:00:00.0002Z,OVEN\n"
    "S2,bake,2026-11-03T09:00:00Z,2026-11-03T10:00:00Z,OVEN\n",
    "step_inputs.csv": "step_id,lot_id,quantity,uom\nS1,R1,10,kg\nS2,R1,10,kg\n",
    "step_outputs.csv": "step_id,lot_id,quantity,uom\nS1,A1,10,kg\nS2,A2,10,kg\n",
    "device_events.csv": "device_id,event,at,result\n"
    "OVEN,calibration,2026-11-03T07:00:00Z,pass\n"
    "OVEN,calibration,2026-11-03T08:00:00.00005Z,fail\n"  # 50 µs before S1: in force
    "OVEN,alarm,2026-11-03T08:00:00.00015Z,conveyor_stop\n"  # during S1
    "OVEN,calibration,2026-11-03T08:00:00.0003Z,pass\n"  # 100 µs after S1 ended
    "OVEN,alarm,2026-11-03T08:00:00.0004Z,over_temperature\n",  # after S1 too
}


def test_backward_trace_places_device_events_to_the_microsecond(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """S1 ran 08:00:00.0001-.0002: the calibration in force was the failed one at .00005, and
    only the alarm at .00015 was during it. Compared in milliseconds all four were at S1's
    start: the failed calibration, the passed one at .0003 and the alarm at .0004 were listed
    as during S1, and the calibration before it was 07:00's pass (no step after a failed
    calibration, one during a failed one)."""
    plant(graph, tmp_path, OVEN)
    trace = trace_backward(graph, ["A1"])
    (step,) = [s for s in trace.steps if s["step_id"] == "S1"]
    assert [(e["event"], instant(e["at"]), e["result"]) for e in step["device_events"]] == [
        ("alarm", instant("2026-11-03T08:00:00.00015Z"), "conveyor_stop")
    ]
    before = step["calibrated_before"]
    assert (instant(before["at"]), before["result"]) == (
        instant("2026-11-03T08:00:00.00005Z"), "fail"
    )  # fmt: skip
    assert instant(step["device_events_to"]) == instant("2026-11-03T08:00:00.0002Z")
    assert trace.flags["steps after a failed calibration"] == 1
    assert trace.flags["steps during a failed calibration"] == 0
    assert trace.flags["alarms during steps"] == 1


def test_instants_read_from_text_keep_every_digit() -> None:
    """Epoch milliseconds made 08:00:00.0001 and 08:00:00.0009 one instant."""
    from tracegraph.trace import epoch_ns, iso_ns

    assert epoch_ns("2026-11-03T08:00:00.0009Z") - epoch_ns("2026-11-03T08:00:00.0001Z") == 800_000
    assert epoch_ns("2026-11-03T09:00:00.000000001+01:00") == epoch_ns(
        "2026-11-03T08:00:00.000000001Z"
    )
    assert iso_ns(epoch_ns("2026-11-03T08:00:00.0004Z")) == "2026-11-03T08:00:00.000400+00:00"
    assert iso_ns(epoch_ns("2026-11-03T08:00:00.000000007Z")) == (
        "2026-11-03T08:00:00.000000007+00:00"
    )


@pytest.mark.parametrize("every_alarm", [True, False], ids=["all alarms read", "sought per step"])
def test_rootcause_counts_only_the_alarms_during_a_step_to_the_microsecond(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str], runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch, every_alarm: bool,
) -> None:  # fmt: skip
    """Complaint A1's S1 ended at 08:00:00.0002: the over-temperature alarm at .0004 came after
    it, only the conveyor stop at .00015 was during it. In milliseconds both were, and
    "over_temperature on OVEN" was ranked as a factor A1 had (rootcause/alarms when every
    alarm is read, rootcause/step_alarms when they are sought per step)."""
    if not every_alarm:
        monkeypatch.setattr(rootcause, "ALL_ALARMS_UP_TO", 0)
    plant(graph, tmp_path, OVEN)
    shown = runner.invoke(app, ["rootcause", "A1", "--controls", "A2", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    factors = json.loads(shown.stdout)["factors"]
    alarms = {f["value"]: (f["complaints_with"], f["controls_with"]) for f in factors
              if f["kind"] == "alarm during step"}  # fmt: skip
    assert alarms == {"conveyor_stop on OVEN": (1, 0)}


def _step_ids(rows: list[Any]) -> list[str]:
    return sorted({row["step"]["step_id"] for row in rows})


# a supplier's lots received at 08:00:00.0004 (R1) and .0001 (R2), and OVEN's step S1 begun at .0004
WINDOWS = {
    **OVEN,
    "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at\n"
    "R1,FLOUR,20,kg,V1,X-1,2026-11-03T08:00:00.0004Z\n"
    "R2,FLOUR,20,kg,V1,X-2,2026-11-03T08:00:00.0001Z\n"
    "A1,LOAF,10,kg,,,\nA2,LOAF,10,kg,,,\n",
    "steps.csv": "step_id,operation,started_at,ended_at,device_id\n"
    "S1,bake,2026-11-03T08:00:00.0004Z,2026-11-03T08:30:00Z,OVEN\n"
    "S2,bake,2026-11-03T09:00:00Z,2026-11-03T10:00:00Z,OVEN\n",
}
TO_0009 = {"window_start": "2026-11-03T07:00:00Z", "window_end": "2026-11-03T08:00:00.0009Z"}


def test_browser_device_window_compares_to_the_microsecond(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The Browser's device_window.cypher left out a step that started at 08:00:00.0004 from a
    window to 08:00:00.0009 (both 08:00:00.000 in milliseconds)."""
    plant(graph, tmp_path, WINDOWS)
    rows = _browser_rows(graph, "device_window.cypher", device_id="OVEN", **TO_0009)
    assert _step_ids(rows) == ["S1"]


def test_browser_supplier_window_compares_to_the_microsecond(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The Browser's supplier_window.cypher left out R1, received at 08:00:00.0004, from a
    window to .0009, and listed R2, received at .0001, in a window from .0004."""
    plant(graph, tmp_path, WINDOWS)
    received = _browser_rows(graph, "supplier_window.cypher", supplier_id="V1", **TO_0009)
    assert sorted(row["lot"]["lot_id"] for row in received) == ["R1", "R2"]
    from_0004 = {"window_start": "2026-11-03T08:00:00.0004Z",
                 "window_end": "2026-11-03T09:00:00Z"}  # fmt: skip
    received = _browser_rows(graph, "supplier_window.cypher", supplier_id="V1", **from_0004)
    assert [row["lot"]["lot_id"] for row in received] == ["R1"]


def test_browser_customer_exposure_orders_shipments_to_the_microsecond(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """SH-A left at 08:00:00.0004, SH-B at .0001: in milliseconds they tied and SH-A (by id)
    was listed first."""
    tables = {
        "lots.csv": "lot_id,material_id,quantity,uom\nL1,LOAF,10,kg\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\n"
        "SH-A,C1,2026-11-03T08:00:00.0004Z\nSH-B,C1,2026-11-03T08:00:00.0001Z\n",
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH-A,L1,5,kg\nSH-B,L1,5,kg\n",
    }
    plant(graph, tmp_path, tables)
    rows = _browser_rows(graph, "customer_exposure.cypher", customer_id="C1")
    assert [row["shipment"]["shipment_id"] for row in rows] == ["SH-B", "SH-A"]


def test_checks_compare_instants_to_the_microsecond(graph: TraceGraph, tmp_path: Path) -> None:
    """The checks compare times converted to UTC (not epochMillis), so instants less than a
    millisecond apart are on their sides: R1 received at 08:00:00.0009 was shipped at .0004
    and used at .0004 (both listed); L2 failed an inspection at .0009 after it was shipped
    at .0004 (not listed; in milliseconds it was); L3 was returned by C1 at .0004, before its
    delivery to C1 at .0009 (listed; in milliseconds C1 had it)."""
    tables = {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at\n"
        "R1,FLOUR,20,kg,V1,X-1,2026-11-03T08:00:00.0009Z\n"
        "L2,LOAF,10,kg,V1,X-2,2026-11-03T07:00:00Z\n"
        "L3,LOAF,10,kg,V1,X-3,2026-11-03T07:00:00Z\nD1,DOUGH,10,kg,,,\n",
        "steps.csv": "step_id,operation,started_at,ended_at\n"
        "MIX,mix,2026-11-03T08:00:00.0004Z,2026-11-03T08:10:00Z\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nMIX,R1,10,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nMIX,D1,10,kg\n",
        "inspections.csv": "inspection_id,test,result,inspected_at,lot_id\n"
        "I2,seal,fail,2026-11-03T08:00:00.0009Z,L2\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\n"
        "SH-R1,C9,2026-11-03T08:00:00.0004Z\nSH-L2,C2,2026-11-03T08:00:00.0004Z\n"
        "RMA-L3,C1,2026-11-03T08:00:00.0004Z\nSH-L3,C1,2026-11-03T08:00:00.0009Z\n",
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH-R1,R1,5,kg\n"
        "SH-L2,L2,5,kg\nRMA-L3,L3,-2,kg\nSH-L3,L3,5,kg\n",
    }
    plant(graph, tmp_path, tables)
    found = {r.name: r.findings for r in run_checks(graph).results}
    assert [(f["lot_id"], f["shipment_id"]) for f in found["shipped_before_available"]] == [
        ("R1", "SH-R1")
    ]
    assert [(f["lot_id"], f["step_id"]) for f in found["consumed_before_available"]] == [
        ("R1", "MIX")
    ]
    assert found["released_after_failure"] == []
    assert [(f["lot_id"], f["shipment_id"]) for f in found["returned_by_another_customer"]] == [
        ("L3", "RMA-L3")
    ]
