"""Answers read while an import writes the graph say so (trace, lot show, check, rootcause and
the recall package).

An exploratory tester traced R0000002 during a nightly import (7,658 rows changed): 52 lots and
10 customers, against 158 and 17 once it had ended, and its recall package held the
half-written graph's quantity disagreements — all exit 0 with nothing saying an import ran,
though `db status` knew ("Import running: run …")."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from locks import lock_held_for
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph

RUN = {"run_id": "20261206T141226Z-7c466f", "status": "running", "user": "etl",
       "host": "mes-gw", "started_at": datetime(2026, 12, 6, 14, 12, 26, tzinfo=UTC)}  # fmt: skip
SAID = (
    "an import is running (run 20261206T141226Z-7c466f by etl@mes-gw, started "
    "2026-12-06T14:12:26+00:00): this answer was read from a graph it is still writing"
)


@pytest.fixture
def importing(hand_plant: TraceGraph) -> TraceGraph:
    """The hand plant with a ledger entry marked running, as an import writes it first."""
    hand_plant.write("import/lock_node")
    hand_plant.write("import/start_run", props=RUN)
    return hand_plant


def _answers(runner: CliRunner, tmp_path: Path) -> dict[str, tuple[str, str, Path | None]]:
    """stdout and stderr of each command whose answer is read from the graph (and the recall
    package's folder)."""
    out = tmp_path / "rc"
    calls = {
        "trace": (["trace", "forward", "B", "--format", "json"], None),
        "lot": (["lot", "show", "P1", "--format", "json"], None),
        "check": (["check", "--format", "json"], None),
        "rootcause": (["rootcause", "P1", "P2", "--controls", "A,B", "--format", "json"], None),
        "recall": (["recall", "package", "B", "--out", str(out), "--format", "json"], out),
    }
    answers = {}
    for name, (args, folder) in calls.items():
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1), (name, result.stderr)  # check: 1 for findings
        answers[name] = (result.stdout, result.stderr, folder)
    return answers


def test_answers_taken_during_an_import_warn_naming_the_run(
    importing: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """While the import lock is held and the ledger has a running entry, every answer warns
    on stderr and in its JSON `warnings` (before: nothing, in any of them), and the recall
    package's summary.txt and recall.json say it too."""
    with importing.held_lock("import/take_lock", wait_seconds=1.0, token=RUN["run_id"]) as held:
        assert held
        answers = _answers(runner, tmp_path)
    for name, (stdout, stderr, folder) in answers.items():
        assert f"warning: {SAID}" in " ".join(stderr.split()), (name, stderr)
        assert json.loads(stdout)["warnings"][0].startswith(SAID), name
        if folder is not None:
            assert f"warning: {SAID}" in (folder / "summary.txt").read_text(encoding="utf-8")
            package = json.loads((folder / "recall.json").read_text(encoding="utf-8"))
            assert package["warnings"][0].startswith(SAID)


def test_a_killed_imports_entry_warns_of_nothing(
    importing: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A killed import leaves its entry marked running until the next import: with the lock
    free, nothing writes, and no answer warns."""
    for name, (stdout, stderr, _) in _answers(runner, tmp_path).items():
        assert "an import is running" not in stderr, name
        assert not any("import is running" in w for w in json.loads(stdout)["warnings"]), name


def test_the_warning_shows_its_start_as_other_times_are_shown(importing: TraceGraph) -> None:
    """The run's start was Neo4j's raw text (`started 2026-12-06T14:12:26.123456Z`, the
    microseconds of datetime.now()) where `imports RUN` and the import's own busy message show
    2026-12-06T14:12:26+00:00: now to the second, with the offset."""
    later = {**RUN, "run_id": "20261206T151226Z-aaaaaa",
             "started_at": datetime(2026, 12, 6, 15, 12, 26, 123456, tzinfo=UTC)}  # fmt: skip
    importing.write("import/start_run", props=later)
    with importing.held_lock("import/take_lock", wait_seconds=1.0, token="x") as held:
        assert held
        said = importing.import_under_way()
    assert said is not None
    assert "by etl@mes-gw, started 2026-12-06T15:12:26+00:00):" in said, said


def test_an_answer_tries_the_lock_once_and_running_import_twice(importing: TraceGraph) -> None:
    """One probe of the import lock, its number of tries a parameter (it was written twice:
    running_import's 1 s + 5 s, and the answers' check's own 1 s). A holder lets go 2.5 s
    after taking the lock: the answer's check gives up after its one 1 s try (a trace during
    an import must not wait 6 s) and warns; a second probe of two tries sees the lock go."""
    with lock_held_for(importing, 2.5):
        started = time.monotonic()
        assert importing.import_under_way() is not None
        assert time.monotonic() - started < 2.5
        assert importing.import_lock_free(tries=2)  # 1 s, then the 5 s try sees it go


def test_each_graph_warns_of_the_import_its_own_connection_saw(
    importing: TraceGraph, neo4j_env: dict[str, str]
) -> None:
    """cli.context kept the last graph opened in a module global and warned of ITS import: in
    a process that opened two (a library caller, a test), an answer read from the first,
    opened while an import ran, said nothing once the second had been opened after the
    ledger's entry ended. Each graph now answers for itself (before: no such method)."""
    from tracegraph.cli.context import open_graph

    with importing.held_lock("import/take_lock", wait_seconds=1.0, token=RUN["run_id"]) as held:
        assert held
        first = open_graph()
        importing.driver.execute_query(
            "MATCH (run:ImportRun {status: 'running'}) SET run.status = 'succeeded'",
            database_=importing.database,
        )
        second = open_graph()
        try:
            assert first.import_warnings()[0].startswith(SAID)
            assert second.import_warnings() == []
        finally:
            first.driver.close()
            second.driver.close()


def test_a_restore_read_during_an_import_warns_naming_the_run(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`imports RUN --restore` reads which rows the graph holds: during an import a row may
    look held (or missing) that is not. It said nothing; it warns as the other answers do, on
    stderr and in its JSON `warnings`."""
    night = tmp_path / "night"
    night.mkdir()
    (night / "shipment_lines.csv").write_text(
        "shipment_id,lot_id,quantity,uom\nSH1,P1,300,pcs\nSH2,P2,50,pcs\n", encoding="utf-8"
    )
    done = runner.invoke(app, ["import", str(night), "--full", "--max-removals", "1",
                               "--format", "json"])  # fmt: skip
    assert done.exit_code == 0, done.output
    run_id = json.loads(done.stdout)["run_id"]
    hand_plant.write("import/start_run", props=RUN)
    with hand_plant.held_lock("import/take_lock", wait_seconds=1.0, token=RUN["run_id"]) as held:
        assert held
        restored = runner.invoke(
            app, ["imports", run_id, "--restore", str(tmp_path / "r"), "--format", "json"]
        )
    assert restored.exit_code == 0, restored.output
    assert f"warning: {SAID}" in " ".join(restored.stderr.split())
    assert json.loads(restored.stdout)["warnings"][0].startswith(SAID)
