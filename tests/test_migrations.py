"""The data migrations of cypher/migrate/ on graphs older versions wrote (the old state made
with the Cypher the older importer ran), through `db init` against the real test server: what
they merge, what they report, and what `db status` says of those not run yet."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from old_ledger import old_run
from typer.testing import CliRunner

from tracegraph import schema
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths

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


def _made_in_order(graph: TraceGraph, results: list[str]) -> None:
    """The nodes of these results with ids in the order they were made, as on a store that
    never deleted: a store the suite emptied hands freed ids out in no order (a device event
    records no write time; the migration takes the higher id as the later write). Each node
    after the first is made again, under a fresh id, until its id is the higher."""
    for _ in range(100):
        records, _, _ = graph.driver.execute_query(
            "MATCH (e:DeviceEvent) WHERE e.result IN $results "
            "RETURN e.result AS result, toInteger(last(split(elementId(e), ':'))) AS id",
            results=results,
            database_=graph.database,
        )
        ids = {r["result"]: r["id"] for r in records}
        if ids[results[0]] < ids[results[1]]:
            return
        graph.driver.execute_query(
            "MATCH (e:DeviceEvent {result: $result})-[:OF_DEVICE]->(d) "
            "WITH e, d, properties(e) AS props DETACH DELETE e "
            "CREATE (copy:DeviceEvent:KeyedDeviceEvent)-[:OF_DEVICE]->(d) SET copy = props",
            result=results[1],
            database_=graph.database,
        )
    raise AssertionError("no fresh node id in 100 tries")


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


CALIBRATION = "MIXER-1|calibration|2026-01-08T"


@pytest.mark.parametrize(
    ("first", "then", "kept"),
    [
        (("05:30:00Z", "fail"), ("13:30:00+08:00", "pass"), "pass"),
        (("13:30:00+08:00", "pass"), ("05:30:00Z", "fail"), "fail"),
    ],
)
def test_utc_re_keying_keeps_the_later_of_two_calibrations_and_records_the_other(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    first: tuple[str, str],
    then: tuple[str, str],
    kept: str,
) -> None:
    """Revision 43ecfe2 imported MIXER-1's calibration at 05:30Z (fail), and the next night the
    same instant written 13:30+08:00 (pass): two nodes, keyed by the offset each was written
    with. device_event_utc_key merged them into the one keyed in UTC, which kept `fail` and
    deleted `pass` without a word, where a clean import of the two nights keeps `pass` (1 changed
    row). Now the later write wins, whichever key it had, and the merge is reported and
    recorded: the key, the removed node's key, and the values that differed."""
    for at, outcome in (first, then):
        stamp = "2026-01-08T" + at.replace("Z", "+00:00")
        _old_event(graph, CALIBRATION + at.replace("Z", "+00:00"), stamp, "calibration", outcome)
    _made_in_order(graph, [first[1], then[1]])

    result = runner.invoke(app, ["db", "init"])
    assert result.exit_code == 0, result.stderr
    key = CALIBRATION + "05:30:00+00:00"
    assert _events(graph) == [{"key": key, "result": kept, "devices": 1}]
    assert "data migration device_event_utc_key: 1 device events keyed by their time in UTC" in (
        result.stdout
    )
    assert "1 of them merged" in result.stdout and key in result.stdout
    (change,) = _changes(graph)
    removed = "fail" if kept == "pass" else "pass"
    assert change["migration"] == "device_event_utc_key" and change["key"] == key
    assert change["removed_key"] == CALIBRATION + "13:30:00+08:00"
    assert dict(zip(change["columns"], change["kept"], strict=True))["result"] == kept
    assert dict(zip(change["columns"], change["removed"], strict=True))["result"] == removed


# lots and steps as versions before their copied ids wrote them: the edges only
OLD_LOTS = """
MERGE (m:Material {material_id: 'FLOUR'})
MERGE (d:Device {device_id: 'MIXER-1'})
CREATE (:Lot {lot_id: 'L1'})-[:OF]->(m), (:Lot {lot_id: 'L2'})-[:OF]->(m)
CREATE (:ProcessStep {step_id: 'S1'})-[:ON]->(d)
"""


