"""tracegraph against PostgreSQL recursive SQL and an in-memory BFS, on the same plants, in one run.

    python -m tracegraph.bench_engines --lots 10000 100000 --out bench

For each scale: generate the plant (fixed seed), import it into the configured Neo4j through
`tracegraph import` (the database is emptied), COPY the same tables into a throwaway
PostgreSQL 15 (tracegraph.compare.postgres), build the in-memory reference
(tracegraph.compare.memory), then ask every engine the same questions with the same inputs, in
turn: narrow forward and backward traces, wide forward traces from the commodity lot, traces
sized to DESIGN.md §6's bars (~3k lots forward and backward, ~100k forward: the fewest
consecutive commodity or finished lots that reach that many, found with the in-memory BFS),
device windows and common-cause ranking. Every answer's lot set (for ranking: every factor's counts)
must agree across the three engines, and tracegraph's and PostgreSQL's traces must weigh
alike, or the run stops with exit code 1. Times are end to end through each engine's Python
driver after a warm-up. Traces are the full answer the CLI prints on both database engines:
tracegraph through its library calls; PostgreSQL through SQL returning the same facts in the
same shape (compare/sql/), weighed by the same library code — how much of the sources
reached each lot, shipment and customer; a device window is its lots, the device's events
in it and its last calibration before, and the lots' forward trace.
The in-memory reference answers with the lot set alone: the physical limit of the traversal,
not of the answer. Results are merged into OUT/results.json (one entry per scale) and written
as OUT/results.md and OUT/results.png.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from tracegraph import server
from tracegraph.compare.memory import InMemoryPlant
from tracegraph.compare.postgres import (
    Postgres,
    backward_trace,
    forward_trace,
    load_plant,
    running_postgres,
    sql,
    window_trace,
)
from tracegraph.config import find_home, load_settings
from tracegraph.db import connect
from tracegraph.errors import TracegraphError
from tracegraph.gcpause import collector_paused
from tracegraph.graph import TraceGraph
from tracegraph.health import folder_bytes
from tracegraph.importing.run import import_paths
from tracegraph.plant import generate_plant, plant_rows
from tracegraph.rootcause import (
    CONDITION_KINDS,
    FACTOR_QUERIES,
    INSPECTION_KINDS,
    rank_common_causes,
    rank_factors,
    read_in_parts,
)
from tracegraph.trace import (
    BackwardTrace,
    ForwardTrace,
    trace_backward,
    trace_forward,
    trace_window,
)

ENGINES = ("tracegraph", "postgresql", "in-memory")
WARM_UP = 3
# The trace sizes DESIGN.md §6 sets its bars at: ~3k lots (narrow) and ~100k (a commodity).
DESIGN_NARROW_LOTS = 3_000
DESIGN_WIDE_LOTS = 100_000
DEFAULT_SCALES = (10_000, 100_000, 1_000_000)


WRONG_ANSWER = "a wrong answer is a bug in that engine's query; this scale's results are not saved"


class Mismatch(TracegraphError):
    """Two engines answered one question differently."""

    exit_code = 1


@dataclass(frozen=True)
class Weighed:
    """A trace's answer: the lots reached (sources included) and the amounts the library
    weighed — forward, how much of the sources each reached lot and shipment line holds;
    backward, how much of each reached lot went into the sources (None where units do not
    convert). The in-memory reference answers with the lot set alone."""

    lots: frozenset[str]
    amounts: Mapping[str, float | None]
    # the database's part of the answer's time (query, decode, the subgraph's shape; the rest is
    # the library's weighing, the same code for both databases), when the answer is one trace
    fetch_seconds: float | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls, trace: ForwardTrace | BackwardTrace, sources: list[str], whole: bool = True
    ) -> Weighed:
        """`whole`: the trace is the whole answer, so its database part is the answer's."""
        amounts = {row["lot_id"]: row["quantity"] for row in trace.lots}
        if isinstance(trace, ForwardTrace):
            amounts.update({f"{row['shipment_id']} <- {row['lot_id']}": row["source_quantity"]
                            for row in trace.shipments})  # fmt: skip
        lots = frozenset(row["lot_id"] for row in trace.lots) | set(sources)
        return cls(lots, amounts, trace.fetch_seconds if whole else None)

    def differences(self, other: Weighed) -> str:
        """'' when both weigh alike (to rounding: sums over differently ordered edges)."""
        keys = self.amounts.keys() | other.amounts.keys()
        unequal = sorted(k for k in keys if not _close(self.amounts.get(k), other.amounts.get(k)))
        if not unequal:
            return ""
        first = unequal[0]
        return (f"{len(unequal)} of {len(keys)} amounts, e.g. {first}: "
                f"{self.amounts.get(first)} vs {other.amounts.get(first)}")  # fmt: skip


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _reached(answer: Any) -> Any:
    return set(answer.lots) if isinstance(answer, Weighed) else answer


