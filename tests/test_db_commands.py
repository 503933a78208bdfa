"""`tracegraph db status|init|reset` against the real test server, through CliRunner."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from tracegraph import __version__, health, server
from tracegraph.cli import db as db_cli
from tracegraph.cli.main import app
from tracegraph.errors import ConfigurationError, ImportBusy
from tracegraph.folders import check_creatable
from tracegraph.graph import TraceGraph
from tracegraph.importing import run as import_run
from tracegraph.models import (
    BOOKKEEPING_LABELS,
    LABELS,
    LEDGER_LABELS,
    LEDGER_RELATIONSHIP_TYPES,
    PLANT_LABELS,
)
from tracegraph.resources import resource_path

from test_import_provenance import cli_at, needs_faketime  # isort: skip


def _add_some_lots(graph: TraceGraph) -> None:
    graph.driver.execute_query(
        "UNWIND range(1, 12) AS i "
        "MERGE (m:Material {material_id: 'M' + toString(i % 3)}) "
        "CREATE (:Lot {lot_id: 'L' + toString(i)})-[:OF]->(m)",
        database_=graph.database,
    )


def test_status_counts_nodes_per_label_and_relationships_per_type(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    _add_some_lots(graph)
    result = runner.invoke(app, ["db", "status", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["version"].startswith("5.26.")
    assert status["edition"] == "community"
    assert status["server"] == neo4j_env["NEO4J_URI"]
    assert status["total_nodes"] == 15
    assert status["total_relationships"] == 12
    assert status["nodes"]["Lot"] == 12
    assert status["nodes"]["Material"] == 3
    assert status["relationships"]["OF"] == 12


def test_status_table_starts_with_a_summary_line(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    _add_some_lots(graph)
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("Neo4j 5.26.")
    assert first.endswith(
        "database 'neo4j': 15 plant nodes, 0 ledger nodes, 12 plant relationships, "
        "0 ledger relationships"
    )
    assert any(line.split() == ["Lot", "12"] for line in result.stdout.splitlines())


def _step_and_drill(graph: TraceGraph, runner: CliRunner, folder: Path) -> None:
    """An import of a step that made P1 from R1 and OLD (a lot no lots row sent: a stub), then a
    recall drill from P1: the plant's nodes and links, and the ledgers' (ImportRun, 4
    ImportedFiles, Recall)."""
    tables = {
        "lots.csv": "lot_id,material_id,quantity,uom\nR1,FLOUR,5,kg\nP1,FLOUR,7,kg\n",
        "steps.csv": "step_id,operation,started_at\nS1,mix,2026-03-03T10:00:00Z\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nS1,R1,5,kg\nS1,OLD,2,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nS1,P1,7,kg\n",
    }
    for name, text in tables.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert import_run.import_paths(graph, [folder]).rejects == []
    drill = runner.invoke(app, ["recall", "P1", "--drill", "--out", str(folder / "drill")])
    assert drill.exit_code == 0, drill.output


def test_status_counts_the_plant_apart_from_the_ledgers_and_says_the_stub_lots(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An import of a step that made P1 from R1 and OLD (a lot no lots row sent: a stub), then a
    drill from P1. `db status` said "11 nodes", its ImportRun, 4 ImportedFiles and Recall
    counted as the plant's: 5 plant nodes (3 lots, FLOUR, S1) and 6 ledger nodes now, the stub
    said; total_nodes keeps its meaning (both)."""
    _step_and_drill(graph, runner, tmp_path)
    status = json.loads(runner.invoke(app, ["db", "status", "--format", "json"]).stdout)
    assert status["ledger_nodes"] == {"ImportRun": 1, "ImportedFile": 4, "Recall": 1}
    assert status["plant_nodes"] == status["nodes"]["Lot"] + 2 == 5
    assert status["total_nodes"] == 5 + 6 and status["stub_lots"] == 1
    lines = runner.invoke(app, ["db", "status"]).stdout.splitlines()
    assert lines[0].endswith(
        f": 5 plant nodes, 6 ledger nodes, {status['plant_relationships']} plant relationships, "
        f"{sum(status['ledger_relationships'].values())} ledger relationships"
    )
    assert "the Lot count includes 1 stub lot (origin_known false" in "\n".join(lines)
    ledger = lines.index(
        next(line for line in lines if line.split() == ["ledger", "label", "count"])
    )
    assert [line.split() for line in lines[ledger + 1 : ledger + 4]] == [
        ["ImportRun", "1"], ["ImportedFile", "4"], ["Recall", "1"]
    ]  # fmt: skip
    plant = lines.index(next(line for line in lines if line.split() == ["label", "count"]))
    assert not any(line.split()[0] in LEDGER_LABELS for line in lines[plant + 1 : ledger])


