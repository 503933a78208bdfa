"""Where the tests' Neo4j comes from — always a real server, never a mock.

1. NEO4J_URI (with NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE) when set. The suite empties that
   database before every test, so it refuses a non-empty one unless TRACEGRAPH_TESTS_MAY_WIPE=1.
2. Else testcontainers' Neo4j container, when a Docker engine answers.
3. Else the local server (tracegraph.server) on free ports with a throwaway data folder.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from hand_plant import HAND_PLANT
from typer.testing import CliRunner
from unended_plant import UNENDED_PLANT

from tracegraph import server
from tracegraph.config import Settings, load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.lifecycle import docker_engine_answers
from tracegraph.versions import NEO4J_VERSION

TEST_HEAP = "1g"
TEST_PAGECACHE = "512m"


def _from_testcontainers() -> Iterator[Settings]:
    from testcontainers.neo4j import Neo4jContainer

    password = secrets.token_urlsafe(16)
    with Neo4jContainer(f"neo4j:{NEO4J_VERSION}-community", password=password) as container:
        yield Settings(
            uri=container.get_connection_url(), user="neo4j", password=password,
            source="testcontainers",
        )  # fmt: skip


def _from_local_server(base: Path) -> Iterator[Settings]:
    home = base / ".tracegraph"
    options = server.ServerOptions(
        bolt_port=server.free_port(), http_port=server.free_port(),
        heap=TEST_HEAP, pagecache=TEST_PAGECACHE,
    )  # fmt: skip
    server.start(home, options)
    try:
        yield load_settings(env={"TRACEGRAPH_HOME": str(home)})
    finally:
        server.stop(home)


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if os.environ.get("NEO4J_URI"):
        settings = load_settings()
        driver = connect(settings)
        graph = TraceGraph(driver, settings.database, settings.uri)
        # total_nodes leaves out the bookkeeping nodes (models.BOOKKEEPING_LABELS): a database
        # that `db init` alone wrote to holds nothing to lose; an import ledger alone does
        if graph.status().total_nodes and not os.environ.get("TRACEGRAPH_TESTS_MAY_WIPE"):
            driver.close()
            pytest.exit(
                f"NEO4J_URI={settings.uri} holds data and the tests would delete it; "
                "point NEO4J_URI at a scratch database or set TRACEGRAPH_TESTS_MAY_WIPE=1",
                returncode=2,
            )
        driver.close()
        yield settings
    elif docker_engine_answers():
        yield from _from_testcontainers()
    else:
        yield from _from_local_server(tmp_path_factory.mktemp("neo4j-server"))


@pytest.fixture(scope="session")
def _session_graph(neo4j_settings: Settings) -> Iterator[TraceGraph]:
    driver = connect(neo4j_settings)
    graph = TraceGraph(driver, neo4j_settings.database, neo4j_settings.uri)
    graph.init_schema()
    yield graph
    driver.close()


@pytest.fixture
def graph(_session_graph: TraceGraph) -> TraceGraph:
    """The test database, emptied of data (the schema stays installed)."""
    _session_graph.reset(keep_schema=True)
    _session_graph.init_schema()
    return _session_graph


@pytest.fixture
def neo4j_env(
    neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, str]:
    """Environment that points the CLI at the test server, from a folder with no .tracegraph."""
    env = {
        "NEO4J_URI": neo4j_settings.uri,
        "NEO4J_USER": neo4j_settings.user,
        "NEO4J_PASSWORD": neo4j_settings.password,
        "NEO4J_DATABASE": neo4j_settings.database,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TRACEGRAPH_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    return env


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def hand_plant(graph: TraceGraph, tmp_path: Path) -> TraceGraph:
    """The database holding only tests/hand_plant.py's plant."""
    for name, text in HAND_PLANT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    return graph


@pytest.fixture
def unended_steps(graph: TraceGraph, tmp_path: Path) -> TraceGraph:
    """The database holding only tests/unended_plant.py's steps with no end time."""
    for name, text in UNENDED_PLANT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejected == 0
    return graph
