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

    ./scripts/bench-write-floor --lots 20000 --split-schema --rounds 3 --warm-up 1

splits (3): the lot rows written with the whole schema, then with each constraint or index of
the Lot label left out in turn, and with none; the ways alternate, round after round, so that a
loaded host's busy minutes fall on all of them, and each way's median round is kept.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import statistics
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
from tracegraph.graph import SchemaObject, TraceGraph
from tracegraph.health import local_server
from tracegraph.importing.run import import_paths
from tracegraph.importing.writer import BATCH_SIZE, WRITERS
from tracegraph.plant import generate_plant

# What each measured way writes, in the order measured: (name, query or None for the import,
# schema installed first, the schema object then dropped)
Way = tuple[str, str | None, bool, SchemaObject | None]
WAYS: tuple[Way, ...] = (
    ("Lot, lot_id only, no schema", "bench/floor_lot_ids", False, None),
    ("Lot, a lot row's properties, no schema", "bench/floor_lot_props", False, None),
    ("Lot, a lot row's properties, tracegraph's schema", "bench/floor_lot_props", True, None),
    ("tracegraph import of lots.csv", None, True, None),
)


def lot_rows(path: Path) -> list[dict[str, Any]]:
    """A plant's lots.csv as the properties a Lot node gets: the row's non-empty values (the
    quantity a number, times as text) and its content hash as the importer stores it
    (`_row_sha`, 32 hex digits: see writer._row_sha), and origin_known."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            props: dict[str, Any] = {k: v for k, v in record.items() if v}
            if "quantity" in props:
                props["quantity"] = float(props["quantity"])
            joined = "\x1f".join(record.values()).encode()
            props["_row_sha"] = hashlib.sha256(joined).hexdigest()[:32]
            props["origin_known"] = True  # as writer.cypher_row: its index holds every lot
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
    lots_csv: Path, pid: int | None, left_out: SchemaObject | None = None,
) -> dict[str, Any]:  # fmt: skip
    graph.reset()
    if schema:
        graph.init_schema()
    if left_out is not None:
        kind = "constraint" if left_out.kind == "constraint" else "index"
        graph.autocommit(f"db/drop_{kind}", name=left_out.name)
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


def schema_split(graph: TraceGraph) -> list[Way]:
    """--split-schema's ways: the lot rows with tracegraph's schema, then without each of the Lot
    label's constraints and indexes in turn, then with no schema."""
    graph.reset()
    graph.init_schema()
    lot_objects = [o for o in graph.schema_objects()
                   if o.entity == "NODE" and "Lot" in o.labels_or_types]  # fmt: skip
    with_schema, no_schema = WAYS[2], WAYS[1]
    return [
        with_schema,
        *((f"{with_schema[0]} but {o.name} ({o.kind.lower()} on {', '.join(o.properties)})",
           with_schema[1], True, o) for o in lot_objects),
        no_schema,
    ]  # fmt: skip


