"""Device history behind a backward trace: each step on a device carries the device's alarms,
calibrations and maintenance during it and its last calibration before it (tests/smt_plant.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from smt_plant import SMT_PLANT
from test_bench_engines import needs_postgres
from test_browser_queries import BROWSER, _statements
from test_check import _plant as plant
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.compare.postgres import (
    backward_trace,
    load_plant,
    running_postgres,
    window_trace,
)
from tracegraph.graph import TraceGraph
from tracegraph.importing.mappings import apply_mapping, load_mapping
from tracegraph.importing.reader import RawTable
from tracegraph.importing.run import import_paths
from tracegraph.trace import epoch_ns, failed_calibration, trace_backward, trace_window


@pytest.fixture
def smt_plant(graph: TraceGraph, tmp_path: Path) -> TraceGraph:
    """The database holding only tests/smt_plant.py's line."""
    folder = tmp_path / "smt"
    folder.mkdir()
    for name, text in SMT_PLANT.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [folder]).rejects == []
    return graph


def _history(steps: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """Per step: its events during it (kind, at, result), its last calibration before, and up
    to when the events were read."""
    return {
        step["step_id"]: (
            [(e["event"], e["at"], e["result"]) for e in step["device_events"]],
            step["calibrated_before"] and (step["calibrated_before"]["at"],
                                           step["calibrated_before"]["result"]),
            step["device_events_to"],
            step["device_events_end_assumed"],
        )
        for step in steps
    }  # fmt: skip


EXPECTED = {
    "PRINT-1": (
        [("maintenance", "2026-11-03T08:05:00+00:00", "squeegee replaced")],
        ("2026-10-01T06:00:00+00:00", "pass"),
        "2026-11-03T08:10:00+00:00",
        False,
    ),
    "REFLOW-1": (  # the alarm at its very end counts; the calibration during it is an event
        [
            ("alarm", "2026-11-03T08:30:00+00:00", "over_temperature"),
            ("calibration", "2026-11-03T08:40:00+00:00", "pass"),
            ("alarm", "2026-11-03T08:50:00+00:00", "conveyor_stop"),
        ],
        ("2026-11-02T06:00:00+00:00", "fail"),
        "2026-11-03T08:50:00+00:00",
        False,
    ),
    "REFLOW-2": (  # no end: up to the device's longest step (30 min, kept as 1,801 s)
        [("alarm", "2026-11-03T10:20:00+01:00", "over_temperature")],
        ("2026-11-03T08:40:00+00:00", "pass"),
        "2026-11-03T09:30:01+00:00",
        True,
    ),
    "PACK": ([], None, "2026-11-03T10:10:00+00:00", False),
}


def test_backward_steps_carry_their_devices_events_and_last_calibration(
    smt_plant: TraceGraph,
) -> None:
    """The alarm between the reflows (08:55) and the one after REFLOW-2's bound (09:45) are
    during no step; also on a graph imported before longest_step_s existed."""
    graph = smt_plant
    for bound in ("kept by the import", "from the history"):
        if bound == "from the history":
            graph.driver.execute_query(
                "MATCH (d:Device) REMOVE d.longest_step_s", database_=graph.database
            )
        trace = trace_backward(graph, ["F1"])
        assert _history(trace.steps) == EXPECTED, bound
        assert trace.flags["alarms during steps"] == 3
        assert trace.flags["steps after a failed calibration"] == 1
    assert trace.warnings == [
        "alarm over_temperature on device OVEN-1 at 2026-11-03T08:30:00+00:00, during step "
        "REFLOW-1 (reflow) that made A1",
        "alarm conveyor_stop on device OVEN-1 at 2026-11-03T08:50:00+00:00, during step "
        "REFLOW-1 (reflow) that made A1",
        "alarm over_temperature on device OVEN-1 at 2026-11-03T10:20:00+01:00, during step "
        "REFLOW-2 (reflow) that made A2",
        "device OVEN-1's last calibration before 1 step failed (fail, "
        "2026-11-02T06:00:00+00:00): REFLOW-1",
    ]


@needs_postgres
def test_postgres_reads_the_same_device_history(smt_plant: TraceGraph, tmp_path: Path) -> None:
    """The benchmark's PostgreSQL engine reads the devices' events with its backward trace, as
    cypher/trace/backward.cypher does, so both engines are timed on the same answer. Times are
    compared as instants: PostgreSQL keeps 10:20+01:00 as 09:20+00:00."""

    def instants(history: dict[str, tuple[Any, ...]]) -> dict[str, Any]:
        return {
            step_id: ([(kind, epoch_ns(at), result) for kind, at, result in events],
                      calibrated and (epoch_ns(calibrated[0]), calibrated[1]), *rest)
            for step_id, (events, calibrated, *rest) in history.items()
        }  # fmt: skip

    def events(found: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(e["event"], epoch_ns(e["at"]), e["result"]) for e in found]

    start, end = datetime(2026, 11, 3, 8, 35, tzinfo=UTC), datetime(2026, 11, 3, 9, 50, tzinfo=UTC)
    with running_postgres() as pg, pg.connect() as conn:
        load_plant(pg, tmp_path / "smt")
        theirs = backward_trace(conn, ["F1"])
        window = window_trace(conn, "OVEN-1", start, end)
    assert instants(_history(theirs.steps)) == instants(EXPECTED)
    assert instants(_history(trace_backward(smt_plant, ["F1"]).steps)) == instants(EXPECTED)
    # and a window's events: the calibration at 08:40, the alarms at 08:50, 08:55, 09:20
    # (10:20+01:00) and 09:45; the failed calibration the day before is the last before 08:35
    ours = trace_window(smt_plant, "device", "OVEN-1", start.isoformat(), end.isoformat())
    assert events(window.events) == events(ours.events) and len(ours.events) == 5
    assert window.calibrated_before is not None and ours.calibrated_before is not None
    assert (
        events([window.calibrated_before])
        == events([ours.calibrated_before])
        == [("calibration", epoch_ns("2026-11-02T06:00:00Z"), "fail")]
    )
    assert theirs.flags["alarms during steps"] == 3


def test_a_trace_of_steps_without_devices_or_events_reads_no_history(smt_plant: TraceGraph) -> None:
    """A received lot has no step: no history to read, and the flags say none."""
    trace = trace_backward(smt_plant, ["SP"])
    assert trace.steps == [] and trace.warnings == []
    assert trace.flags["alarms during steps"] == 0
    assert trace.flags["steps after a failed calibration"] == 0


def test_cli_backward_warns_of_each_alarm_and_shows_calibrations(
    smt_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    shown = runner.invoke(app, ["trace", "backward", "F1"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[0].endswith(
        "· 3 alarms during steps, 1 step after a failed calibration"
    )
    tree = " ".join(shown.stdout.split())
    assert "OVEN-1 (cal 2026-11-02 fail) ALARM over_temperature 2026-11-03 08:30 UTC" in tree
    assert "ALARM over_temperature 2026-11-03 10:20 +01:00 · OP2 · peak_temp_c=262" in tree
    assert "PACKER-1 (no calibration recorded) · OP2" in tree
    assert "PRINTER-1 (cal 2026-10-01 pass) · OP1 · kpa=55" in tree
    warnings = [line for line in shown.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: alarm over_temperature on device OVEN-1 at 2026-11-03T08:30:00+00:00, during "
        "step REFLOW-1 (reflow) that made A1",
        "warning: alarm conveyor_stop on device OVEN-1 at 2026-11-03T08:50:00+00:00, during "
        "step REFLOW-1 (reflow) that made A1",
        "warning: alarm over_temperature on device OVEN-1 at 2026-11-03T10:20:00+01:00, during "
        "step REFLOW-2 (reflow) that made A2",
        "warning: device OVEN-1's last calibration before 1 step failed (fail, "
        "2026-11-02T06:00:00+00:00): REFLOW-1",
    ]
    answer = json.loads(runner.invoke(app, ["trace", "backward", "F1", "--format", "json"]).stdout)
    assert _history(answer["steps"]) == EXPECTED
    assert answer["warnings"] == [w.removeprefix("warning: ") for w in warnings]
    assert answer["flags"]["alarms during steps"] == 3


# --- process parameters in device and operator windows ---------------------------------------


@pytest.mark.parametrize(
    ("kind", "subject", "expected"),
    [
        ("device", "OVEN-1", {"REFLOW-1": {"peak_temp_c": 248}, "REFLOW-2": {"peak_temp_c": 262}}),
        ("operator", "OP1", {"PRINT-1": {"kpa": 55}, "REFLOW-1": {"peak_temp_c": 248}}),
    ],
)
def test_window_steps_carry_their_process_parameters(
    smt_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    kind: str,
    subject: str,
    expected: dict[str, dict[str, Any]],
) -> None:
    """A window's steps said which step made which lot, not at what peak temperature: the
    steps table's extra columns come with each step (empty cells are no parameter)."""
    command = ["trace", kind, subject, "--from", "2026-11-03T08:00Z", "--to", "2026-11-03T09:10Z"]
    answer = json.loads(runner.invoke(app, [*command, "--format", "json"]).stdout)
    assert {s["step_id"]: s["parameters"] for s in answer["steps"]} == expected
    shown = runner.invoke(app, command)
    assert shown.exit_code == 0, shown.output
    rows = {line.split("│")[1].strip(): line for line in shown.stdout.splitlines()
            if line.startswith("│") and line.split("│")[1].strip() in expected}  # fmt: skip
    for step_id, parameters in expected.items():
        ((name, value),) = parameters.items()
        assert f"│ {name}={value} " in rows[step_id], rows


def test_browser_device_window_keeps_the_commands_window_rule(unended_steps: TraceGraph) -> None:
    """The Browser's device_window.cypher read a missing end time as the start: S-REF-X,
    begun 20 min before the window with no end, was left out of what `trace device` listed.
    It now answers what the command does — also at the bound, for an ended step ending as
    the window starts, and on a graph imported before longest_step_s existed."""
    graph = unended_steps
    _, (statement,) = _statements((BROWSER / "device_window.cypher").read_text(encoding="utf-8"))
    windows = [
        ("2026-11-06T01:20:00+01:00", "2026-11-06T02:00:00+01:00"),  # S-REF-X and IN-X
        ("2026-11-06T03:00:00+01:00", "2026-11-06T03:10:00+01:00"),  # at the bound: both
        ("2026-11-06T03:00:01+01:00", "2026-11-06T03:10:00+01:00"),  # past it: IN-X
        ("2026-11-05T22:00:00+01:00", "2026-11-05T22:30:00+01:00"),  # OLD-X (LONG ended)
        ("2026-11-05T21:59:00+01:00", "2026-11-05T22:10:00+01:00"),  # LONG
    ]
    found = []
    for bound in ("kept by the import", "from the history"):
        if bound == "from the history":
            graph.driver.execute_query(
                "MATCH (d:Device) REMOVE d.longest_step_s", database_=graph.database
            )
        for start, end in windows:
            params = {"device_id": "OVEN-1", "window_start": start, "window_end": end}
            records = graph.driver.execute_query(statement, params, database_=graph.database)
            browser = sorted({r["step"]["step_id"] for r in records.records})
            command = sorted(s["step_id"] for s in trace_window(graph, "device", "OVEN-1",
                                                                start, end).steps)  # fmt: skip
            assert browser == command, (bound, start, end)
            found.append(browser)
    assert found[:5] == [["IN-X", "S-REF-X"], ["IN-X", "S-REF-X"], ["IN-X"], ["OLD-X"],
                         ["LONG"]]  # fmt: skip


# --- alarms in the common-cause ranking --------------------------------------------------------


def test_rootcause_ranks_the_alarms_during_the_complaints_steps(
    smt_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """Complaint A1 was reflowed (REFLOW-1) through an over-temperature alarm and a conveyor
    stop; control A2's REFLOW-2 (no end time: up to OVEN-1's longest step) through an
    over-temperature alarm too; control P0 was only printed. The alarms are factors per
    device and kind, counted like the others."""
    shown = runner.invoke(app, ["rootcause", "A1", "--controls", "A2,P0", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    factors = json.loads(shown.stdout)["factors"]
    alarms = {f["value"]: (f["complaints_with"], f["controls_with"]) for f in factors
              if f["kind"] == "alarm during step"}  # fmt: skip
    assert alarms == {"conveyor_stop on OVEN-1": (1, 0), "over_temperature on OVEN-1": (1, 1)}
    table = runner.invoke(app, ["rootcause", "A1", "--controls", "A2,P0"])
    assert "conveyor_stop on OVEN-1" in table.stdout


@pytest.mark.parametrize(
    ("result", "failed"),
    [("fail", True), ("FAILED", True), ("NOK", True), ("not  OK", True), ("n.i.O.", True),
     ("NG", True), ("不合格", True), ("pass", False), ("合格", False), ("i.O.", False),
     (None, False)],
)  # fmt: skip
def test_a_failed_calibration_is_known_in_the_words_exports_use(
    result: str | None, failed: bool
) -> None:
    """An MES's 不合格 (and SAP's NOK) calibrations went unflagged: only fail/failed counted."""
    assert failed_calibration({"result": result}) is failed


def test_the_mes_mapping_reads_a_calibrations_result_and_an_alarms_kind(tmp_path: Path) -> None:
    header = ("设备编号", "事件", "时间", "结果")
    rows = [
        (2, dict(zip(header, ("OV1", "校准", "2026/11/03 08:15", "不合格"), strict=True))),
        (3, dict(zip(header, ("OV1", "报警", "2026/11/03 09:15", "超温"), strict=True))),
        (4, dict(zip(header, ("OV1", "报警", "2026/11/03 09:20", "门未关"), strict=True))),
    ]
    raw = RawTable(tmp_path / "设备事件.csv", header, rows, "gb18030")
    mapped = apply_mapping(load_mapping(Path("mes_gbk")), raw)
    assert mapped.rejects == []
    # an alarm's kind as the canonical tables name it (it is part of the alarm's key); a kind
    # the mapping does not list, as written
    results = [row["result"] for _, row in mapped.tables[0][1].rows]
    assert results == ["fail", "over_temperature", "门未关"]


def test_a_calibration_that_failed_during_a_step_is_shown_counted_and_warned_of(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """Oven DEV2 passed its calibration at 05:00 and failed one at 10:20, while bake S5 ran on
    it (10:00-11:00, making K1, which went into F). The tree showed "DEV2 (cal 2026-03-01
    pass) ALARM over_temperature", the flags counted no step, no warning named S5: only the
    step's JSON `device_events` had it. The device was out of tolerance while it made K1."""
    tables = {
        "lots.csv": "lot_id,material_id,quantity,uom\nK1,LOAF,10,kg\nF,BOX,10,kg\n",
        "steps.csv": "step_id,operation,started_at,ended_at,device_id\n"
        "S5,bake,2026-03-01T10:00:00Z,2026-03-01T11:00:00Z,DEV2\n"
        "S6,pack,2026-03-01T12:00:00Z,2026-03-01T12:30:00Z,\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nS6,K1,10,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nS5,K1,10,kg\nS6,F,10,kg\n",
        "device_events.csv": "device_id,event,at,result\n"
        "DEV2,calibration,2026-03-01T05:00:00Z,pass\n"
        "DEV2,alarm,2026-03-01T10:10:00Z,over_temperature\n"
        "DEV2,calibration,2026-03-01T10:20:00Z,fail\n",
    }
    plant(graph, tmp_path, tables)
    trace = trace_backward(graph, ["F"])
    assert trace.flags["steps during a failed calibration"] == 1
    assert trace.flags["steps after a failed calibration"] == 0
    assert trace.warnings[-1] == (
        "device DEV2's calibration failed (fail, 2026-03-01T10:20:00+00:00) during step S5 "
        "(bake) that made K1: the device was out of tolerance while it made them"
    )
    shown = runner.invoke(app, ["trace", "backward", "F"])
    assert shown.exit_code == 0, shown.output
    line = next(line for line in shown.stdout.splitlines() if "S5" in line and "DEV2" in line)
    assert "CALIBRATION FAILED (fail)" in line
    assert "1 step during a failed calibration" in shown.stdout
