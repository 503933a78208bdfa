"""The Neo4j Browser served by the local server really loads and connects (headless Chromium)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hand_plant import HAND_PLANT

from tracegraph import server
from tracegraph.browser_proof import (
    CONNECTED_TEXT,
    grass_to_json,
    prove_browser,
    screenshot_styled_query,
)
from tracegraph.config import load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.resources import resource_path

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (.ci/run does)"
)


@pytest.fixture(scope="module")
def browser_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("browser") / ".tracegraph"
    options = server.ServerOptions(
        bolt_port=server.free_port(), http_port=server.free_port(), heap="512m", pagecache="128m"
    )
    server.start(home, options)
    yield home
    server.stop(home)


def test_browser_connects_and_runs_a_query(browser_server: Path, tmp_path: Path) -> None:
    settings = load_settings(env={"TRACEGRAPH_HOME": str(browser_server)})
    options = server.saved_options(browser_server)
    assert options is not None
    shot = tmp_path / "browser.png"
    proof = prove_browser(options.browser_url, settings.user, settings.password, shot)
    assert proof.connected_text.strip().startswith(f"{CONNECTED_TEXT} neo4j")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    assert width == 1400
    assert len(data) > 20_000


def test_styled_trace_is_drawn(browser_server: Path, tmp_path: Path) -> None:
    """The README's trace picture: the Browser draws forward.cypher with tracegraph.grass."""
    settings = load_settings(env={"TRACEGRAPH_HOME": str(browser_server)})
    options = server.saved_options(browser_server)
    assert options is not None
    for name, text in HAND_PLANT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    driver = connect(settings)
    try:
        graph = TraceGraph(driver, settings.database, settings.uri)
        graph.init_schema()
        assert import_paths(graph, [tmp_path]).rejects == []
    finally:
        driver.close()
    browser = resource_path("cypher") / "browser"
    shot = screenshot_styled_query(
        options.browser_url, settings.user, settings.password, tmp_path / "trace.png",
        (browser / "tracegraph.grass").read_text(encoding="utf-8"),
        [":param lot_id => 'A'",
         "MATCH (s:Lot {lot_id: $lot_id})-[:INPUT_TO|PRODUCED*0..]->(r) RETURN DISTINCT r"],
    )  # fmt: skip
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert grass_to_json('node.Lot {\n  caption: "{lot_id}";\n  color: #1F77B4;\n}') == {
        "node.Lot": {"caption": "{lot_id}", "color": "#1F77B4"}
    }
