"""The local Neo4j server through the CLI, exactly as the README's quick start runs it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from readme import tracegraph_commands
from tracegraph import server
from tracegraph.cli.main import app
from tracegraph.config import load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import holding_import_lock

QUICK_START = tracegraph_commands("Quick start")


@pytest.fixture
def fresh_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A folder with no server yet; ports and memory through the documented variables."""
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE", "TRACEGRAPH_HOME"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACEGRAPH_BOLT_PORT", str(server.free_port()))
    monkeypatch.setenv("TRACEGRAPH_HTTP_PORT", str(server.free_port()))
    monkeypatch.setenv("TRACEGRAPH_HEAP", "512m")
    monkeypatch.setenv("TRACEGRAPH_PAGECACHE", "256m")
    home = tmp_path / ".tracegraph"
    yield home
    server.stop(home)


def _run(runner: CliRunner, argv: list[str]) -> str:
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, f"tracegraph {' '.join(argv)}: {result.stderr}"
    return result.stdout


def test_quick_start_works_twice_and_survives_a_restart(
    fresh_home: Path, runner: CliRunner
) -> None:
    assert [argv[:2] for argv in QUICK_START] == [["db", "up"], ["db", "init"], ["db", "status"]]
    bolt = f"bolt://127.0.0.1:{os.environ['TRACEGRAPH_BOLT_PORT']}"
    browser = f"http://127.0.0.1:{os.environ['TRACEGRAPH_HTTP_PORT']}/browser/"

    first = [_run(runner, argv) for argv in QUICK_START]
    assert first[0].splitlines()[:3] == [
        "Neo4j (local) is up.", f"Bolt URI:    {bolt}", f"Browser URL: {browser}",
    ]  # fmt: skip
    assert "Schema ready:" in first[1] and ", 0 already present" in first[1]
    assert first[2].startswith("Neo4j 5.26.30 community at " + bolt)

    second = [_run(runner, argv) for argv in QUICK_START]
    assert second[0].splitlines()[0] == "Neo4j (local) was already running."
    assert second[1].startswith("Schema ready: 0 created,")
    # New settings for a running server are not applied: said, not silently dropped.
    again = runner.invoke(app, ["db", "up", "--heap", "1g"])
    assert again.exit_code == 0 and again.stdout.startswith("Neo4j (local) was already running.")
    assert "--heap 1g (it runs with 512m) was not applied" in again.stderr

    # The password is only in the user-only credentials file: not on any command line.
    credentials = fresh_home / "credentials"
    assert credentials.stat().st_mode & 0o777 == 0o600
    # ...and the store is the user's alone: others could copy it and read it without auth
    assert fresh_home.stat().st_mode & 0o777 == 0o700
    settings = load_settings(env={"TRACEGRAPH_HOME": str(fresh_home)})
    assert settings.uri == bolt
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert settings.password.encode() not in cmdline.read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    assert settings.password not in "".join(first + second)
    # Loopback only.
    conf = (fresh_home / "neo4j" / "conf" / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "dbms.security.auth_enabled=true" in conf

    driver = connect(settings)
    driver.execute_query("CREATE (:Lot {lot_id: '000123'})", database_="neo4j")
    # An import running (holding the import lock): `db down` says so and stops nothing.
    graph = TraceGraph(driver, settings.database, settings.uri)
    with holding_import_lock(graph, "an import"):
        busy = runner.invoke(app, ["db", "down"])
        assert busy.exit_code == 2 and busy.stdout == ""
        assert busy.stderr.startswith(
            "error: the import lock is held by an import starting, or `tracegraph db reset`: "
        )
        assert "tracegraph db down --force" in busy.stderr
        assert server.state(fresh_home).running
    driver.close()

    assert _run(runner, ["db", "down"]).strip() == "Neo4j (local) stopped."
    assert _run(runner, ["db", "down"]).strip() == "Neo4j was not running."
    restarted = _run(runner, ["db", "up"])
    assert restarted.splitlines()[0] == "Neo4j (local) is up."
    status = json.loads(_run(runner, ["db", "status", "--format", "json"]))
    assert status["nodes"]["Lot"] == 1  # data and password survived the restart

    # The credentials file lost (the password is in the store only): the hint's way back works
    # (it said to set NEO4J_PASSWORD, which `db up` ignored), a wrong password leaves no file.
    _run(runner, ["db", "down"])
    credentials.unlink()
    lost = runner.invoke(app, ["db", "up"])
    assert lost.exit_code == 2
    assert "credentials file" in lost.stderr and "NEO4J_PASSWORD=… tracegraph db up" in lost.stderr
    wrong = runner.invoke(app, ["db", "up"], env={"NEO4J_PASSWORD": "not-the-password"})
    assert wrong.exit_code == 2
    assert "refused NEO4J_PASSWORD" in wrong.stderr and not credentials.exists()
    right = runner.invoke(app, ["db", "up"], env={"NEO4J_PASSWORD": settings.password})
    assert right.exit_code == 0, right.stderr
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert load_settings(env={"TRACEGRAPH_HOME": str(fresh_home)}) == settings
    status = json.loads(_run(runner, ["db", "status", "--format", "json"]))
    assert status["nodes"]["Lot"] == 1
    _run(runner, ["db", "down"])