@dataclass
class Question:
    """One question asked of every engine with the same inputs: a callable per engine that
    returns a comparable answer (a lot set, or factor counts)."""

    name: str
    inputs: list[Any]
    ask: Mapping[str, Callable[[Any], Any]]
    times: dict[str, list[float]] = field(default_factory=dict)
    # the databases' part of each timed answer (Weighed.fetch_seconds), where the answer has it
    fetch_times: dict[str, list[float]] = field(default_factory=dict)
    sizes: list[int] = field(default_factory=list)

    def run(self) -> None:
        self.times = {engine: [] for engine in ENGINES}
        self.fetch_times = {engine: [] for engine in ENGINES}
        for n, given in enumerate(self.inputs):
            answers = {}
            for engine in ENGINES:
                began = time.perf_counter()
                # Every engine's whole answer (its call and the harness's shaping) is built
                # with the collector paused, as the library pauses it in its own calls: a
                # collection landing in one engine's share would be charged to it alone (it
                # was, to tracegraph's: the harness's Weighed ran outside the library's pause).
                with collector_paused():
                    answers[engine] = self.ask[engine](given)
                if n >= WARM_UP:
                    self.times[engine].append(time.perf_counter() - began)
                    fetched = getattr(answers[engine], "fetch_seconds", None)
                    if fetched is not None:
                        self.fetch_times[engine].append(fetched)
            reference = answers["in-memory"]
            for engine in ("tracegraph", "postgresql"):
                if _reached(answers[engine]) != reference:
                    raise Mismatch(
                        f"{self.name}: {engine} and the in-memory BFS disagree for {given!r} "
                        f"({_describe(_reached(answers[engine]), reference)})",
                        hint=WRONG_ANSWER,
                    )
            ours, theirs = answers["tracegraph"], answers["postgresql"]
            weighed = isinstance(ours, Weighed) and isinstance(theirs, Weighed)
            if weighed and (differences := ours.differences(theirs)):
                raise Mismatch(
                    f"{self.name}: tracegraph and PostgreSQL weigh {given!r} differently "
                    f"({differences})",
                    hint=WRONG_ANSWER,
                )
            if n >= WARM_UP:
                self.sizes.append(len(reference))

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"runs": len(self.sizes), "median_size": _median(self.sizes)}
        for engine, seconds in self.times.items():
            ms = np.array(seconds) * 1000
            out[engine] = {"p50_ms": round(float(np.percentile(ms, 50)), 2),
                           "p95_ms": round(float(np.percentile(ms, 95)), 2)}  # fmt: skip
        for other in ("postgresql", "in-memory"):
            ratio = out["tracegraph"]["p50_ms"] / max(out[other]["p50_ms"], 1e-6)
            out[f"tracegraph/{other}"] = round(ratio, 3)
        # where a trace's time goes: each database's part, and what is left for the library
        # (the same weighing code for both): no weighing makes one faster than its database part
        parts = {e: self.fetch_times.get(e, []) for e in ("tracegraph", "postgresql")}
        if all(len(parts[e]) == len(self.times[e]) > 0 for e in parts):
            for engine, fetched in parts.items():
                rest = np.array(self.times[engine]) - np.array(fetched)
                out[engine]["database_p50_ms"] = round(float(np.percentile(fetched, 50)) * 1000, 2)
                out[engine]["library_p50_ms"] = round(float(np.percentile(rest, 50)) * 1000, 2)
            ratio = out["tracegraph"]["database_p50_ms"] / max(
                out["postgresql"]["database_p50_ms"], 1e-6)  # fmt: skip
            out["tracegraph/postgresql, database part"] = round(ratio, 3)
        return out


