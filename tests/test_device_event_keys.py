"""A device event's key: device, kind of event and time — and an alarm's kind (its result).

An MES logs several alarms of one device in the same second; keyed by the time alone, all but
the first were rejected as duplicates with a different result. Calibrations keep their key
without the result, so that a corrected result changes the calibration instead of adding one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracegraph.graph import TraceGraph
from tracegraph.trace import trace_window

from test_import import _import, _write  # isort: skip

SAME_SECOND = (
    "device_id,event,at,result\n"
    "OVEN-1,alarm,2026-11-03T08:00:00Z,over_temperature\n"
    "OVEN-1,alarm,2026-11-03T08:00:00Z,door_open\n"
    "OVEN-1,calibration,2026-11-02T08:00:00Z,pass\n"
)


# the key without its last part, `|` and the alarm's kind
OLD_KEYS = (
    "MATCH (e:DeviceEvent {event: 'alarm'}) "
    "SET e.event_id = left(e.event_id, size(e.event_id) - 1 - size(coalesce(e.result, '')))"
)


def _event_ids(graph: TraceGraph) -> list[str]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (e:DeviceEvent) RETURN e.event_id AS id ORDER BY id", database_=graph.database
    )
    return [r["id"] for r in records]


def test_two_alarms_of_one_device_in_the_same_second_are_two_events(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _write(folder, "device_events.csv", SAME_SECOND)
    code, summary, rejects = _import(runner, str(folder))
    assert (code, rejects) == (0, [])
    assert summary["tables"]["device_events"]["written"] == 3
    assert _event_ids(graph) == [
        "OVEN-1|alarm|2026-11-03T08:00:00+00:00|door_open",
        "OVEN-1|alarm|2026-11-03T08:00:00+00:00|over_temperature",
        "OVEN-1|calibration|2026-11-02T08:00:00+00:00",
    ]
    window = trace_window(
        graph, "device", "OVEN-1", "2026-11-03T07:00:00+00:00", "2026-11-03T09:00:00+00:00"
    )
    assert sorted(e["result"] for e in window.events) == ["door_open", "over_temperature"]
    # the same file again, and as a full dump: nothing changes, nothing is removed
    for args in (("--force",), ("--full", "--force")):
        code, summary, _ = _import(runner, str(folder), *args)
        assert code == 0
        assert summary["tables"]["device_events"]["changed"] == 0
        assert summary["tables"]["device_events"]["removed"] in (None, 0)
        assert len(_event_ids(graph)) == 3


def test_one_alarm_twice_with_other_values_or_a_calibration_twice_is_still_a_duplicate(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _write(folder, "device_events.csv", (
        "device_id,event,at,result,code\n"
        "OVEN-1,alarm,2026-11-03T08:00:00Z,door_open,E1\n"
        "OVEN-1,alarm,2026-11-03T08:00:00Z,door_open,E2\n"
        "OVEN-1,calibration,2026-11-02T08:00:00Z,pass,\n"
        "OVEN-1,calibration,2026-11-02T08:00:00Z,fail,\n"
    ))  # fmt: skip
    code, _, rejects = _import(runner, str(folder))
    assert code == 1
    assert [(r["line"], r["column"], r["reason"]) for r in rejects] == [
        ("3", "code", "duplicate device_id+event+at+result with a different code than line 2"),
        ("5", "result", "duplicate device_id+event+at with a different result than line 4"),
    ]
    assert len(_event_ids(graph)) == 2


def _as_an_older_version_left_them(graph: TraceGraph, constraint: bool) -> None:
    """Alarms keyed by device and time alone, no Migration node, and (`constraint`) none of
    the constraint on it that this version's schema adds."""
    for query in (OLD_KEYS, "MATCH (m:Migration) DELETE m"):
        graph.driver.execute_query(query, database_=graph.database)
    if constraint:
        return
    records, _, _ = graph.driver.execute_query(
        "SHOW CONSTRAINTS YIELD name, labelsOrTypes WHERE labelsOrTypes = ['Migration'] "
        "RETURN name", database_=graph.database,
    )  # fmt: skip
    for record in records:
        graph.driver.execute_query(f"DROP CONSTRAINT {record['name']}", database_=graph.database)


@pytest.mark.parametrize("constraint", [False, True], ids=["upgraded", "migration-cut-short"])
def test_alarms_an_older_version_keyed_by_time_alone_are_found_again_not_added_twice(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    constraint: bool,
) -> None:  # fmt: skip
    """An older version's keys (device|alarm|time) are given the alarm's kind before the next
    import looks the alarms up: the same alarm log again writes nothing new. Right after an
    upgrade the import installs the schema the new version adds, migrations included; a
    migration cut short (its Migration node missing) is finished by the next import."""
    folder = tmp_path / "in"
    _write(folder, "device_events.csv", (
        "device_id,event,at,result\n"
        "OVEN-1,alarm,2026-11-03T08:00:00Z,over_temperature\n"
        "OVEN-1,alarm,2026-11-03T09:00:00Z,\n"
        "OVEN-1,calibration,2026-11-02T08:00:00Z,pass\n"
    ))  # fmt: skip
    assert _import(runner, str(folder))[0] == 0
    migrated = _event_ids(graph)
    assert migrated[0].endswith("|over_temperature") and migrated[1].endswith("+00:00|")
    _as_an_older_version_left_them(graph, constraint)
    assert _event_ids(graph) != migrated
    if constraint:  # a dry run of a full dump, which migrates nothing, finds nothing gone
        dry = _import(runner, str(folder), "--full", "--dry-run", "--force")[1]
        assert dry["removed"] == 0, dry
    code, summary, _ = _import(runner, str(folder), "--force")
    assert code == 0
    assert _event_ids(graph) == migrated
    assert summary["tables"]["device_events"]["changed"] == 0
    # and `db init` migrates them too
    _as_an_older_version_left_them(graph, constraint)
    graph.init_schema()
    assert _event_ids(graph) == migrated


def test_an_alarm_whose_key_the_index_cannot_hold_is_rejected(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An alarm's result is in its key, which the schema indexes: a free-text result of
    thousands of characters made Neo4j refuse the batch part-way. A calibration's is no key."""
    long = "x" * 9_000
    folder = tmp_path / "in"
    _write(folder, "device_events.csv", (
        f"device_id,event,at,result\nOVEN-1,alarm,2026-11-03T08:00:00Z,{long}\n"
        f"OVEN-1,calibration,2026-11-02T08:00:00Z,{long}\n"
    ))  # fmt: skip
    code, summary, rejects = _import(runner, str(folder))
    assert code == 1
    assert [(r["line"], r["column"], r["reason"]) for r in rejects] == [
        ("2", "result", "an alarm's result is part of its key, which the schema indexes: the "
         "key would hold more than 8,000 bytes (UTF-8)"),
    ]  # fmt: skip
    assert summary["tables"]["device_events"]["written"] == 1
