"""What the benchmark scripts share: a timing summary, and the results history they keep."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracegraph.errors import TracegraphError

if TYPE_CHECKING:
    from tracegraph.compare.memory import InMemoryPlant
    from tracegraph.graph import Status, TraceGraph
    from tracegraph.health import LocalServer
    from tracegraph.plant import PlantSummary


def summary(seconds: list[float], sizes: list[int]) -> dict[str, Any]:
    """p50, p95 and max of timed calls in milliseconds, and the mean size of their answers."""
    ms = sorted(s * 1000 for s in seconds)
    return {
        "runs": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 2),
        "max_ms": round(ms[-1], 2),
        "mean_size": round(statistics.mean(sizes), 1),
    }


def at_least(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than `low`; anything else is argparse's one
    error line (a plant of fewer than 50 lots is refused by `demo generate` too, and no timed
    run measures nothing)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is too small (use at least {low})")
        return value

    return parse


def described(status: Status, local: LocalServer | None) -> dict[str, Any]:
    """When a result was measured, on what machine and server, with how much memory when the
    server is the home's local one (a remote or Docker server's settings are not visible)."""
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "server": f"Neo4j {status.version} {status.edition}",
        "server_memory": f"{local.heap} heap, {local.pagecache} page cache" if local else None,
    }


def plant_in_database(
    graph: TraceGraph, lots: int, seed: int, folder: Path, reuse: bool, log: Callable[[str], None]
) -> PlantSummary:
    """The generated plant (`lots`, `seed`) written into `folder` and in the database: imported
    into an emptied one, or kept there with `reuse` when it holds that many lots already."""
    from tracegraph.importing.run import import_paths
    from tracegraph.plant import generate_plant

    plant = generate_plant(lots, seed, folder)
    if reuse and graph.status().nodes.get("Lot") == plant.lots:
        log(f"{plant.lots:,} lots generated; the database holds them (--reuse)")
        return plant
    log(f"{plant.lots:,} lots generated; importing …")
    graph.reset(keep_schema=True)
    graph.init_schema()
    if import_paths(graph, [plant.out]).rejected:
        raise TracegraphError("the generated plant had rejected rows")
    return plant


@dataclass
class PlantRun:
    """A benchmark's generated plant in the configured server (see commodity_plant)."""

    graph: TraceGraph
    local: LocalServer | None  # the home's local server, when it is the one configured
    work: Path  # a scratch folder for the run: the plant's files, and whatever the run writes
    plant: PlantSummary
    memory: InMemoryPlant  # the plant's edges as arrays: the questions' sizes and lot sets
    salt: list[str]  # the commodity lots, in order


@contextmanager
def commodity_plant(
    lots: int, seed: int, reuse: bool, log: Callable[[str], None]
) -> Iterator[PlantRun]:
    """The configured server holding the generated plant (plant_in_database), with its arrays
    and commodity lots; the scratch folder removed and the driver closed at the end."""
    import tempfile

    from tracegraph.compare.memory import InMemoryPlant
    from tracegraph.config import find_home, load_settings
    from tracegraph.db import connect
    from tracegraph.graph import TraceGraph
    from tracegraph.health import local_server

    settings = load_settings()
    graph = TraceGraph(connect(settings), settings.database, settings.server)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            plant = plant_in_database(graph, lots, seed, work / "plant", reuse, log)
            yield PlantRun(graph, local_server(find_home(), settings.uri), work, plant,
                           InMemoryPlant(plant.out), sorted(plant.commodity_lots))  # fmt: skip
    finally:
        graph.driver.close()


def plant_bench_main(
    doc: str | None, run: Callable[[int, int, int, bool, Callable[[str], None]], dict[str, Any]],
    write: Callable[[dict[str, Any], Path], None], runs: int, runs_help: str,
    argv: Sequence[str] | None = None,
) -> None:  # fmt: skip
    """The command line of a benchmark on a generated plant: --lots, --seed, --runs (default
    `runs`), --reuse and --out; `run(lots, seed, runs, reuse, log)` measures, `write` keeps the
    result in OUT (see finish); progress goes to stderr."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0] if doc else None)
    parser.add_argument("--lots", type=at_least(50), default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=at_least(1), default=runs, help=runs_help)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database when it holds this plant already")  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    finish(lambda: run(args.lots, args.seed, args.runs, args.reuse, log), write, args.out)


def appended(out: Path, name: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every result OUT/NAME.json holds, this one added (the file is written again)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    history: list[dict[str, Any]] = json.loads(path.read_text()) if path.exists() else []
    history.append(result)
    path.write_text(json.dumps(history, indent=2) + "\n")
    return history


def finish(
    run: Callable[[], dict[str, Any]], write: Callable[[dict[str, Any], Path], None], out: Path
) -> None:
    """Run a benchmark, keep its result in OUT and print it; an error is one line, no traceback."""
    try:
        result = run()
    except TracegraphError as error:
        raise SystemExit(f"error: {error}") from None
    write(result, out)
    print(json.dumps(result, indent=2))
