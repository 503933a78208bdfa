"""Trace benchmark: p50/p95 of every tracing command on a generated plant, end to end.

    python -m tracegraph.bench_trace --lots 100000 --out bench

Generates the plant (deterministic for --lots and --seed), imports it unless the database
already holds exactly that plant, then times each library call behind a CLI command — the
same call the command makes, through the Python driver — after a warm-up: forward traces from
random raw lots (narrow) and from salt lots (wide), backward traces from random finished lots,
lot dossiers, device windows, common-cause ranking over 50 complaint lots, recall packages and
the gap check — and, first, the driver's round trip with `RETURN 1`, the floor of them all on
the machine of the day. Results are appended to OUT/trace-results.json and written as
OUT/trace-results.md. Uses the configured server (`tracegraph db up`).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from tracegraph.bench_results import appended, finish, summary
from tracegraph.check import run_checks
from tracegraph.config import load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.lots import show_lot
from tracegraph.plant import generate_plant, plant_rows
from tracegraph.recall import build_package
from tracegraph.rootcause import rank_common_causes
from tracegraph.trace import trace_backward, trace_forward, trace_window

WARM_UP = 5


def _timed(calls: list[Callable[[], Any]], size: Callable[[Any], int]) -> dict[str, Any]:
    for call in calls[:WARM_UP]:
        call()
    seconds, sizes = [], []
    for call in calls:
        began = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - began)
        sizes.append(size(result))
    return summary(seconds, sizes)


def run(lots: int, seed: int, runs: int) -> dict[str, Any]:
    settings = load_settings()
    graph = TraceGraph(connect(settings), settings.database, settings.server)
    rng = random.Random(seed)  # noqa: S311 - sampling, not secrets
    with tempfile.TemporaryDirectory() as work:
        plant = generate_plant(lots, seed, Path(work) / "plant")
        imported = None
        if graph.status().nodes.get("Lot") != plant.lots:
            graph.reset(keep_schema=True)
            graph.init_schema()
            imported = import_paths(graph, [plant.out]).seconds
        raw, finished, windows = _samples(plant.out, rng, runs)
        oven = "OVEN-2"
        oven_lots = _lots_after_device(plant.out, oven)
        results: dict[str, Any] = {}
        # The floor of every row below, measured now: compare runs by their ratio to it.
        results["driver round trip (RETURN 1)"] = _timed(
            [partial(graph.read, "db/round_trip") for _ in range(runs)], len
        )
        results["trace forward (narrow, raw lot)"] = _timed(
            [partial(trace_forward, graph, [lot]) for lot in rng.sample(raw, runs)],
            lambda r: len(r.lots),
        )
        salt = list(plant.commodity_lots)
        results["trace forward (wide, salt lot)"] = _timed(
            [partial(trace_forward, graph, [salt[i % len(salt)]])
             for i in range(max(WARM_UP + 3, runs // 3))],
            lambda r: len(r.lots),
        )  # fmt: skip
        results["trace backward (finished lot)"] = _timed(
            [partial(trace_backward, graph, [lot]) for lot in rng.sample(finished, runs)],
            lambda r: len(r.lots),
        )
        results["lot show"] = _timed(
            [partial(show_lot, graph, lot) for lot in rng.sample(raw + finished, runs)],
            lambda r: len(r["used_in"]) + len(r["shipments"]),
        )
        results["trace device (3 h window)"] = _timed(
            [partial(trace_window, graph, "device", w[0], w[1].isoformat(), w[2].isoformat())
             for w in windows],
            lambda r: len(r.forward.lots) if r.forward else 0,
        )  # fmt: skip
        complaint_sets = [rng.sample(oven_lots, min(50, len(oven_lots))) for _ in range(8)]
        results["rootcause (50 complaint lots)"] = _timed(
            [partial(rank_common_causes, graph, c) for c in complaint_sets],
            lambda r: len(r.controls),
        )
        # The sets above spread over the plant's years, so their comparable lots are every lot
        # of those materials (~400k at 1M lots). Complaints usually come about one production
        # day: 50 consecutive finished lots after the oven (about 18 hours of production). Own
        # generator, so the samples below stay those of earlier runs.
        day = random.Random(seed + 1)  # noqa: S311 - sampling, not secrets
        starts = [day.randrange(max(1, len(oven_lots) - 50)) for _ in range(8)]
        results["rootcause (50 complaint lots of one day)"] = _timed(
            [partial(rank_common_causes, graph, oven_lots[s : s + 50]) for s in starts],
            lambda r: len(r.controls),
        )
        recall_dir = Path(work) / "recalls"
        recall_dir.mkdir()

        def package(lot: str) -> Any:  # each run writes into a new, empty folder
            return build_package(graph, [lot], Path(tempfile.mkdtemp(dir=recall_dir)))

        results["recall package (raw lot)"] = _timed(
            [partial(package, lot) for lot in rng.sample(raw, 8)], lambda r: len(r.trace.lots)
        )
        results["check (whole graph)"] = _timed(
            [partial(run_checks, graph) for _ in range(WARM_UP + 2)], lambda r: r.total
        )
    status = graph.status()
    graph.driver.close()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "server": f"Neo4j {status.version} {status.edition}",
        "lots": plant.lots, "seed": seed,
        "nodes": status.total_nodes, "relationships": status.total_relationships,
        "import_seconds": round(imported, 1) if imported is not None else None,
        "commands": results,
    }  # fmt: skip


def _samples(
    folder: Path, rng: random.Random, runs: int
) -> tuple[list[str], list[str], list[tuple[str, datetime, datetime]]]:
    """Raw lots (salt aside), finished lots, and `runs` 3-hour windows that start with a bake.

    Only these ids outlive the call: the plant's rows (1.6M dicts at 1M lots) are freed before
    anything is timed. Held, they made narrow traces 0-14 % slower (three A/B pairs, 1M lots)."""
    lot_rows = plant_rows(folder, "lots")
    raw = [r["lot_id"] for r in lot_rows if r["supplier_id"] and r["material_id"] != "SALT"]
    finished = [r["lot_id"] for r in lot_rows if r["lot_id"].startswith("F")]
    del lot_rows
    bakes = [s for s in plant_rows(folder, "steps") if s["operation"] == "bake"]
    windows = []
    for step in rng.sample(bakes, min(runs, len(bakes))):
        start = datetime.fromisoformat(step["started_at"])
        windows.append((step["device_id"], start, start + timedelta(hours=3)))
    return raw, finished, windows


def _lots_after_device(folder: Path, device: str) -> list[str]:
    """Finished lots whose bake ran on `device`: complaint lots with a real common cause."""
    baked_on = {r["step_id"] for r in plant_rows(folder, "steps") if r["device_id"] == device}
    baked = {r["lot_id"] for r in plant_rows(folder, "step_outputs") if r["step_id"] in baked_on}
    packs = {r["step_id"] for r in plant_rows(folder, "step_inputs") if r["lot_id"] in baked}
    return sorted(r["lot_id"] for r in plant_rows(folder, "step_outputs")
                  if r["step_id"] in packs and r["lot_id"].startswith("F"))  # fmt: skip


def write_results(result: dict[str, Any], out: Path) -> None:
    history = appended(out, "trace-results", result)
    lines = [
        "# Trace benchmark", "",
        "`./scripts/bench-trace --lots N` (see tracegraph/bench_trace.py): each command's library",
        "call, end to end through the Python driver, after a warm-up. `size` is the mean number",
        "of lots reached (traces), of controls (rootcause), of findings (check).", "",
    ]  # fmt: skip
    for r in history:
        lines += [
            f"## {r['lots']:,} lots · {r['nodes']:,} nodes · {r['relationships']:,} relationships"
            f" · {r['when']}", "",
            f"{r['server']}; {r['machine']}.", "",
            "| command | runs | p50 ms | p95 ms | max ms | size |",
            "|---|---|---|---|---|---|",
        ]  # fmt: skip
        for name, c in r["commands"].items():
            lines.append(f"| {name} | {c['runs']} | {c['p50_ms']} | {c['p95_ms']} "
                         f"| {c['max_ms']} | {c['mean_size']:,} |")  # fmt: skip
        lines.append("")
    (out / "trace-results.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args()
    finish(lambda: run(args.lots, args.seed, args.runs), write_results, args.out)


if __name__ == "__main__":
    main()