def test_init_says_what_each_migration_changed_and_status_names_those_not_run(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """`db init` printed "Schema ready: 2 created, 36 already present" after re-keying 70,007
    alarms, merging 2 events and copying properties onto 1,045 inspections: the migrations said
    nothing. A `db init` killed part-way left 20,000 of 70,007 alarms re-keyed and no Migration
    nodes, and `db status` said nothing of it. Now a line per migration that changed something,
    and `db status` names the migrations without their Migration node."""
    graph.driver.execute_query(OLD_LOTS, database_=graph.database)
    graph.driver.execute_query(
        "MATCH (m:Migration {name: 'lot_material_id'}) DELETE m", database_=graph.database
    )  # a `db init` killed before it marked this one
    status = runner.invoke(app, ["db", "status"])
    assert status.exit_code == 0, status.stderr
    assert "1 data migration has not run to the end on this database: lot_material_id" in (
        " ".join(status.stderr.split())
    )
    assert json.loads(runner.invoke(app, ["db", "status", "--format", "json"]).stdout)[
        "migrations_pending"
    ] == ["lot_material_id"]

    result = runner.invoke(app, ["db", "init"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "data migration lot_material_id: 2 lots given their material's id" in lines
    assert "data migration step_device_id: 1 process steps given their device's id" in lines
    assert len(lines) == 3  # the schema line and those two: the others changed nothing
    after = runner.invoke(app, ["db", "status"])
    assert "data migration" not in after.stderr
    again = runner.invoke(app, ["db", "init"])
    assert again.stdout.splitlines()[1:] == []


def test_an_import_says_what_the_migrations_it_ran_changed(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """An import that ran a data migration (one not marked done: an older version's alarms)
    said nothing of it, in its log or its summary's notes."""
    graph.driver.execute_query(
        "MATCH (m:Migration {name: 'alarm_event_id'}) DELETE m", database_=graph.database
    )
    _old_event(graph, ALARM, "2026-01-07T10:00:00+00:00", "alarm", "over_temperature")
    logged: list[str] = []
    (tmp_path / "materials.csv").write_text("material_id,name\nM1,Flour\n")
    summary = import_paths(graph, [tmp_path / "materials.csv"], log=logged.append)
    note = "data migration alarm_event_id: 1 alarms keyed by their kind too"
    assert note in summary.notes and note in logged


def _hold_import_lock(graph: TraceGraph, seconds: float, held: threading.Event) -> None:
    """An import's lock transaction, held for `seconds` (as a running import holds it)."""
    graph.write("import/lock_node")
    with graph.held_lock("import/take_lock", wait_seconds=5, token="night"):
        held.set()
        time.sleep(seconds)


def test_init_refuses_at_once_while_an_import_runs_and_writes_no_schema_it_has(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`db init` waited silently for the whole of a running import (48 s in a test, hours for a
    nightly run): its schema step (CREATE CONSTRAINT … IF NOT EXISTS, even with nothing to
    create) queued behind the import's lock transaction, before the migrations' lock could
    refuse, where `--help` says "refused while an import runs". Now the lock is tried first and
    db init exits 2 within seconds naming the run; and with every object there it issues no
    schema write at all."""
    installs: list[bool] = []
    install = schema.install

    def recorded(*args: Any, **kwargs: Any) -> None:
        installs.append(True)
        install(*args, **kwargs)

    monkeypatch.setattr(schema, "install", recorded)
    assert runner.invoke(app, ["db", "init"]).exit_code == 0
    assert installs == []  # the graph fixture installed everything: nothing to write

    graph.driver.execute_query(
        "CREATE (:ImportRun {run_id: '20261206T020000Z-abc123', status: 'running', "
        "user: 'night', host: 'mes-1', started_at: datetime()})",
        database_=graph.database,
    )
    held = threading.Event()
    holder = threading.Thread(target=_hold_import_lock, args=(graph, 20.0, held))
    holder.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        result = runner.invoke(app, ["db", "init"])
        took = time.monotonic() - started
    finally:
        holder.join()
    assert result.exit_code == 2, result.stdout
    message = " ".join(result.stderr.split())
    assert "db init is refused while an import runs" in message
    assert "20261206T020000Z-abc123" in message
    assert took < 15, took  # the two probes of the lock (1 s, 5 s), not the import's length


def test_init_drops_the_index_an_older_version_made_and_keeps_a_users(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """A graph upgraded from revision ae1bad0 kept its `index_Lot_created_at` (RANGE on
    Lot.created_at), which the model no longer has: 21 indexes where a fresh `db init` makes
    20, and `db status` said nothing. `db status` now names it and `db init` drops it — by its
    name and what it covers, so an index of that name on something else is a user's and stays."""
    # what a fresh `db init` makes (a run stopped half-way may have left the old index)
    fresh = len([o for o in graph.schema_objects() if o.name != "index_Lot_created_at"])
    graph.driver.execute_query(
        "CREATE INDEX index_Lot_created_at IF NOT EXISTS FOR (n:Lot) ON (n.created_at)",
        database_=graph.database,
    )
    status = runner.invoke(app, ["db", "status"])
    assert "index_Lot_created_at" in " ".join(status.stdout.split())
    result = runner.invoke(app, ["db", "init"])
    assert result.exit_code == 0, result.stderr
    assert "Dropped index index_Lot_created_at" in " ".join(result.stdout.split())
    assert len(graph.schema_objects()) == fresh

    graph.driver.execute_query(
        "CREATE INDEX index_Lot_created_at FOR (n:Lot) ON (n.comment)", database_=graph.database
    )  # a user's, of that name
    try:
        result = runner.invoke(app, ["db", "init"])
        assert "Dropped" not in result.stdout
        assert "index_Lot_created_at" in {o.name for o in graph.schema_objects()}
    finally:
        graph.autocommit("db/drop_index", name="index_Lot_created_at")


def test_the_warning_of_a_run_before_versions_were_recorded_names_no_none(
    graph: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """tracegraph c9c2dc8 importing into an upgraded store: its run records no version nor
    source, and the next import said "an older tracegraph (None)", its hint `db init` alone —
    though the run wrote the rows without their sources. It says the version was not recorded
    and how the rows get their sources again."""
    (tmp_path / "lots.csv").write_text("lot_id,material_id\nL1,M1\n")
    at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    old_run(graph, "20261207T093000Z-0ld777", [tmp_path / "lots.csv"],
            {"lots": {"read": 1, "written": 1, "changed": 1}}, started_at=at)  # fmt: skip
    (tmp_path / "materials.csv").write_text("material_id,name\nM1,Flour\n")
    time.sleep(1.5)  # the old run's start is in the past: the new one follows it
    summary = import_paths(graph, [tmp_path / "materials.csv"])
    assert [n for n in summary.notes if "20261207T093000Z-0ld777" in n] == [
        "import 20261207T093000Z-0ld777 was run by an older tracegraph (version not recorded) "
        "after the data migrations: what it wrote may be keyed the old way, beside what they "
        "re-keyed — and it kept no sources: the rows it wrote have none, so first import each "
        "source's files again with its --source and --force (unchanged files are skipped "
        "without it) to give them their sources, then run `tracegraph db init`, which migrates "
        "it"
    ]


def test_an_import_warns_of_an_older_versions_run_after_the_migrations(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Every revision said 0.1.0 (`--version`, the ledger's tracegraph_version): nothing told
    that an older tracegraph had imported into a graph after its migrations ran (the rollback
    that wrote an alarm twice). Each run now stamps its format level in the ledger, and an
    import warns of a run without it after the migrations last ran, until `db init`."""
    graph.driver.execute_query(
        "CREATE (:ImportRun {run_id: '20261206T030000Z-0ld000', status: 'done', "
        "tracegraph_version: '0.1.0', started_at: datetime() + duration('PT1S')})",
        database_=graph.database,
    )
    (tmp_path / "materials.csv").write_text("material_id,name\nM1,Flour\n")
    time.sleep(1.5)  # the old run's start is in the past: the new one follows it
    summary = import_paths(graph, [tmp_path / "materials.csv"])
    warned = [n for n in summary.notes if "20261206T030000Z-0ld000" in n]
    assert warned and "older tracegraph (0.1.0) after the data migrations" in warned[0]
    (stamp,) = graph.driver.execute_query(
        "MATCH (r:ImportRun {run_id: $run}) RETURN r.format_level AS level",
        run=summary.run_id,
        database_=graph.database,
    ).records
    assert stamp["level"] == schema.FORMAT_LEVEL

    assert runner.invoke(app, ["db", "init"]).exit_code == 0  # migrates what that run wrote
    (tmp_path / "materials.csv").write_text("material_id,name\nM1,Flour\nM2,Salt\n")
    again = import_paths(graph, [tmp_path / "materials.csv"])
    assert not [n for n in again.notes if "older tracegraph" in n]