def _median_round(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One way's rounds as one: the median of each measure, and each round's server CPU."""
    cpus = [r["server_cpu_us_per_row"] for r in runs]
    known = [c for c in cpus if c is not None]
    return {
        **runs[0],
        "seconds": round(statistics.median(r["seconds"] for r in runs), 2),
        "rows_per_s": round(statistics.median(r["rows_per_s"] for r in runs)),
        "server_cpu_us_per_row": round(statistics.median(known), 1) if known else None,
        "rounds_cpu_us_per_row": cpus,
    }


def measure_rounds(
    graph: TraceGraph, ways: list[Way], rounds: int, warm_up: int, rows: list[dict[str, Any]],
    lots_csv: Path, pid: int | None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Each way measured `rounds` times, the ways alternating within each round (a loaded
    host's busy minutes fall on all of them alike), after `warm_up` rounds not kept (a fresh
    server's first writes run its code uncompiled: 20k lots, 438 µs a row, then 129, then 79);
    each way's median."""
    runs: dict[str, list[dict[str, Any]]] = {way[0]: [] for way in ways}
    for done in range(warm_up + rounds):
        for name, query, schema, left_out in ways:
            run = _measure(graph, name, query, schema, rows, lots_csv, pid, left_out)
            if done >= warm_up:
                runs[name].append(run)
    return [_median_round(runs[way[0]]) for way in ways]


def run(
    lots: int, seed: int, rounds: int = 1, warm_up: int = 0, split: bool = False
) -> dict[str, Any]:
    settings = load_settings()
    graph = TraceGraph(connect(settings), settings.database, settings.server)
    # the home's local server, if it is the configured one (a remote or Docker server's process
    # and memory are not visible here)
    local = local_server(find_home(), settings.uri)
    pid = local.pid if local else None
    try:
        ways = schema_split(graph) if split else list(WAYS)
        with tempfile.TemporaryDirectory() as work:
            plant = generate_plant(lots, seed, Path(work) / "plant")
            lots_csv = plant.out / "lots.csv"  # imported alone: the import takes single files
            rows = lot_rows(lots_csv)
            measured = measure_rounds(graph, ways, rounds, warm_up, rows, lots_csv, pid)
        graph.reset(keep_schema=True)
        graph.init_schema()
        version = graph.status()
    finally:
        graph.driver.close()
    return {
        **described(version, local),
        "lots": len(rows), "seed": seed, "batch_rows": BATCH_SIZE, "writers": WRITERS["lots"],
        "rounds": rounds, "warm_up": warm_up, "ways": measured,
    }  # fmt: skip


def _cpu_cell(way: dict[str, Any]) -> str:
    """A way's server CPU µs/row, with each round's when there were several."""
    cpu = way["server_cpu_us_per_row"]
    rounds = way.get("rounds_cpu_us_per_row") or []
    if cpu is None:
        return "—"
    return f"{cpu} ({', '.join(map(str, rounds))})" if len(rounds) > 1 else str(cpu)


def write_results(result: dict[str, Any], out: Path) -> None:
    history = appended(out, "write-floor-results", result)
    lines = [
        "# Write floor", "",
        "`./scripts/bench-write-floor --lots N` (see tracegraph/bench_write_floor.py): what",
        "the server takes at best, under the import's node rows/s (design brief: ≥ 50k node",
        "rows/s). The plant's lot rows, the importer's batch size and writers, an emptied",
        "database each time; server CPU per row when the server is the home's local one. The",
        "import's rows/s is its lots table's own time (as bench-import counts it), its server",
        "CPU the whole run's (ledger and index waits too). `--split-schema` (since 2026-12-07;",
        "its rows carry origin_known, as the import's do): the Lot schema's objects left out one",
        "at a time; in brackets each kept round's server CPU, to show the spread.", "",
    ]  # fmt: skip
    for r in history:
        lines += [
            f"## {r['when']}: {r['lots']:,} lots, {r['batch_rows']:,} rows a transaction, "
            f"{r['writers']} writers"
            + (f", median of {r['rounds']} alternating rounds" if r.get("rounds", 1) > 1 else "")
            + (f" after {r['warm_up']} not kept" if r.get("warm_up") else "")
            + f" ({r['server']}"
            + (f", {r['server_memory']}" if r.get("server_memory") else "")
            + f"; {r['machine']})", "",
            "| written | rows/s | server CPU µs/row | s |", "|---|---|---|---|",
        ]  # fmt: skip
        for way in r["ways"]:
            lines.append(f"| {way['way']} | {way['rows_per_s']:,} | {_cpu_cell(way)} "
                         f"| {way['seconds']} |")  # fmt: skip
        lines.append("")
    (out / "write-floor-results.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--lots", type=at_least(50), default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench"))
    parser.add_argument(
        "--rounds",
        type=at_least(1),
        default=1,
        help="measure each way this many times, the ways alternating",
    )
    parser.add_argument("--warm-up", type=at_least(0), default=0,
                        help="rounds of every way run first and not kept")  # fmt: skip
    parser.add_argument("--split-schema", action="store_true",
                        help="the lot rows with the whole schema, without each Lot constraint "
                        "or index in turn, and with none")  # fmt: skip
    args = parser.parse_args()
    measured = lambda: run(args.lots, args.seed, args.rounds, args.warm_up, args.split_schema)  # noqa: E731
    finish(measured, write_results, args.out)


if __name__ == "__main__":
    main()
