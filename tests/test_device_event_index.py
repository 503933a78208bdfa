"""A device's events in a time window, sought in the index device_event_device_time: events
carry their device's id (and the label KeyedDeviceEvent that says so) from the import or from
`db init`'s migration, and until every event does, the queries read them from the device —
an un-migrated graph, or one migrated half-way, answers exactly as a migrated one."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from smt_plant import SMT_PLANT
from typer.testing import CliRunner

from tracegraph import queries, rootcause
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.importing.tables import TABLES
from tracegraph.trace import trace_backward, trace_window

# Besides tests/smt_plant.py's events: OVEN-1's alarm log of the next day (a device's events
# far outnumber any window asked of it), and events where instants and zones make the index's
# order (by instant, then zone) differ from the queries' (by instant, to the millisecond):
# 09:30+01:00 is 08:30Z, the start of a window below; 09:55+01:00 is 08:55Z, the end of one;
# 08:54:59.9995 falls in the millisecond before that end; and a calibration 0.4 ms after the
# failed one of 06:00Z, in its millisecond, which the last calibration's tie-break (the
# event_id) picks. (The import takes one instant of one device and kind for one event.)
ALARM_LOG = 1000
EXTRA_EVENTS = (
    "OVEN-1,maintenance,2026-11-03T09:30:00+01:00,door seal\n"
    "OVEN-1,maintenance,2026-11-03T09:55:00+01:00,door seal\n"
    "OVEN-1,alarm,2026-11-03T08:54:59.9995Z,belt_stop\n"
    "OVEN-1,calibration,2026-11-02T06:00:00.0004Z,pass\n"
    "OVEN-1,maintenance,2026-11-03T08:19:59.999Z,nozzle cleaned\n"
)
WINDOWS = (
    ("OVEN-1", "2026-11-03T08:30:00Z", "2026-11-03T08:55:00Z"),
    ("OVEN-1", "2026-11-03T09:30:00+01:00", "2026-11-03T09:55:00+01:00"),
    ("OVEN-1", "2026-11-03T08:20:00Z", "2026-11-03T09:21:00Z"),
    ("OVEN-1", "2026-11-02T06:00:00Z", "2026-11-02T06:00:00.001Z"),
    ("OVEN-1", "2026-11-02T06:00:00.001Z", "2026-11-03T08:00:00Z"),
    ("OVEN-1", "2026-11-04T03:00:00Z", "2026-11-04T04:00:00Z"),
    ("PRINTER-1", "2026-11-03T08:00:00Z", "2026-11-03T08:10:00Z"),
    ("PACKER-1", "2026-11-03T08:00:00Z", "2026-11-03T11:00:00Z"),
)
# (count(e:KeyedDeviceEvent) counts every event: a label test is false, not null, when it fails)
KEYED = (
    "MATCH (e:DeviceEvent) "
    "RETURN count(e) AS events, count(CASE WHEN e:KeyedDeviceEvent THEN 1 END) AS keyed"
)


def _alarm_log() -> str:
    day = datetime(2026, 11, 4, tzinfo=UTC)
    return "".join(
        f"OVEN-1,alarm,{(day + timedelta(minutes=i)).isoformat()},over_temperature\n"
        for i in range(ALARM_LOG)
    )


def _load_oven_plant(graph: TraceGraph, folder: Path) -> TraceGraph:
    folder.mkdir()
    for name, text in SMT_PLANT.items():
        extra = EXTRA_EVENTS + _alarm_log() if name == "device_events.csv" else ""
        (folder / name).write_text(text + extra, encoding="utf-8")
    assert import_paths(graph, [folder]).rejects == []
    return graph


@pytest.fixture
def oven_plant(graph: TraceGraph, tmp_path: Path) -> TraceGraph:
    return _load_oven_plant(graph, tmp_path / "smt")


def _run(graph: TraceGraph, statement: str) -> list[dict[str, Any]]:
    with graph.driver.session(database=graph.database) as session:
        return [record.data() for record in session.run(statement)]


def _answers(graph: TraceGraph) -> dict[str, Any]:
    """Every answer built from device events: backward traces, device windows, a ranking."""
    out: dict[str, Any] = {}
    for lot in ("F1", "A1", "A2", "P0"):
        trace = trace_backward(graph, [lot])
        out[f"backward {lot}"] = [
            (s["step_id"], s["device_events"], s["calibrated_before"], s["device_events_to"])
            for s in trace.steps
        ]
    for device, start, end in WINDOWS:
        window = trace_window(graph, "device", device, start, end)
        out[f"window {device} {start} {end}"] = (window.events, window.calibrated_before)
    # every alarm read beside the factors (a graph of few events), and each step's sought
    for most in (rootcause.ALL_ALARMS_UP_TO, 0):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(rootcause, "ALL_ALARMS_UP_TO", most)
            ranking = rootcause.rank_common_causes(graph, ["A1"], ["A2", "P0"])
        out[f"rootcause {most}"] = [f for f in ranking.factors if f["kind"] == "alarm during step"]
    return out


def test_an_alarm_without_a_zoned_time_is_passed_over_by_every_answer(
    oven_plant: TraceGraph,
) -> None:
    """An alarm made by hand in the Browser with its time as text, as a local time or without
    one (what `check` reports as "no time a trace reads") stopped every ranking of the plant:
    "Type mismatch", "Epoch not supported", or a TypeError (exit 3). They are passed over,
    by the ranking as by the traces, keyed or not."""
    graph = oven_plant
    before = _answers(graph)
    _run(
        graph,
        "MATCH (oven:Device {device_id: 'OVEN-1'}) UNWIND [{id: 'H1', at: "
        "'2026-11-03T08:45:00Z'}, {id: 'H2', at: localdatetime('2026-11-03T08:46:00')}, "
        "{id: 'H3', at: null}] AS hand "
        "CREATE (:DeviceEvent:KeyedDeviceEvent {event_id: hand.id, event: 'alarm', "
        "device_id: 'OVEN-1', at: hand.at, result: 'by hand'})-[:OF_DEVICE]->(oven)",
    )
    assert _answers(graph) == before
    _run(graph, "MATCH (e:DeviceEvent) REMOVE e:KeyedDeviceEvent")  # read from the device
    assert _answers(graph) == before


def test_an_unmigrated_or_half_migrated_graph_answers_as_a_migrated_one(
    oven_plant: TraceGraph,
) -> None:
    graph = oven_plant
    events = len(SMT_PLANT["device_events.csv"].splitlines()) - 1 + 5 + ALARM_LOG
    assert _run(graph, KEYED) == [{"events": events, "keyed": events}]
    assert _run(graph, "MATCH (e:DeviceEvent)-[:OF_DEVICE]->(d) "
                       "RETURN count(*) AS n, count(CASE WHEN e.device_id = d.device_id "
                       "THEN 1 END) AS same") == [{"n": events, "same": events}]  # fmt: skip
    migrated = _answers(graph)
    # what the boundary events are there for: each is in (or out of) its window
    at_start = migrated["window OVEN-1 2026-11-03T08:30:00Z 2026-11-03T08:55:00Z"][0]
    assert [(e["at"], e["result"]) for e in at_start] == [
        ("2026-11-03T08:30:00+00:00", "over_temperature"),
        ("2026-11-03T09:30:00+01:00", "door seal"),
        ("2026-11-03T08:40:00+00:00", "pass"),
        ("2026-11-03T08:50:00+00:00", "conveyor_stop"),
        ("2026-11-03T08:54:59.999500+00:00", "belt_stop"),
    ]
    calibrated = migrated["window OVEN-1 2026-11-02T06:00:00.001Z 2026-11-03T08:00:00Z"][1]
    assert (calibrated["at"], calibrated["result"]) == ("2026-11-02T06:00:00.000400+00:00", "pass")
    assert len(migrated["window OVEN-1 2026-11-04T03:00:00Z 2026-11-04T04:00:00Z"][0]) == 60
    assert migrated[f"rootcause {rootcause.ALL_ALARMS_UP_TO}"] == migrated["rootcause 0"]
    assert {f["value"] for f in migrated["rootcause 0"]} == {
        "conveyor_stop on OVEN-1", "over_temperature on OVEN-1"
    }  # fmt: skip

    # a graph imported before device events carried device_id: neither copy nor label
    _run(graph, "MATCH (e:DeviceEvent) REMOVE e.device_id, e:KeyedDeviceEvent")
    assert _answers(graph) == migrated
    # a migration stopped half-way: the events keyed so far would miss the others
    _run(graph, "MATCH (e:DeviceEvent)-[:OF_DEVICE]->(d) WITH e, d ORDER BY e.event_id "
                "LIMIT 600 SET e.device_id = d.device_id, e:KeyedDeviceEvent")  # fmt: skip
    assert _answers(graph) == migrated
    graph.init_schema()  # runs the migration
    assert _run(graph, KEYED) == [{"events": events, "keyed": events}]
    assert _answers(graph) == migrated


def _plan_hits(graph: TraceGraph, name: str, **params: Any) -> tuple[int, list[str], list[str]]:
    """A query's total db hits, its index seeks, and its operators of more than 100 hits
    (said when the test fails), profiled."""
    with graph.driver.session(database=graph.database) as session:
        profile = session.run("PROFILE " + queries.load(name), params).consume().profile
    assert profile is not None
    hits, seeks, heavy, todo = 0, [], [], [profile]
    while todo:
        operator = todo.pop()
        hits += operator.get("dbHits", 0)
        if "NodeIndexSeek" in operator["operatorType"]:
            seeks.append(operator["args"]["Details"])
        if operator.get("dbHits", 0) > 100:
            heavy.append(f"{operator['operatorType']} {operator['args'].get('Details')}")
        todo += operator.get("children", [])
    return hits, seeks, heavy


def test_window_queries_seek_the_index_and_read_only_the_window(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """OVEN-1 holds over a thousand events; the queries for a narrow trace, a device window
    and a ranking's alarms seek the few in their windows (read from the device, the backward
    trace read each of them twice, the window query and the alarms once). Planned first on the
    empty graph, as a test before may have (the server keeps a plan while the graph grows): a
    plan that may scan the index then did."""
    window = {"device_id": "OVEN-1", "window_start": "2026-11-03T08:00:00Z",
              "window_end": "2026-11-03T09:00:00Z"}  # fmt: skip
    # instants as [epochSeconds, nanosecond] (epoch milliseconds cut times kept to the µs)
    starts = int(datetime(2026, 11, 3, 8, 20, tzinfo=UTC).timestamp())
    queries_asked: tuple[tuple[str, dict[str, Any]], ...] = (
        ("trace/backward", {"asked": ["A1"], "lot_ids": []}),
        ("trace/device_events", window),
        ("rootcause/step_alarms", {"steps": [["OVEN-1", [starts, 0], [starts + 30 * 60, 0]]]}),
    )
    for name, params in queries_asked:
        with graph.driver.session(database=graph.database) as session:
            session.run("EXPLAIN " + queries.load(name), params).consume()
    _load_oven_plant(graph, tmp_path / "smt")
    for name, params in queries_asked:
        hits, seeks, heavy = _plan_hits(graph, name, **params)
        assert hits < ALARM_LOG / 2, (name, hits, heavy)
        # a trace also seeks the lots its ids name (Lot, Identifier): the events' seeks count
        events = [s for s in seeks if ":DeviceEvent(" in s]
        assert events and all("(device_id, event, at)" in s for s in events), (name, seeks)


def test_the_queries_name_every_kind_of_event() -> None:
    """The index is sought per kind: a kind the queries did not name would be missed; and
    the events read from the device are of the same kinds (see the test below)."""
    kinds = next(c for c in TABLES["device_events"].columns if c.name == "event").choices
    for name in ("trace/backward", "trace/device_events", "check/device_event_unseen"):
        text = queries.load(name)
        listed = re.findall(r"UNWIND \[([^\]]*)\] AS kind", text)
        kept = re.findall(r"event\.event(?:, '')?\)? IN \[([^\]]*)\]", text)
        assert kept and (listed or name.startswith("check/")), name
        for found in listed + kept:
            assert sorted(k.strip(" '") for k in found.split(",")) == sorted(kinds), name


def test_an_event_of_a_kind_the_import_does_not_take_is_in_neither_answer(
    oven_plant: TraceGraph, tmp_path: Path
) -> None:
    """The import takes calibrations, maintenance and alarms, the kinds sought in the index;
    an event of another kind is made only by hand (in the Browser). Read from the device while
    it lacked its device_id, it was shown — in OVEN-1's window and in the backward traces
    through OVEN-1 — and once the migration keyed it, hidden: both ways leave it out now."""
    graph = oven_plant
    migrated = _answers(graph)
    folder = tmp_path / "repair"
    folder.mkdir()
    (folder / "device_events.csv").write_text(
        "device_id,event,at,result\nOVEN-1,repair,2026-11-03T08:45:00Z,belt replaced\n",
        encoding="utf-8",
    )
    assert import_paths(graph, [folder]).rejected == 1
    events = _run(graph, KEYED)[0]["events"]
    _run(graph, "MATCH (d:Device {device_id: 'OVEN-1'}) "
                "CREATE (:DeviceEvent {event_id: 'OVEN-1|repair|2026-11-03T08:45:00Z', "
                "event: 'repair', at: datetime('2026-11-03T08:45:00Z'), "
                "result: 'belt replaced'})-[:OF_DEVICE]->(d)")  # fmt: skip
    assert _run(graph, KEYED) == [{"events": events + 1, "keyed": events}]
    assert _answers(graph) == migrated
    graph.init_schema()  # the migration keys it: the index way
    assert _run(graph, KEYED) == [{"events": events + 1, "keyed": events + 1}]
    assert _answers(graph) == migrated
    assert "belt replaced" not in json.dumps(migrated)


def test_import_keeps_the_device_id_on_new_and_changed_events(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """New events (the CREATE path) and changed ones (the MERGE path, here one written by a
    version without the copy) carry device_id and the label; the copy is no change of its own
    in the ledger, and an unchanged re-import writes nothing."""
    folder = tmp_path / "events"
    folder.mkdir()
    header = "device_id,event,at,result\n"
    (folder / "device_events.csv").write_text(
        header + "OVEN-1,alarm,2026-11-03T08:30:00Z,over_temperature\n"
        "OVEN-1,calibration,2026-11-02T06:00:00Z,pass\n", encoding="utf-8")  # fmt: skip
    import_paths(graph, [folder])
    copies = ("MATCH (e:DeviceEvent)-[:OF_DEVICE]->(d) RETURN e.event AS event, "
              "e.device_id AS copy, d.device_id AS device, e:KeyedDeviceEvent AS keyed "
              "ORDER BY event")  # fmt: skip
    keyed = [{"event": e, "copy": "OVEN-1", "device": "OVEN-1", "keyed": True}
             for e in ("alarm", "calibration")]  # fmt: skip
    assert _run(graph, copies) == keyed
    # a calibration: an alarm of another result is another alarm (tables.device_event_id)
    _run(graph, "MATCH (e:DeviceEvent {event: 'calibration'}) "
                "REMOVE e.device_id, e:KeyedDeviceEvent")  # fmt: skip
    (folder / "device_events.csv").write_text(
        header + "OVEN-1,alarm,2026-11-03T08:30:00Z,over_temperature\n"
        "OVEN-1,calibration,2026-11-02T06:00:00Z,fail\n", encoding="utf-8")  # fmt: skip
    changed = import_paths(graph, [folder])
    assert changed.tables["device_events"].changed == 1
    assert _run(graph, copies) == keyed
    assert _run(graph, "MATCH (c:RowChange {table: 'device_events'}) RETURN c.columns AS c") == [
        {"c": ["result"]}
    ]
    again = import_paths(graph, [folder], force=True)
    assert again.tables["device_events"].changed == 0


def test_a_graph_without_the_index_answers_as_with_it(
    oven_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """An upgraded package before `db init` (or the next import) made the index, stood in for
    by dropping it: the hinted seek names an index the server lacks. Neo4j 5.26 (with its
    default dbms.cypher.hints_error=false) plans the query anyway with a warning (01N31,
    "hinted index does not exist") and scans the label in the keyed branch: slower, the same
    answers, through the library and the CLI. A server set to hints_error=true refuses it
    (Neo.ClientError.Schema.IndexNotFound): the CLI says to run `db init`, in one line."""
    graph = oven_plant
    migrated = _answers(graph)
    _run(graph, "DROP INDEX device_event_device_time")
    _run(graph, "CALL db.clearQueryCaches()")  # no plan made with the index is reused
    window = ["--from", "2026-11-03T08:30:00Z", "--to", "2026-11-03T08:55:00Z"]
    (setting,) = _run(graph, "CALL dbms.listConfig('dbms.cypher.hints_error') YIELD value")
    if setting["value"] == "true":
        # a server that refuses unfulfillable hints: one line that says what to do
        refused = runner.invoke(app, ["trace", "device", "OVEN-1", *window])
        assert refused.exit_code != 0
        assert "Traceback" not in refused.stderr
        assert "lacks the graph model's indexes" in refused.stderr
        assert "run `tracegraph db init`" in refused.stderr
        return
    assert _answers(graph) == migrated
    device = runner.invoke(app, ["trace", "device", "OVEN-1", *window])
    assert device.exit_code == 0, device.stderr
    assert "belt_stop" in device.stdout
    for command in (["trace", "backward", "F1"], ["rootcause", "A1", "--controls", "A2,P0"]):
        shown = runner.invoke(app, command)
        assert shown.exit_code == 0, (command, shown.stderr)


def test_db_init_repairs_a_labelled_event_an_older_import_left_without_device_id(
    oven_plant: TraceGraph,
) -> None:
    """An older version re-importing a changed event replaces its properties (SET n =
    row.props) and keeps its labels: the event is still a KeyedDeviceEvent, the counts match,
    the queries seek the index, and the index (only events with all three properties) lacks
    it — every answer missed it, and the migration, which took only unlabelled events, never
    copied its device_id again. `db init` now does."""
    graph = oven_plant
    migrated = _answers(graph)
    _run(graph, "MATCH (e:DeviceEvent {result: 'belt_stop'}) REMOVE e.device_id")
    graph.init_schema()
    assert _run(graph, "MATCH (e:DeviceEvent {result: 'belt_stop'}) RETURN e.device_id AS d") == [
        {"d": "OVEN-1"}
    ]
    assert _answers(graph) == migrated


def test_status_warns_of_unkeyed_events_and_the_next_import_migrates_them(
    oven_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """One event without the label (a Browser hand edit, an older version's CREATE) sends every
    device query to reading the device's events; the import ran the migration only when a
    schema object was missing, so it never did, and `db status` said nothing."""
    graph = oven_plant
    events = _run(graph, KEYED)[0]["events"]
    _run(
        graph, "MATCH (e:DeviceEvent {result: 'belt_stop'}) REMOVE e.device_id, e:KeyedDeviceEvent"
    )
    status = json.loads(runner.invoke(app, ["db", "status", "--format", "json"]).stdout)
    assert status["unkeyed_device_events"] == 1
    table = runner.invoke(app, ["db", "status"])
    assert table.exit_code == 0, table.stderr
    warned = " ".join(table.stderr.split())
    assert "1 device event lacks the copy of their device's id" in warned
    assert "hint: run `tracegraph db init`" in warned

    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "materials.csv").write_text("material_id,name,uom\nM9,Flux,kg\n")
    imported = import_paths(graph, [folder])
    assert imported.notes == [
        "1 device event lacked their device's id (written by another version or by hand): "
        "copied it first"
    ]
    assert _run(graph, KEYED) == [{"events": events, "keyed": events}]
    status = json.loads(runner.invoke(app, ["db", "status", "--format", "json"]).stdout)
    assert status["unkeyed_device_events"] == 0
    assert "device event" not in runner.invoke(app, ["db", "status"]).stderr
    # an up-to-date graph: the import says nothing
    assert import_paths(graph, [folder], force=True).notes == []
