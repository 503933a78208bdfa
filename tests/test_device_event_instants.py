"""A device event is keyed by the instant it happened, not by the offset its time was written
with: 07:30+01:00 and 06:30Z are one calibration (a MES writing +08:00 and a canonical export
writing Z stored every event twice). The stored `at` keeps the offset it was written with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tracegraph.graph import TraceGraph
from tracegraph.trace import trace_window

from test_import import _import, _write  # isort: skip

BERLIN = "OVEN-1,calibration,2026-01-05T07:30:00+01:00,pass\n"
UTC_ROW = "OVEN-1,calibration,2026-01-05T06:30:00Z,pass\n"
HEADER = "device_id,event,at,result\n"
KEY = "OVEN-1|calibration|2026-01-05T06:30:00+00:00"


def _events(graph: TraceGraph) -> list[tuple[str, str, int, int]]:
    """Each event's key, its `at` as stored, its OF_DEVICE edges and the ledger's ABOUT edges."""
    records, _, _ = graph.driver.execute_query(
        "MATCH (e:DeviceEvent) RETURN e.event_id AS id, toString(e.at) AS at, "
        "COUNT { (e)-[:OF_DEVICE]->(:Device) } AS devices, COUNT { (e)<-[:ABOUT]-() } AS about "
        "ORDER BY id",
        database_=graph.database,
    )
    return [(r["id"], r["at"], r["devices"], r["about"]) for r in records]


def _new(summary: dict[str, Any]) -> int:
    """Rows that made a node (the JSON's `changed` counts new and updated rows)."""
    counts = summary["tables"]["device_events"]
    return int(counts["changed"] - counts["updated"])


def _run(graph: TraceGraph, query: str) -> None:
    graph.driver.execute_query(query, database_=graph.database)


def test_one_instant_written_with_two_offsets_is_one_event(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _write(folder, "device_events.csv", HEADER + BERLIN + UTC_ROW)
    code, summary, rejects = _import(runner, str(folder), "--timezone", "Europe/Berlin")
    assert (code, rejects) == (0, [])
    assert summary["tables"]["device_events"]["duplicates"] == 1
    # the first row's local time is kept as written
    assert _events(graph) == [(KEY, "2026-01-05T07:30:00+01:00", 1, 0)]
    window = trace_window(
        graph, "device", "OVEN-1", "2026-01-05T06:00:00+00:00", "2026-01-05T12:00:00+00:00"
    )
    assert len(window.events) == 1
    # the same calibration from another system, written in UTC: found, not added
    other = tmp_path / "other"
    _write(other, "device_events.csv", HEADER + UTC_ROW)
    code, summary, _ = _import(runner, str(other))
    assert code == 0
    assert _new(summary) == 0
    assert [e[0] for e in _events(graph)] == [KEY]


def _as_an_older_version_left_them(graph: TraceGraph) -> None:
    """The Berlin event keyed with its offset as written, a twin of it keyed in UTC (the same
    calibration imported from a UTC export), and no Migration node."""
    _run(graph, "MATCH (e:DeviceEvent {event: 'calibration'}) "
         "SET e.event_id = 'OVEN-1|calibration|2026-01-05T07:30:00+01:00'")  # fmt: skip
    _run(graph, "MATCH (e:DeviceEvent {event: 'calibration'})-[:OF_DEVICE]->(d) "
         "CREATE (t:DeviceEvent:KeyedDeviceEvent)-[:OF_DEVICE]->(d) "
         f"SET t = e {{.*, event_id: '{KEY}'}}, "
         "t.at = datetime('2026-01-05T06:30:00Z')")  # fmt: skip
    _run(graph, "MATCH (e:DeviceEvent {event: 'alarm'}) "
         "SET e.event_id = 'OVEN-1|alarm|2026-01-05T10:30:00.250000+01:00|door_open'")  # fmt: skip
    _run(graph, "MATCH (m:Migration) DELETE m")


def test_events_an_older_version_keyed_by_their_offset_are_rekeyed_and_twins_merged(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The next import (or `db init`) re-keys them as the instant in UTC before it looks them up;
    two events that become one key are merged, keeping the ledger's changes and the device edge;
    a dry run of a full dump, which migrates nothing, already sees the migrated keys."""
    folder = tmp_path / "in"
    alarm = "OVEN-1,alarm,2026-01-05T10:30:00.25+01:00,door_open\n"
    _write(folder, "device_events.csv", HEADER + BERLIN.replace("pass", "fail") + alarm)
    assert _import(runner, str(folder))[0] == 0
    _write(folder, "device_events.csv", HEADER + BERLIN + alarm)  # a ledger change: fail → pass
    assert _import(runner, str(folder))[0] == 0
    alarm_key = "OVEN-1|alarm|2026-01-05T09:30:00.250000+00:00|door_open"
    migrated = [(alarm_key, "2026-01-05T10:30:00.25+01:00", 1, 0),
                (KEY, "2026-01-05T06:30:00Z", 1, 1)]  # fmt: skip
    for migrate in ("import", "db init"):
        _as_an_older_version_left_them(graph)
        assert len(_events(graph)) == 3
        dry = _import(runner, str(folder), "--full", "--dry-run", "--force")[1]
        assert dry["removed"] == 0, dry
        if migrate == "import":
            code, summary, _ = _import(runner, str(folder), "--force")
            assert code == 0
            assert _new(summary) == 0
        else:
            graph.init_schema()
        assert _events(graph) == migrated