def _describe(got: Any, want: Any) -> str:
    if isinstance(got, set) and isinstance(want, set):
        return f"{len(got - want)} extra, {len(want - got)} missing of {len(want)}"
    return "different factor counts"


def _median(values: list[int]) -> int:
    return int(np.median(values)) if values else 0


# --- the engines' answers ---------------------------------------------------------------------


def _neo4j_forward(graph: TraceGraph) -> Callable[[list[str]], Weighed]:
    def ask(lots: list[str]) -> Weighed:
        return Weighed.of(trace_forward(graph, lots), lots)

    return ask


def _neo4j_backward(graph: TraceGraph) -> Callable[[list[str]], Weighed]:
    def ask(lots: list[str]) -> Weighed:
        return Weighed.of(trace_backward(graph, lots), lots)

    return ask


def _neo4j_window(graph: TraceGraph) -> Callable[[tuple[str, datetime, datetime]], Any]:
    def ask(window: tuple[str, datetime, datetime]) -> Weighed | set[str]:
        device, start, end = window
        found = trace_window(graph, "device", device, start.isoformat(), end.isoformat())
        return _window_answer(found.processed_lots, found.forward)

    return ask


def _window_answer(made: list[str], forward: ForwardTrace | None) -> Weighed | set[str]:
    # not the window's whole answer: its lots and events came from a query before the trace
    return Weighed.of(forward, made, whole=False) if forward else set(made)


def _pg_trace(
    pg: Postgres, trace: Callable[[Any, list[str]], ForwardTrace | BackwardTrace]
) -> Callable[[list[str]], Weighed]:
    """A trace from PostgreSQL, weighed by the library."""
    conn = pg.connect()

    def ask(lots: list[str]) -> Weighed:
        return Weighed.of(trace(conn, lots), lots)

    return ask


def _pg_window(pg: Postgres) -> Callable[[tuple[str, datetime, datetime]], Any]:
    conn = pg.connect()

    def ask(window: tuple[str, datetime, datetime]) -> Weighed | set[str]:
        found = window_trace(conn, *window)
        return _window_answer(found.lots, found.forward)

    return ask


def _counts(ranked: list[dict[str, Any]]) -> set[tuple[str, str, int, int]]:
    """The factors every engine finds, with their counts: alarms during steps, parameters out
    of range and inspections come from tracegraph's reads of device events, step properties
    and inspections, which the other engines' factor rows do not carry."""
    return {(f["kind"], f["value"], f["complaints_with"], f["controls_with"]) for f in ranked
            if f["kind"] not in CONDITION_KINDS | INSPECTION_KINDS}  # fmt: skip


def _pg_factor_rows(
    pg: Postgres, queries: int = FACTOR_QUERIES
) -> Callable[[list[str]], list[dict[str, Any]]]:
    """PostgreSQL's factors rows, shaped like tracegraph's. Like tracegraph (see
    rootcause.read_in_parts), many lots are read by `queries` concurrent queries over shares of
    the lots, each on its own connection, so both servers search on both cores."""
    connections = [pg.connect() for _ in range(queries)]
    text = sql("factors")

    def read(conn: Any, lots: list[str]) -> list[Any]:
        found: list[Any] = conn.execute(text, {"lot_ids": lots}).fetchall()
        return found

    readers = [partial(read, conn) for conn in connections]

    def rows(lots: list[str]) -> list[dict[str, Any]]:
        per_lot: dict[str, dict[str, Any]] = {
            lot: {"lot_id": lot, "raw_lots": set(), "input_lots": set(), "suppliers": set(),
                  "steps": []}
            for lot in lots
        }  # fmt: skip
        found = read_in_parts(readers, lots)
        for root, lot, supplier, operation, started, device, operator in found:
            row = per_lot[root]
            if supplier is not None:
                row["suppliers"].add(supplier)  # a received complaint lot's own supplier too
                if lot != root:
                    row["raw_lots"].add(lot)
            elif lot != root:
                row["input_lots"].add(lot)
            if operation is not None:
                row["steps"].append({
                    "operation": operation, "started_at": started.isoformat(),
                    "device_id": device, "operator_id": operator,
                })  # fmt: skip
        return list(per_lot.values())

    return rows


