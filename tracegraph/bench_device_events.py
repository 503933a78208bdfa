"""Device-event benchmark: the queries that read a device's events, on a plant with a long
alarm log, sought in the index device_event_device_time against read from the device.

    python -m tracegraph.bench_device_events --lots 5000 --alarms-per-device 50000 --out bench

Generates the plant with `--alarms-per-device` alarms per device (deterministic for --lots,
--alarms-per-device and --seed), imports it unless the database already holds exactly that
many lots and device events, and times, end to end through the Python driver after a
warm-up, narrow backward traces from finished lots, 3-hour device windows and common-cause
rankings of 20 complaint lots of one day — each in two modes, interleaved round by round in
the same session: `index` (every DeviceEvent a KeyedDeviceEvent: the queries seek the index)
and `walk` (one event's label taken off: the queries read every event of a device from the
device, as before the index). The graph is left in `index` mode. Results are appended to
OUT/device-events-results.json and written as OUT/device-events-results.md. Uses the
configured server (`tracegraph db up`).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from tracegraph.bench_results import appended, finish, summary
from tracegraph.bench_trace import WARM_UP, _lots_after_device, _samples
from tracegraph.config import load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.plant import generate_plant
from tracegraph.rootcause import rank_common_causes
from tracegraph.trace import trace_backward, trace_window

MODES = ("walk", "index")
COMPLAINTS = 20


def _set_mode(graph: TraceGraph, mode: str) -> None:
    graph.autocommit("migrate/device_event_device_id")  # every event keyed: index mode
    if mode == "walk":
        graph.write("bench/device_events_unkeyed")


def run(lots: int, alarms: int, seed: int, runs: int, rounds: int) -> dict[str, Any]:
    settings = load_settings()
    graph = TraceGraph(connect(settings), settings.database, settings.server)
    rng = random.Random(seed)  # noqa: S311 - sampling, not secrets
    with tempfile.TemporaryDirectory() as work:
        plant = generate_plant(lots, seed, Path(work) / "plant", alarms)
        imported = None
        counts = graph.status().nodes
        wanted = {"Lot": plant.lots, "DeviceEvent": plant.rows["device_events"]}
        if {label: counts.get(label) for label in wanted} != wanted:
            graph.reset(keep_schema=True)
            graph.init_schema()
            imported = import_paths(graph, [plant.out]).seconds
        graph.init_schema()  # a graph imported before the index: the migration keys its events
        _, finished, samples = _samples(plant.out, rng, runs)
        windows = [(device, start.isoformat(), end.isoformat()) for device, start, end in samples]
        oven_lots = _lots_after_device(plant.out, "OVEN-2")
    day = random.Random(seed + 1)  # noqa: S311 - sampling, not secrets
    starts = [day.randrange(max(1, len(oven_lots) - COMPLAINTS)) for _ in range(8)]
    commands: dict[str, tuple[list[Callable[[], Any]], Callable[[Any], int]]] = {
        "trace backward (finished lot)": (
            [partial(trace_backward, graph, [lot]) for lot in rng.sample(finished, runs)],
            lambda r: sum(len(s["device_events"]) for s in r.steps),
        ),
        "trace device (3 h window)": (
            [partial(trace_window, graph, "device", *window) for window in windows],
            lambda r: len(r.events),
        ),
        f"rootcause ({COMPLAINTS} complaint lots of one day)": (
            [partial(rank_common_causes, graph, oven_lots[s : s + COMPLAINTS]) for s in starts],
            lambda r: len(r.controls),
        ),
    }
    seconds: dict[tuple[str, str], list[float]] = {}
    sizes: dict[tuple[str, str], list[int]] = {}
    try:
        for round_ in range(rounds):
            # alternate which mode goes first: the machine's drift falls on both alike
            for mode in MODES if round_ % 2 == 0 else MODES[::-1]:
                _set_mode(graph, mode)
                for name, (calls, size) in commands.items():
                    for call in calls[:WARM_UP]:
                        call()
                    for call in calls:
                        began = time.perf_counter()
                        result = call()
                        seconds.setdefault((name, mode), []).append(time.perf_counter() - began)
                        sizes.setdefault((name, mode), []).append(size(result))
    finally:
        _set_mode(graph, "index")
    status = graph.status()
    graph.driver.close()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "server": f"Neo4j {status.version} {status.edition}",
        "lots": plant.lots, "seed": seed, "alarms_per_device": alarms,
        "device_events": plant.rows["device_events"], "rounds": rounds,
        "import_seconds": round(imported, 1) if imported is not None else None,
        "commands": {
            name: {mode: summary(seconds[name, mode], sizes[name, mode]) for mode in MODES}
            for name in commands
        },
    }  # fmt: skip


def write_results(result: dict[str, Any], out: Path) -> None:
    history = appended(out, "device-events-results", result)
    lines = [
        "# Device-event benchmark", "",
        "`python -m tracegraph.bench_device_events --lots N --alarms-per-device A` (see",
        "tracegraph/bench_device_events.py): each command's library call, end to end through the",
        "Python driver, after a warm-up; `walk` reads a device's events from the device (as",
        "before the index device_event_device_time), `index` seeks them; the two modes",
        "alternate round by round in one session. `size`: the mean number of device events",
        "the steps were given (backward), of events in the window (device), of controls",
        "(rootcause).", "",
    ]  # fmt: skip
    for r in history:
        lines += [
            f"## {r['lots']:,} lots · {r['alarms_per_device']:,} alarms per device · "
            f"{r['device_events']:,} device events · {r['when']}", "",
            f"{r['server']}; {r['machine']}; {r['rounds']} rounds.", "",
            "| command | mode | runs | p50 ms | p95 ms | size |",
            "|---|---|---|---|---|---|",
        ]  # fmt: skip
        for name, modes in r["commands"].items():
            for mode, c in modes.items():
                lines.append(f"| {name} | {mode} | {c['runs']} | {c['p50_ms']} "
                             f"| {c['p95_ms']} | {c['mean_size']:,} |")  # fmt: skip
        lines.append("")
    (out / "device-events-results.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--lots", type=int, default=5_000)
    parser.add_argument("--alarms-per-device", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args()
    finish(
        lambda: run(args.lots, args.alarms_per_device, args.seed, args.runs, args.rounds),
        write_results,
        args.out,
    )


if __name__ == "__main__":
    main()
