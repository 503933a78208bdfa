"""Answers read while an import writes the graph say so (trace, lot show, check, rootcause and
the recall package).

An exploratory tester traced R0000002 during a nightly import (7,658 rows changed): 52 lots and
10 customers, against 158 and 17 once it had ended, and its recall package held the
half-written graph's quantity disagreements — all exit 0 with nothing saying an import ran,
though `db status` knew ("Import running: run …")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph

RUN = {"run_id": "20261206T141226Z-7c466f", "status": "running", "user": "etl",
       "host": "mes-gw", "started_at": datetime(2026, 12, 6, 14, 12, 26, tzinfo=UTC)}  # fmt: skip
SAID = (
    "an import is running (run 20261206T141226Z-7c466f by etl@mes-gw, started "
    "2026-12-06T14:12:26Z): this answer was read from a graph it is still writing"
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
