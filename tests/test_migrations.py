"""The data migrations of cypher/migrate/ on graphs older versions wrote (the old state made
with the Cypher the older importer ran), through `db init` against the real test server: what
they merge, what they report, and what `db status` says of those not run yet."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from tracegraph import schema
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph

# the older importer's device_events.cypher and its OF_DEVICE edge: SET n = row.props
OLD_EVENT = """
MERGE (device:Device {device_id: $device})
CREATE (n:DeviceEvent:KeyedDeviceEvent {event_id: $key})
SET n = $props, n.event_id = $key, n.at = datetime($at)
CREATE (n)-[:OF_DEVICE]->(device)
"""


def _old_event(graph: TraceGraph, key: str, at: str, event: str, result: str) -> None:
    """One device event as revision 43ecfe2 wrote it: its key with the time as the file wrote it
    (an alarm's without its kind), each in a transaction of its own, in the order given."""
    props = {"device_id": "MIXER-1", "event": event, "result": result, "_row_sha": result}
    graph.driver.execute_query(
        OLD_EVENT,
        device="MIXER-1",
        key=key,
        props=props,
        at=at,
        database_=graph.database,
    )


def _events(graph: TraceGraph) -> list[dict[str, Any]]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (e:DeviceEvent) RETURN e.event_id AS key, e.result AS result, "
        "COUNT { (e)-[:OF_DEVICE]->() } AS devices ORDER BY key",
        database_=graph.database,
    )
    return [r.data() for r in records]


def _changes(graph: TraceGraph) -> list[dict[str, Any]]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (c:MigrationChange) RETURN c.migration AS migration, c.key AS key, "
        "c.removed_key AS removed_key, c.columns AS columns, c.kept AS kept, "
        "c.removed AS removed ORDER BY c.key",
        database_=graph.database,
    )
    return [r.data() for r in records]


ALARM = "MIXER-1|alarm|2026-01-07T10:00:00+00:00"


def test_init_merges_an_alarm_an_older_import_wrote_again_after_the_upgrade(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """After a rollback (revision 43ecfe2 importing again after the upgrade had re-keyed its
    alarm to ALARM|over_temperature), the same alarm stood under its old key too, and `db init`
    — the documented repair — failed on every run, exit 2: "Node(19) already exists with label
    DeviceEvent and property event_id = '…|over_temperature'". alarm_event_id ran first, so no
    other repair ran either, and a backward trace listed the alarm twice. Now it merges the old
    node into the one holding the key, and says so, with a record of what it removed."""
    _old_event(graph, ALARM + "|over_temperature", "2026-01-07T10:00:00+00:00", "alarm",
               "over_temperature")  # fmt: skip
    _old_event(graph, ALARM, "2026-01-07T10:00:00+00:00", "alarm", "over_temperature")

    result = runner.invoke(app, ["db", "init"])
    assert result.exit_code == 0, result.stderr
    assert _events(graph) == [
        {"key": ALARM + "|over_temperature", "result": "over_temperature", "devices": 1}
    ]
    assert "data migration alarm_event_id: 1 alarms keyed by their kind too" in result.stdout
    assert "1 of them merged" in result.stdout and ALARM + "|over_temperature" in result.stdout
    (change,) = _changes(graph)
    assert change["migration"] == "alarm_event_id" and change["removed_key"] == ALARM
    assert change["columns"] == []  # the same alarm: nothing differed

    again = runner.invoke(app, ["db", "init"])  # the other repairs run too, and nothing twice
    assert again.exit_code == 0, again.stderr
    assert "data migration" not in again.stdout


def test_every_migration_says_what_it_changes() -> None:
    """`db init` and the import report each migration's changes as "<count> <what>": a
    migration without its words would be reported as "nodes changed"."""
    assert sorted(schema.MIGRATION_CHANGES) == schema.migration_names()
