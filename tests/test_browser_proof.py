"""The Neo4j Browser served by the local server really loads and connects (headless Chromium)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracegraph import server
from tracegraph.browser_proof import CONNECTED_TEXT, prove_browser
from tracegraph.config import load_settings

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