# --- one scale ----------------------------------------------------------------------------------


def run_scale(
    graph: TraceGraph, lots: int, seed: int, runs: int, log: Callable[[str], None],
    reuse: bool = False,
) -> dict[str, Any]:  # fmt: skip
    rng = random.Random(seed)  # noqa: S311 - sampling, not secrets
    with tempfile.TemporaryDirectory() as work:
        plant = generate_plant(lots, seed, Path(work) / "plant")
        if reuse and graph.status().nodes.get("Lot") == plant.lots:
            log(f"{plant.lots:,} lots generated; Neo4j already holds them (--reuse) …")
            neo4j_load: dict[str, Any] = {"reused": True}
        else:
            log(f"{plant.lots:,} lots generated; importing into Neo4j …")
            graph.reset(keep_schema=True)
            graph.init_schema()
            imported = import_paths(graph, [plant.out])
            if imported.rejected:
                raise TracegraphError(f"the generated plant had {imported.rejected} rejected rows")
            neo4j_load = {"rows": imported.read, "seconds": round(imported.seconds, 2),
                          "rows_per_s": round(imported.read / imported.seconds)}  # fmt: skip
        log("loading PostgreSQL …")
        with running_postgres() as pg:
            loaded = load_plant(pg, plant.out)
            log(f"PostgreSQL: {loaded['rows']:,} rows in {loaded['seconds']:.1f} s; in-memory …")
            began = time.perf_counter()
            memory = InMemoryPlant(plant.out)
            built = time.perf_counter() - began
            log("warming Neo4j's page cache …")
            graph.read("db/warm_up")
            questions = _questions(graph, pg, memory, plant, rng, runs)
            results = {}
            for question in questions:
                log(f"asking: {question.name} ({len(question.inputs)} runs) …")
                question.run()
                results[question.name] = question.summary()
            footprint = {
                "tracegraph": _neo4j_footprint(),
                "postgresql": {"store_bytes": pg.data_bytes(),
                               "peak_memory_bytes": pg.peak_memory_bytes()},
                "in-memory": {"store_bytes": memory.nbytes(),
                              "peak_memory_bytes": memory.nbytes()},
            }  # fmt: skip
            pg_version = pg.version
    status = graph.status()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "lots": plant.lots, "seed": seed, "runs": runs,
        "nodes": status.total_nodes, "relationships": status.total_relationships,
        "servers": {"tracegraph": f"Neo4j {status.version} {status.edition}",
                    "postgresql": pg_version, "in-memory": "numpy/scipy CSR, this process"},
        "load": {
            "tracegraph": neo4j_load,
            "postgresql": {"rows": loaded["rows"], "seconds": round(loaded["seconds"], 2),
                           "rows_per_s": round(loaded["rows"] / loaded["seconds"])},
            "in-memory": {"seconds": round(built, 2)},
        },
        "footprint": footprint,
        "questions": results,
    }  # fmt: skip


