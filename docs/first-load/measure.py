"""PROTOTYPE (first-load study, docs/first-load/study.md) — not wired into the CLI.

The study's small measurements, against the configured database (TRACEGRAPH_HOME):

    PYTHONPATH=. .venv/bin/python docs/first-load/measure.py stages TABLE FILE
        CPU µs per row of read_table, validate_lazily and cypher_row for one canonical file
    PYTHONPATH=. .venv/bin/python docs/first-load/measure.py indexes
        after `db init`: how many indexes are not ONLINE yet, and how long until they are
    PYTHONPATH=. .venv/bin/python docs/first-load/measure.py bounds
        the online cost of longest_step_s after a CSV load (the import's own queries)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tracegraph.config import load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph
from tracegraph.importing.reader import read_table
from tracegraph.importing.run import chosen_zone
from tracegraph.importing.validate import validate_lazily
from tracegraph.importing.writer import cypher_row


def stages(table: str, path: Path) -> None:
    zone = chosen_zone(None, None).zone
    t = time.process_time()
    raw = read_table(path)
    read = time.process_time() - t
    t = time.process_time()
    rows = list(validate_lazily(raw, table, zone)[1])
    validate = time.process_time() - t
    t = time.process_time()
    for row in rows:
        cypher_row(table, row)
    shape = time.process_time() - t
    n = max(len(rows), 1)
    print(f"{table}: {len(rows)} rows; CPU µs/row: read {read / n * 1e6:.0f}, "
          f"validate {validate / n * 1e6:.0f}, cypher_row {shape / n * 1e6:.0f}")  # fmt: skip


def indexes() -> None:
    settings = load_settings()
    driver = connect(settings)
    began = time.perf_counter()
    with driver.session(database=settings.database) as session:
        left = session.run(
            "SHOW INDEXES YIELD state WHERE state <> 'ONLINE' RETURN count(*) AS n"
        ).single()
        print("not online right after db init:", left["n"] if left else 0)
        session.run("CALL db.awaitIndexes(1200)").consume()
    print(f"all ONLINE {time.perf_counter() - began:.1f} s later")
    driver.close()


def bounds() -> None:
    settings = load_settings()
    driver = connect(settings)
    graph = TraceGraph(driver, settings.database, settings.server)
    with driver.session(database=settings.database) as session:
        devices = [r["k"] for r in session.run("MATCH (n:Device) RETURN n.device_id AS k")]
        operators = [r["k"] for r in session.run("MATCH (n:Operator) RETURN n.operator_id AS k")]
    t = time.perf_counter()
    graph.write("import/devices_bound", keys=devices)
    took_devices = time.perf_counter() - t
    t = time.perf_counter()
    graph.write("import/operators_bound", keys=operators)
    took_operators = time.perf_counter() - t
    print(f"devices_bound ({len(devices)}): {took_devices:.1f} s; "
          f"operators_bound ({len(operators)}): {took_operators:.1f} s")  # fmt: skip
    driver.close()


if __name__ == "__main__":
    if sys.argv[1] == "stages":
        stages(sys.argv[2], Path(sys.argv[3]))
    elif sys.argv[1] == "indexes":
        indexes()
    else:
        bounds()