def test_status_counts_the_ledgers_relationships_apart_from_the_plants(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`total_relationships` counted the import's READ links to its file nodes and a recall's
    SOURCE link as the plant's; both are told apart now, from the count store,
    as a scan of the relationships by their start node's label counts them."""
    _step_and_drill(graph, runner, tmp_path)
    scanned = graph.driver.execute_query(
        "MATCH (start)-[r]->() WITH type(r) AS type, "
        "any(label IN labels(start) WHERE label IN $ledger) AS ledger "
        "RETURN ledger, type, count(*) AS n",
        ledger=list(LEDGER_LABELS),
        database_=graph.database,
    ).records
    status = json.loads(runner.invoke(app, ["db", "status", "--format", "json"]).stdout)
    assert status["ledger_relationships"] == {r["type"]: r["n"] for r in scanned if r["ledger"]}
    assert status["ledger_relationships"]["READ"] == 4 and status["ledger_relationships"]["SOURCE"]
    assert status["plant_relationships"] == sum(r["n"] for r in scanned if not r["ledger"]) > 0
    assert status["total_relationships"] == sum(r["n"] for r in scanned)
    lines = runner.invoke(app, ["db", "status"]).stdout.splitlines()
    ledger = lines.index(
        next(line for line in lines if line.split() == ["ledger", "relationship", "type", "count"])
    )
    assert ["READ", "4"] in [line.split() for line in lines[ledger + 1 :]]
    plant = lines.index(
        next(line for line in lines if line.split()[:2] == ["relationship", "type"])
    )
    assert ["INPUT_TO", "2"] in [line.split() for line in lines[plant + 1 : ledger]]
    assert not any(
        line.split()[0] in LEDGER_RELATIONSHIP_TYPES for line in lines[plant + 1 : ledger]
    )


def test_every_label_is_plant_ledger_or_bookkeeping_once() -> None:
    groups = (PLANT_LABELS, LEDGER_LABELS, BOOKKEEPING_LABELS)
    assert sorted(label for group in groups for label in group) == sorted(LABELS)


def test_status_shows_the_format_level_and_warns_of_a_store_a_newer_tracegraph_wrote(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`db status` did not show the store's data format (ImportRun.format_level, 1 now): an old
    tracegraph put back on a store a newer one wrote (a rollback) read and wrote its keys the
    old way, and status said nothing. It shows the level (table and JSON) beside this
    tracegraph's, and warns in one line, with a hint to upgrade, of a store at level 2 or with
    a data migration this tracegraph does not know."""
    from tracegraph.schema import FORMAT_LEVEL

    def status() -> tuple[dict[str, object], str, str]:
        as_json = runner.invoke(app, ["db", "status", "--format", "json"])
        table = runner.invoke(app, ["db", "status"], terminal_width=400)
        assert as_json.exit_code == table.exit_code == 0, table.stderr
        return json.loads(as_json.stdout)["format_level"], table.stdout, table.stderr

    level, text, warned = status()  # an empty store: no import stamped a level
    assert level == {"store": None, "this_tracegraph": FORMAT_LEVEL, "store_is_newer": False,
                     "unknown_migrations": []}  # fmt: skip
    assert f"Format level: none stamped (this tracegraph's: {FORMAT_LEVEL})" in text
    (tmp_path / "materials.csv").write_text("material_id,name\nM1,Flour\n")
    import_run.import_paths(graph, [tmp_path / "materials.csv"])
    level, text, warned = status()
    assert (level["store"], level["store_is_newer"]) == (FORMAT_LEVEL, False)
    assert f"Format level: {FORMAT_LEVEL} (this tracegraph's: {FORMAT_LEVEL})" in text
    assert "newer tracegraph" not in warned

    graph.driver.execute_query(
        "CREATE (:ImportRun {run_id: '20270101T020000Z-new000', status: 'done', "
        "format_level: $level, started_at: datetime()}) "
        "CREATE (:Migration {name: 'lot_gtin_key', done_at: datetime(), ran_at: datetime()})",
        level=FORMAT_LEVEL + 1,
        database_=graph.database,
    )
    level, text, warned = status()
    assert level == {"store": FORMAT_LEVEL + 1, "this_tracegraph": FORMAT_LEVEL,
                     "store_is_newer": True, "unknown_migrations": ["lot_gtin_key"]}  # fmt: skip
    assert f"Format level: {FORMAT_LEVEL + 1} (this tracegraph's: {FORMAT_LEVEL})" in text
    (line,) = [line for line in warned.splitlines() if "newer tracegraph" in line]
    assert line == (
        f"warning: a newer tracegraph wrote this store (format level {FORMAT_LEVEL + 1} and a "
        f"data migration it does not know (lot_gtin_key)): this one ({__version__}, format level "
        f"{FORMAT_LEVEL}) may read and write it wrongly (hint: upgrade tracegraph to the version "
        "that wrote it before importing, tracing or recalling)"
    )


def test_init_installs_the_schema_once(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    graph.reset()  # no constraints, no indexes
    assert graph.schema_objects() == []
    first = runner.invoke(app, ["db", "init"])
    assert first.exit_code == 0, first.stderr
    objects = graph.schema_objects()
    constraints = {(o.labels_or_types, o.properties) for o in objects if o.kind == "constraint"}
    # Every node label of the model has its identifier unique.
    for label, key in [
        ("Lot", "lot_id"),
        ("Material", "material_id"),
        ("Supplier", "supplier_id"),
        ("ProcessStep", "step_id"),
        ("Shipment", "shipment_id"),
        ("Identifier", "key"),
        ("ImportRun", "run_id"),
        ("Recall", "recall_id"),
    ]:
        assert ((label,), (key,)) in constraints
    assert {o.labels_or_types[0] for o in objects if o.kind == "constraint"} == set(LABELS)
    assert "lot_identity_fulltext" in {o.name for o in objects}
    assert all(o.state == "ONLINE" for o in objects)
    n = len(objects)
    assert first.stdout.startswith(f"Schema ready: {n} created, 0 already present")

    second = runner.invoke(app, ["db", "init"])
    assert second.exit_code == 0, second.stderr
    assert second.stdout.startswith(f"Schema ready: 0 created, {n} already present")
    assert graph.schema_objects() == objects


def test_reset_refuses_without_yes_and_keeps_the_data(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    _add_some_lots(graph)
    result = runner.invoke(app, ["db", "reset"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "error: db reset deletes every node and relationship in the database "
        "(hint: run `tracegraph db reset --yes` if that is what you want)"
    )
    assert graph.status().total_nodes == 15


def test_reset_yes_empties_data_and_schema(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    _add_some_lots(graph)
    result = runner.invoke(app, ["db", "reset", "--yes"])
    assert result.exit_code == 0, result.stderr
    assert graph.status().total_nodes == 0
    assert graph.schema_objects() == []


def test_reset_drops_the_schema_while_it_holds_the_import_lock_and_an_import_refuses_after(
    graph: TraceGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reset in an import's first seconds dropped the schema after it let go of the import
    lock, under the import that took the lock meanwhile: 76k rows written with no constraint.
    The schema now goes while the lock is held (but the lock's own constraint), and an import
    that finds it gone once it holds the lock writes nothing."""
    _add_some_lots(graph)
    left: list[list[str]] = []

    @contextlib.contextmanager
    def locked() -> Iterator[None]:
        yield
        left.append(sorted(o.name for o in graph.schema_objects()))
        # an import takes the lock as it is let go: its schema back, a row written
        graph.init_schema()
        graph.driver.execute_query("CREATE (:Material {material_id: 'M-IMPORTED'})",
                                   database_=graph.database)  # fmt: skip

    graph.reset(data_deleted=locked)
    assert len(left) == 1 and len(left[0]) == 1 and "importlock" in left[0][0].lower()
    # the reset's last step took the lock node and its constraint only (it deleted every node
    # and dropped every constraint and index, the import's too)
    assert {k: n for k, n in graph.status().nodes.items() if n} == {"Material": 1}
    kept = graph.schema_objects()
    assert kept and not [o for o in kept if "ImportLock" in o.labels_or_types]
    graph.reset()
    assert graph.schema_objects() == [] and graph.status().total_nodes == 0

    graph.init_schema()
    monkeypatch.setattr(import_run, "_installed_schema", lambda *_: [])  # a reset came between
    graph.autocommit("db/drop_index", name=next(
        o.name for o in graph.schema_objects() if o.kind != "constraint"
    ))  # fmt: skip
    (tmp_path / "materials.csv").write_text("material_id,name\nM1,Flour\n")
    with pytest.raises(ImportBusy) as refused:
        import_run.import_paths(graph, [tmp_path / "materials.csv"])
    assert "were dropped as this import started" in refused.value.message
    assert graph.status().nodes.get("Material", 0) == 0
    assert graph.status().nodes.get("ImportRun", 0) == 0  # no ledger entry either


def test_reset_keep_schema_keeps_constraints(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    _add_some_lots(graph)
    before = graph.schema_objects()
    result = runner.invoke(app, ["db", "reset", "--yes", "--keep-schema"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("is empty (schema kept).")
    assert graph.status().total_nodes == 0
    assert graph.schema_objects() == before


def test_unique_constraint_is_enforced(graph: TraceGraph) -> None:
    _add_some_lots(graph)
    with pytest.raises(neo4j.exceptions.ConstraintError) as caught:
        graph.driver.execute_query("CREATE (:Lot {lot_id: 'L1'})", database_=graph.database)
    assert caught.value.code == "Neo.ClientError.Schema.ConstraintValidationFailed"


def test_backup_of_a_docker_home_says_how_and_of_no_home_says_where(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A home `db up` ran in Docker has no local server files: the Docker hint never showed,
    only "no local server here"."""
    home = tmp_path / ".tracegraph"
    home.mkdir()
    (home / "backend.json").write_text('{"backend": "docker"}')
    monkeypatch.setenv("TRACEGRAPH_HOME", str(home))
    docker = runner.invoke(app, ["db", "backup", "--to", str(tmp_path / "b")])
    assert docker.exit_code == 2
    assert docker.stderr.startswith("error: the server runs in Docker: back it up with Docker's")
    assert "neo4j-admin database dump neo4j" in docker.stderr and "chmod 600" in docker.stderr
    monkeypatch.setenv("TRACEGRAPH_HOME", str(tmp_path / "elsewhere" / ".tracegraph"))
    nowhere = runner.invoke(app, ["db", "restore", str(tmp_path / "x.dump"), "--yes"])
    assert nowhere.exit_code == 2
    assert nowhere.stderr.startswith("error: no local server here to back up or restore")


def test_status_names_a_missing_index_and_the_last_import_which_installs_it(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An upgrade that adds an index (stood in for by dropping one): `db status` and the next
    import said nothing, and only `db init` by hand made it. Status now names it, the import
    installs it and says so; status tells how the last import ended."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "materials.csv").write_text("material_id,name,uom\nM1,Flour,kg\n")
    first = json.loads(runner.invoke(app, ["import", str(folder), "--format", "json"]).stdout)
    graph.driver.execute_query("DROP INDEX lot_material_created", database_=graph.database)
    result = runner.invoke(app, ["db", "status", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["schema"] == {
        "missing": ["lot_material_created"],
        "not_online": [],
        "other_names": {},
        "retired": [],
    }
    assert status["running_import"] is None
    last = status["last_import"]
    assert (last["run_id"], last["status"], last["rows_read"]) == (first["run_id"], "done", 1)
    table = runner.invoke(app, ["db", "status"])
    assert (
        "the database lacks 1 of the graph model's constraints and indexes: "
        "lot_material_created (hint: run `tracegraph db init`" in " ".join(table.stderr.split())
    )
    assert f"Last import: {first['run_id']} done, started " in table.stdout
    assert "1 row read = 1 written + 0 rejected" in table.stdout  # it said "1 rows"
    assert "Import running: none" in table.stdout

    again = runner.invoke(app, ["import", str(folder), "--force", "--format", "json"])
    assert json.loads(again.stdout)["notes"] == [
        "the database lacked 1 of the graph model's constraints and indexes "
        "(lot_material_created): installed them first"
    ]
    assert json.loads(runner.invoke(app, ["db", "status", "--format", "json"]).stdout)[
        "schema"
    ] == {"missing": [], "not_online": [], "other_names": {}, "retired": []}


def test_the_models_indexes_under_another_name_are_present(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An index an analyst made by hand on Lot.status (or one an older version named
    otherwise) is the index the model wants: the server refuses a second one, so each import
    found it "missing", installed nothing and said so again, night after night. An index of
    another type on the same property (a TEXT index) serves other queries: still missing."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "materials.csv").write_text("material_id,name,uom\nM1,Flour,kg\n")
    assert runner.invoke(app, ["import", str(folder)]).exit_code == 0
    for statement in (
        "DROP INDEX index_Lot_status",
        "CREATE INDEX lot_status_by_hand FOR (n:Lot) ON (n.status)",
        "DROP INDEX lot_material_created",
        "CREATE INDEX old_lot_material FOR (n:Lot) ON (n.material_id, n.created_at, n.lot_id)",
        "DROP INDEX index_Material_kind",
        "CREATE TEXT INDEX material_kind_text FOR (n:Material) ON (n.kind)",
        "CALL db.awaitIndexes(60)",
    ):
        graph.driver.execute_query(statement, database_=graph.database)
    status = json.loads(runner.invoke(app, ["db", "status", "--format", "json"]).stdout)
    assert status["schema"] == {
        "missing": ["index_Material_kind"],
        "not_online": [],
        "other_names": {
            "index_Lot_status": "lot_status_by_hand",
            "lot_material_created": "old_lot_material",
        },
        "retired": [],
    }
    table = runner.invoke(app, ["db", "status"])
    assert table.exit_code == 0, table.stderr
    assert (
        "Constraints and indexes under another name (they serve as the model's): "
        "index_Lot_status as lot_status_by_hand, lot_material_created as old_lot_material"
    ) in " ".join(table.stdout.split())
    # the import installs the one missing, and says so once; the next import says nothing
    first = runner.invoke(app, ["import", str(folder), "--force", "--format", "json"])
    assert json.loads(first.stdout)["notes"] == [
        "the database lacked 1 of the graph model's constraints and indexes "
        "(index_Material_kind): installed them first"
    ]
    again = runner.invoke(app, ["import", str(folder), "--force", "--format", "json"])
    assert json.loads(again.stdout)["notes"] == []
    names = {o.name for o in graph.schema_objects()}
    assert {"lot_status_by_hand", "old_lot_material", "index_Material_kind"} <= names
    assert not {"index_Lot_status", "lot_material_created"} & names


def test_init_marks_the_migrations_it_ran_and_status_counts_them_apart(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`db init` ran every data migration but said so nowhere: the first import after it ran
    IMPORT_MIGRATIONS once more (a scan of every alarm, device event and serial). Its Migration
    nodes are the tool's books, not the plant's: `db status` lists them apart, outside its
    total (the suite's "holds data" check reads that total)."""
    graph.reset()
    result = runner.invoke(app, ["db", "init"])
    assert result.exit_code == 0, result.stderr
    ran = sorted(p.stem for p in (resource_path("cypher") / "migrate").glob("*.cypher"))
    (marked,) = graph.driver.execute_query(
        "MATCH (m:Migration) WHERE m.done_at IS NOT NULL RETURN collect(m.name) AS names",
        database_=graph.database,
    ).records
    assert sorted(marked["names"]) == ran
    assert set(import_run.IMPORT_MIGRATIONS) <= set(ran)

    status = json.loads(runner.invoke(app, ["db", "status", "--format", "json"]).stdout)
    assert status["total_nodes"] == 0
    assert {k: n for k, n in status["nodes"].items() if n} == {}
    assert status["bookkeeping_nodes"]["Migration"] == len(ran)
    text = runner.invoke(app, ["db", "status"]).stdout
    assert text.splitlines()[0].endswith(
        "database 'neo4j': 0 plant nodes, 0 ledger nodes, 0 plant relationships, "
        "0 ledger relationships"
    )
    assert any(line.split() == ["Migration", str(len(ran))] for line in text.splitlines())

    # the import finds each migration done: it looks them up and runs none
    ran_by_import: list[str] = []
    autocommit = graph.autocommit

    def recorded(name: str, /, **params: object) -> None:
        ran_by_import.append(name)
        autocommit(name, **params)

    monkeypatch.setattr(graph, "autocommit", recorded)
    (tmp_path / "materials.csv").write_text("material_id,name\nM1,Flour\n")
    import_run.import_paths(graph, [tmp_path / "materials.csv"])
    assert [name for name in ran_by_import if name.startswith("migrate/")] == []
    # the import's lock node is bookkeeping too; its ledger entry (ImportRun, and its file's
    # ImportedFile) is not
    after = graph.status()
    assert after.bookkeeping_nodes == {"ImportLock": 1, "Migration": len(ran)}
    assert after.total_nodes == 3
    assert after.nodes["Material"] == after.nodes["ImportRun"] == after.nodes["ImportedFile"] == 1


@needs_faketime
def test_a_migrations_mark_has_the_time_of_the_process_that_ran_it(
    graph: TraceGraph, neo4j_env: dict[str, str]
) -> None:
    """A Migration's ran_at, compared with runs' started_at (the importing process's clock) to
    find an older version's runs after it, was the server's datetime(): with the clocks
    skewed, an older version's run just after `db init` was not named (or one just before
    was). Under faketime (the server keeps the real clock) it is the process's."""
    graph.reset()
    done = cli_at("2026-11-21 09:00:00", "db", "init")
    assert done.returncode == 0, done.stderr
    (marked,) = graph.driver.execute_query(
        "MATCH (m:Migration) RETURN collect(toString(m.ran_at)) + collect(toString(m.done_at)) "
        "AS times",
        database_=graph.database,
    ).records
    times = marked["times"]
    assert times and all(t.startswith("2026-11-21T09:0") for t in times), times


def test_what_the_model_expects_is_what_init_installs(graph: TraceGraph) -> None:
    """schema.expected_objects reads what each object covers from neomodel's declarations and
    cypher/schema/*: a fresh install has each under its name, covering what it says."""
    from tracegraph.schema import covered, expected_objects, schema_gaps

    graph.reset()
    graph.init_schema()
    objects = {o.name: o for o in graph.schema_objects()}
    expected = expected_objects()
    assert {e.name for e in expected} == set(objects)
    for e in expected:
        assert e.covers in covered(objects[e.name]), e
    gaps = schema_gaps(list(objects.values()))
    assert (gaps.missing, gaps.other_names) == ([], {})


def test_local_server_facts_only_for_the_homes_own_server(tmp_path: Path) -> None:
    """The home's pid, memory settings, store size and free disk — when the URI is its Bolt
    port here, not a server NEO4J_URI names elsewhere."""
    home = tmp_path / ".tracegraph"
    options = server.ServerOptions(bolt_port=47687, http_port=47474, heap="3g", pagecache="5g")
    home.mkdir()
    (home / "server.json").write_text(json.dumps(dataclasses.asdict(options)))
    data = server.neo4j_home(home) / "data" / "databases" / "neo4j"
    data.mkdir(parents=True)
    (data / "neostore").write_bytes(b"x" * 1000)
    (data / "neostore.nodestore.db").write_bytes(b"x" * 24)
    local = health.local_server(home, "bolt://127.0.0.1:47687")
    assert local is not None
    assert (local.home, local.pid, local.heap, local.pagecache, local.store_bytes) == (
        str(home),
        None,
        "3g",
        "5g",
        1024,
    )
    assert local.disk_free_bytes > 0
    assert health.local_server(home, "bolt://127.0.0.1:7687") is None
    assert health.local_server(home, "neo4j+s://plant-graph.example:47687") is None
    assert health.local_server(None, "bolt://127.0.0.1:47687") is None


def test_an_empty_heap_or_page_cache_is_refused_not_the_default(
    neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """`--heap "$UNSET"` (or TRACEGRAPH_HEAP set empty) started a server with the 4g default."""
    for args, env in ((["--heap", ""], {}), ([], {"TRACEGRAPH_PAGECACHE": " "})):
        result = runner.invoke(app, ["db", "up", *args], env=env)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: --") and "is empty" in result.stderr


def test_a_running_servers_settings_compare_by_size() -> None:
    """`db up --heap 1024m` on a server running with 1g warned it was not applied."""
    assert db_cli._same_setting("1024m", "1g") and db_cli._same_setting("2G", "2048m")
    assert not db_cli._same_setting("1g", "2g")
    assert db_cli._same_setting(7687, 7687) and not db_cli._same_setting(7688, 7687)


def test_a_folder_to_write_into_that_cannot_be_made_is_one_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A backup's --to or a plant's --out naming a file (or a path under one) was an internal
    error (FileExistsError, exit 3)."""
    afile = tmp_path / "afile"
    afile.write_text("hi")
    for out, said in ((afile, f"{afile} is a file, not a folder"),
                      (afile / "sub", f"cannot create the backup folder {afile / 'sub'}: "
                       f"{afile} is a file")):  # fmt: skip
        with pytest.raises(ConfigurationError) as refused:
            check_creatable(out, "the backup folder", "--to")
        assert refused.value.message == said
    result = runner.invoke(app, ["demo", "generate", "--lots", "50", "--out", str(afile)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {afile} is a file, not a folder (hint: give --out a folder, not a file)"
    )


def test_the_system_database_is_refused_in_words_and_a_negative_seed_too(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """NEO4J_DATABASE=system got Neo4j's "Not a recognised system command or procedure";
    `demo generate --seed -1` wrote --seed 1's plant (Python seeds by the number's size)."""
    status = runner.invoke(app, ["db", "status"], env={"NEO4J_DATABASE": "system"})
    assert status.exit_code == 2
    assert status.stderr.startswith("error: NEO4J_DATABASE names `system`, Neo4j's own")
    seeded = runner.invoke(app, ["demo", "generate", "--seed", "-1", "--out", str(tmp_path)])
    assert seeded.exit_code == 2 and "'--seed'" in seeded.stderr and not list(tmp_path.iterdir())
