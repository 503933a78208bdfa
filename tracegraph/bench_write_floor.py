"""Write floor: how fast this server takes node rows at all, under the import's node rows/s.

    ./scripts/bench-write-floor --lots 1000000

The design brief asks ≥ 50k node rows/s of the online import. This measures what the server
itself allows, on the plant's own lot rows, with the importer's batch size and writers: Lot
nodes created from `UNWIND $rows` with (1) the lot id alone and no schema, (2) every property of
a lot row and no schema, (3) the same with tracegraph's constraints and indexes, then (4)
`tracegraph import` of lots.csv alone (nodes, their times, edges and identities, content hashes,
ledger). Each on an emptied database, checked to hold every row afterwards. Server CPU per row
is read from /proc when the server is this home's local one (`tracegraph db up`). Results are
appended to OUT/write-floor-results.json and written as OUT/write-floor-results.md. Uses the
configured server; the database is emptied.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tracegraph.bench_results import appended, at_least, described, finish
from tracegraph.config import find_home, load_settings
from tracegraph.db import connect
from tracegraph.errors import TracegraphError
from tracegraph.graph import TraceGraph
from tracegraph.health import local_server
from tracegraph.importing.run import import_paths
from tracegraph.importing.writer import BATCH_SIZE, WRITERS
from tracegraph.plant import generate_plant

# What each measured way writes, in the order measured: (name, query or None for the import,
# schema installed first)
WAYS: tuple[tuple[str, str | None, bool], ...] = (
    ("Lot, lot_id only, no schema", "bench/floor_lot_ids", False),
    ("Lot, a lot row's properties, no schema", "bench/floor_lot_props", False),
    ("Lot, a lot row's properties, tracegraph's schema", "bench/floor_lot_props", True),
    ("tracegraph import of lots.csv", None, True),
)


def lot_rows(path: Path) -> list[dict[str, Any]]:
    """A plant's lots.csv as the properties a Lot node gets: the row's non-empty values (the
    quantity a number, times as text) and its content hash as the importer stores it
    (`_row_sha`, 32 hex digits: see writer._row_sha)."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            props: dict[str, Any] = {k: v for k, v in record.items() if v}
            if "quantity" in props:
                props["quantity"] = float(props["quantity"])
            joined = "\x1f".join(record.values()).encode()
            props["_row_sha"] = hashlib.sha256(joined).hexdigest()[:32]
            rows.append(props)
    return rows


def _server_cpu(pid: int | None) -> Callable[[], float] | None:
    """Seconds of CPU the server process `pid` has used so far (None: not visible here)."""
    if pid is None:
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    return used


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH_SIZE):
        yield rows[start : start + BATCH_SIZE]


def _measure(
    graph: TraceGraph, name: str, query: str | None, schema: bool, rows: list[dict[str, Any]],
    lots_csv: Path, pid: int | None,
) -> dict[str, Any]:  # fmt: skip
    graph.reset()
    if schema:
        graph.init_schema()
    cpu = _server_cpu(pid)
    cpu_before = cpu() if cpu else 0.0
    began = time.perf_counter()
    if query is None:
        summary = import_paths(graph, [lots_csv])
        if summary.rejected:
            raise TracegraphError(f"the generated lots.csv had {summary.rejected} rejected rows")
        seconds = summary.tables["lots"].seconds  # the table's own time, as bench_import's
    else:
        with ThreadPoolExecutor(WRITERS["lots"]) as pool:
            created = sum(c["nodes_created"] for c in pool.map(
                lambda batch: graph.write(query, rows=batch), _batches(rows)))  # fmt: skip
        seconds = time.perf_counter() - began
        if created != len(rows):
            raise TracegraphError(f"{name}: {created:,} nodes created for {len(rows):,} rows")
    cpu_us = None if cpu is None else round(1e6 * (cpu() - cpu_before) / len(rows), 1)
    held = graph.status().nodes.get("Lot", 0)
    if held != len(rows):
        raise TracegraphError(f"{name}: the database holds {held:,} lots, not {len(rows):,}")
    return {
        "way": name, "rows": len(rows), "seconds": round(seconds, 2),
        "rows_per_s": round(len(rows) / seconds),
        "server_cpu_us_per_row": cpu_us,
    }  # fmt: skip


def run(lots: int, seed: int) -> dict[str, Any]:
    settings = load_settings()
    graph = TraceGraph(connect(settings), settings.database, settings.server)
    # the home's local server, if it is the configured one (a remote or Docker server's process
    # and memory are not visible here)
    local = local_server(find_home(), settings.uri)
    pid = local.pid if local else None
    try:
        with tempfile.TemporaryDirectory() as work:
            plant = generate_plant(lots, seed, Path(work) / "plant")
            lots_csv = plant.out / "lots.csv"  # imported alone: the import takes single files
            rows = lot_rows(lots_csv)
            measured = [_measure(graph, name, query, schema, rows, lots_csv, pid)
                        for name, query, schema in WAYS]  # fmt: skip
        graph.reset(keep_schema=True)
        graph.init_schema()
        version = graph.status()
    finally:
        graph.driver.close()
    return {
        **described(version, local),
        "lots": len(rows), "seed": seed, "batch_rows": BATCH_SIZE, "writers": WRITERS["lots"],
        "ways": measured,
    }  # fmt: skip


def write_results(result: dict[str, Any], out: Path) -> None:
    history = appended(out, "write-floor-results", result)
    lines = [
        "# Write floor", "",
        "`./scripts/bench-write-floor --lots N` (see tracegraph/bench_write_floor.py): what",
        "the server takes at best, under the import's node rows/s (design brief: ≥ 50k node",
        "rows/s). The plant's lot rows, the importer's batch size and writers, an emptied",
        "database each time; server CPU per row when the server is the home's local one. The",
        "import's rows/s is its lots table's own time (as bench-import counts it), its server",
        "CPU the whole run's (ledger and index waits too).", "",
    ]  # fmt: skip
    for r in history:
        lines += [
            f"## {r['when']}: {r['lots']:,} lots, {r['batch_rows']:,} rows a transaction, "
            f"{r['writers']} writers ({r['server']}"
            + (f", {r['server_memory']}" if r.get("server_memory") else "")
            + f"; {r['machine']})", "",
            "| written | rows/s | server CPU µs/row | s |", "|---|---|---|---|",
        ]  # fmt: skip
        for way in r["ways"]:
            cpu = way["server_cpu_us_per_row"]
            lines.append(f"| {way['way']} | {way['rows_per_s']:,} "
                         f"| {'—' if cpu is None else cpu} | {way['seconds']} |")  # fmt: skip
        lines.append("")
    (out / "write-floor-results.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--lots", type=at_least(50), default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args()
    finish(lambda: run(args.lots, args.seed), write_results, args.out)


if __name__ == "__main__":
    main()