def _questions(
    graph: TraceGraph, pg: Postgres, memory: InMemoryPlant, plant: Any, rng: random.Random,
    runs: int,
) -> list[Question]:  # fmt: skip
    lot_rows = plant_rows(plant.out, "lots")
    salt = set(plant.commodity_lots)
    raw = [r["lot_id"] for r in lot_rows if r["supplier_id"] and r["lot_id"] not in salt]
    finished = [r["lot_id"] for r in lot_rows if r["lot_id"].startswith("F")]
    bakes = [s for s in plant_rows(plant.out, "steps") if s["operation"] == "bake"]
    total = runs + WARM_UP

    def sample(pool: Sequence[Any], k: int) -> list[Any]:
        return [pool[rng.randrange(len(pool))] for _ in range(k)]

    windows = []
    for step in sample(bakes, total):
        start = datetime.fromisoformat(step["started_at"])
        windows.append((step["device_id"], start, start + timedelta(hours=3)))
    # complaint sets: 50 lots baked on one oven; the controls tracegraph picks by default
    # (comparable lots) are then given to every engine, so all rank the same lots.
    oven_steps = {s["step_id"] for s in bakes if s["device_id"] == "OVEN-2"}
    oven_lots = sorted({r["lot_id"] for r in plant_rows(plant.out, "step_outputs")
                        if r["step_id"] in oven_steps})  # fmt: skip
    complaint_sets = []
    for _ in range(max(WARM_UP + 2, runs // 25)):
        complaints = rng.sample(oven_lots, min(50, len(oven_lots)))
        controls = rank_common_causes(graph, complaints).controls
        complaint_sets.append((complaints, controls))
    pg_factors = _pg_factor_rows(pg)

    def neo4j_rank(given: tuple[list[str], list[str]]) -> set[tuple[str, str, int, int]]:
        return _counts(rank_common_causes(graph, given[0], given[1]).factors)

    def pg_rank(given: tuple[list[str], list[str]]) -> set[tuple[str, str, int, int]]:
        return _counts(rank_factors(given[0], given[1], pg_factors([*given[0], *given[1]])))

    def memory_rank(given: tuple[list[str], list[str]]) -> set[tuple[str, str, int, int]]:
        rows = memory.factor_rows([*given[0], *given[1]])
        return _counts(rank_factors(given[0], given[1], rows))

    forward = {"tracegraph": _neo4j_forward(graph), "postgresql": _pg_trace(pg, forward_trace),
               "in-memory": memory.forward}  # fmt: skip
    backward = {"tracegraph": _neo4j_backward(graph), "postgresql": _pg_trace(pg, backward_trace),
                "in-memory": memory.backward}  # fmt: skip
    wide = [[lot] for lot in sorted(salt)]
    window = {"tracegraph": _neo4j_window(graph), "postgresql": _pg_window(pg),
              "in-memory": lambda w: memory.device_window(*w)}  # fmt: skip
    ranking = {"tracegraph": neo4j_rank, "postgresql": pg_rank, "in-memory": memory_rank}
    wide_runs = max(WARM_UP + 5, runs // 10)
    salt_in_order = sorted(salt)
    return [
        Question("forward, narrow (raw lot)", [[x] for x in sample(raw, total)], forward),
        Question(
            "backward, narrow (finished lot)", [[x] for x in sample(finished, total)], backward
        ),
        Question("forward, wide (commodity lot)", sample(wide, wide_runs), forward),
        Question(
            "forward, ~3k lots (consecutive commodity lots)",
            sized_sets(salt_in_order, memory.forward, DESIGN_NARROW_LOTS, wide_runs, rng),
            forward,
        ),
        Question(
            "backward, ~3k lots (consecutive finished lots)",
            sized_sets(sorted(finished), memory.backward, DESIGN_NARROW_LOTS, wide_runs, rng),
            backward,
        ),
        Question(
            "forward, ~100k lots (consecutive commodity lots)",
            sized_sets(salt_in_order, memory.forward, DESIGN_WIDE_LOTS, WARM_UP + 5, rng),
            forward,
        ),
        Question("device window (3 h) and downstream", windows, window),
        Question("common cause (50 complaint lots)", complaint_sets, ranking),
    ]


def sized_sets(
    pool: Sequence[str], reach: Callable[[list[str]], set[str]], target: int, count: int,
    rng: random.Random,
) -> list[list[str]]:  # fmt: skip
    """`count` traces' sources sized to reach about `target` lots: from a random start in
    `pool` (lots in id order, so consecutive deliveries or production days), the fewest
    consecutive lots whose trace reaches `target` lots by the in-memory BFS, wrapping round to
    the pool's start — all of the pool when it reaches fewer (a plant too small for the size).
    The pool is never empty: every generated plant has commodity and finished lots."""
    sets = []
    for _ in range(count):
        start = rng.randrange(len(pool))

        def first(k: int, start: int = start) -> list[str]:
            return [pool[(start + i) % len(pool)] for i in range(k)]

        high = 1
        while high < len(pool) and len(reach(first(high))) < target:
            high = min(2 * high, len(pool))
        low = high // 2  # reaches fewer than target (or is 0); high reaches enough or is all
        while high - low > 1:
            middle = (low + high) // 2
            if len(reach(first(middle))) >= target:
                high = middle
            else:
                low = middle
        sets.append(first(high))
    return sets


def _neo4j_footprint() -> dict[str, int | None]:
    """Store size and peak resident memory of the local server (`tracegraph db up`), if local."""
    home = find_home()
    if home is None or not (server.neo4j_home(home) / "data").exists():
        return {"store_bytes": None, "peak_memory_bytes": None}
    data = server.neo4j_home(home) / "data"
    store = folder_bytes(data)
    pid = server.running_pid(home)
    peak = None
    if pid:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    return {"store_bytes": store, "peak_memory_bytes": peak}


# --- results ------------------------------------------------------------------------------------


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, "
            f"Python {platform.python_version()}")  # fmt: skip


def write_results(results: list[dict[str, Any]], out: Path) -> None:
    """Merge this run's scales into OUT/results.json, then redraw results.md and results.png."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    saved = json.loads(path.read_text()) if path.exists() else {"scales": {}}
    saved["machine"] = machine()
    for result in results:
        saved["scales"][str(result["lots"])] = result
    saved["scales"] = dict(sorted(saved["scales"].items(), key=lambda kv: int(kv[0])))
    path.write_text(json.dumps(saved, indent=2) + "\n")
    (out / "results.md").write_text(render_markdown(saved))
    draw_chart(saved, out / "results.png")


def _database_parts(questions: dict[str, Any]) -> list[str]:
    """The table of where the traces' time goes, for the questions whose runs measured it."""
    split = {n: q for n, q in questions.items() if "tracegraph/postgresql, database part" in q}
    if not split:
        return []
    lines = [
        "", "Where a trace's time goes (p50 ms): each database's part — query, decode, the",
        "subgraph shaped for the library — and the library's weighing and answer (the same code",
        "for both databases; its p50 is of each run's rest).", "",
        "| question | tracegraph database / library | PostgreSQL database / library "
        "| tracegraph ÷ PostgreSQL, database part |",
        "|---|---|---|---|",
    ]  # fmt: skip
    for name, q in split.items():
        cells = [f"{q[e]['database_p50_ms']} / {q[e]['library_p50_ms']}"
                 for e in ("tracegraph", "postgresql")]  # fmt: skip
        lines.append(f"| {name} | {' | '.join(cells)} "
                     f"| {q['tracegraph/postgresql, database part']} |")  # fmt: skip
    return lines


def render_markdown(saved: dict[str, Any]) -> str:
    lines = [
        "# tracegraph against PostgreSQL and an in-memory BFS", "",
        "`./scripts/bench --lots N ...` (tracegraph/bench_engines.py): the same generated plant",
        "in Neo4j (through `tracegraph import`), in PostgreSQL (COPY, recursive SQL with",
        "`UNION`) and as in-memory sparse arrays (numpy BFS); the same questions with the same",
        "inputs; every answer's lot set checked equal across the three, and both databases'",
        "traces checked to weigh alike. Times end to end through each Python driver after a",
        "warm-up. Traces are the full answer the CLI prints (how much of the sources reached",
        "each lot, shipment and customer; how much of each lot went into the sources) on both",
        "databases: tracegraph through its library calls, PostgreSQL through SQL returning the",
        "same facts in the same shape, weighed by the same library code (a device window is",
        "its lots, the device's events in it and its last calibration before, and the lots'",
        "forward trace). The in-memory BFS answers with lot sets only (the",
        "physical limit of the traversal, not of the answer). The ~3k and ~100k questions are",
        "sized to the design's speed bars (DESIGN.md §6): their sources are the fewest",
        "consecutive commodity or finished lots whose trace reaches that many lots (a plant",
        "too small for the size uses all of them).", "",
        f"Machine: {saved['machine']}.", "",
        "![p50 per question and engine](results.png)", "",
    ]  # fmt: skip
    for scale, r in saved["scales"].items():
        lines += [
            f"## {int(scale):,} lots ({r['nodes']:,} nodes, {r['relationships']:,} "
            f"relationships; {r['when']})", "",
            "| question | runs | median lots | tracegraph p50 / p95 ms | PostgreSQL p50 / p95 ms "
            "| in-memory p50 / p95 ms | tracegraph ÷ PostgreSQL | tracegraph ÷ in-memory |",
            "|---|---|---|---|---|---|---|---|",
        ]  # fmt: skip
        for name, q in r["questions"].items():
            cells = [f"{q[e]['p50_ms']} / {q[e]['p95_ms']}" for e in ENGINES]
            lines.append(
                f"| {name} | {q['runs']} | {q['median_size']:,} | {' | '.join(cells)} "
                f"| {q['tracegraph/postgresql']} | {q['tracegraph/in-memory']} |"
            )
        lines += _database_parts(r["questions"])
        load, foot = r["load"], r["footprint"]
        lines += [
            "",
            f"Load: {_neo4j_load(load['tracegraph'])}; PostgreSQL COPY + indexes "
            f"{load['postgresql']['rows']:,} rows in "
            f"{load['postgresql']['seconds']} s ({load['postgresql']['rows_per_s']:,} rows/s); "
            f"in-memory arrays built in {load['in-memory']['seconds']} s.",
            "",
            "| engine | store | peak memory |", "|---|---|---|",
            *(f"| {e} | {_size(foot[e]['store_bytes'])} | {_size(foot[e]['peak_memory_bytes'])} |"
              for e in ENGINES),
            "", f"Servers: {'; '.join(f'{e}: {v}' for e, v in r['servers'].items())}.", "",
        ]  # fmt: skip
    return "\n".join(lines)


def _neo4j_load(load: dict[str, Any]) -> str:
    if load.get("reused"):
        return "tracegraph import not repeated (--reuse: the database held this plant)"
    return (f"tracegraph import {load['rows']:,} rows in {load['seconds']} s "
            f"({load['rows_per_s']:,} rows/s)")  # fmt: skip


def _size(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 2**20:,.0f} MiB"


def draw_chart(saved: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scales = list(saved["scales"].items())
    fig, axes = plt.subplots(1, len(scales), figsize=(6 * len(scales), 4.8), squeeze=False)
    for ax, (scale, r) in zip(axes[0], scales, strict=True):
        names = list(r["questions"])
        x = np.arange(len(names))
        for k, engine in enumerate(ENGINES):
            values = [r["questions"][n][engine]["p50_ms"] for n in names]
            ax.bar(x + (k - 1) * 0.27, values, 0.27, label=engine)
        ax.set_yscale("log")
        ax.set_xticks(x, [n.split(" (")[0] for n in names], rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("p50, ms (log scale)")
        ax.set_title(f"{int(scale):,} lots")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lots",
        type=int,
        nargs="+",
        default=list(DEFAULT_SCALES),
        help="plant sizes, one run each (default: 10000 100000 1000000)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--runs",
        type=int,
        default=200,
        help="inputs per narrow question (wide and ranking questions use fewer)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench"))
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="skip the Neo4j import when the database already holds the plant "
        "(its import speed is then not measured; see bench-import)",
    )
    args = parser.parse_args(argv)  # fmt: skip

    def log(text: str) -> None:
        print(f"{datetime.now():%H:%M:%S} {text}", flush=True)

    try:
        settings = load_settings()
        graph = TraceGraph(connect(settings), settings.database, settings.server)
        results = []
        for lots in args.lots:
            results.append(run_scale(graph, lots, args.seed, args.runs, log, args.reuse))
            write_results(results, args.out)
        graph.driver.close()
    except TracegraphError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    log(f"done; this process peaked at {peak:,.0f} MiB; results in {args.out}/results.md")


if __name__ == "__main__":
    main()
