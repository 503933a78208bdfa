"""./scripts/demo, run as a user would, in a fresh folder with small memory and free ports."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tracegraph import server

ROOT = Path(__file__).resolve().parent.parent


def test_demo_starts_imports_a_plant_and_shows_the_database(tmp_path: Path) -> None:
    home = tmp_path / ".tracegraph"
    bolt = server.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TRACEGRAPH_"))} | {
        "TRACEGRAPH_HOME": str(home),
        "TRACEGRAPH_BOLT_PORT": str(bolt),
        "TRACEGRAPH_HTTP_PORT": str(server.free_port()),
        "TRACEGRAPH_HEAP": "512m",
        "TRACEGRAPH_PAGECACHE": "256m",
    }
    try:
        done = subprocess.run(
            [str(ROOT / "scripts" / "demo")], env=env, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip
    finally:
        server.stop(home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Neo4j (local) is up." in lines
    assert f"Bolt URI:    bolt://127.0.0.1:{bolt}" in lines
    assert any(line.startswith("Schema ready: ") for line in lines)
    assert any(line.startswith("Generated ") for line in lines)
    summary = next(line for line in lines if line.startswith("Import "))
    assert "+ 0 rejected" in summary
    status = next(line for line in lines if line.startswith("Neo4j 5.26.30 community at "))
    assert ": 0 plant nodes, " not in status and " plant nodes, " in status
    trace = next(line for line in lines if " lots made from " in line and "customers" in line)
    assert "kg of R" in trace and "shipped" in trace  # the salt lot reached customers
    drill = next(line for line in lines if line.startswith("Drill DRILL-"))
    assert drill.endswith("100.0% of the source quantity located")
    package = Path(next(line for line in lines if line.startswith("Recall package: "))
                   .removeprefix("Recall package: ").split(" (")[0])  # fmt: skip
    assert (package / "manifest.sha256").is_file() and (package / "report.html").is_file()
