"""Lot records: what a prepared record per lot would save a forward trace's fetch.

    ./scripts/bench-lot-records --lots 1000000

A forward trace's fetch (trace/forward.cypher, the query and the driver's decoding of its
answer) reads, for every lot it reaches, the lot's properties, its edges and the step, shipment
or location at each edge's other end. An import could instead keep on each lot a record holding
that row (denormalised, one text property). Before the team decides on that architecture, this
measures what it would buy: the same traces three ways, alternating per input after a warm-up,
which way goes first rotating:

1. **now**: trace/forward.cypher, as trace_forward fetches it;
2. **records**: the same traversal and shipments, each lot's row read from its record and
   decoded from JSON by orjson (bench/forward_records.cypher): the Python lists the library
   weighs;
3. **traversal alone**: the lots reached counted, nothing read from them and no shipments
   (bench/forward_lot_count.cypher) — the floor under any way of answering with this traversal.

"now" is also timed before any record is written (the records take page cache the other ways
then share). The records are written for every lot into a scratch property (`_bench_record`)
and removed at the end, and any a killed run left are removed first; how long writing them took
is reported (an indication of what keeping them would add to an import, not a measure of it: an
import would write only the lots a run touches). Every input's records are checked to decode to
exactly the rows the current query returns, and the traversal to count the lots the in-memory
BFS reaches; a difference fails the run. The library's part (shaping, weighing) is in none of
these times. Forward only: a backward trace reads steps, devices and inspections too. Results
are appended to OUT/lot-records-results.json and written as OUT/lot-records-results.md. Uses
the configured server; its database is replaced by the plant unless --reuse finds it there.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from tracegraph.bench_engines import DESIGN_NARROW_LOTS, DESIGN_WIDE_LOTS, sized_sets
from tracegraph.bench_results import (
    appended,
    commodity_plant,
    described,
    plant_bench_main,
    summary,
)
from tracegraph.errors import TracegraphError
from tracegraph.gcpause import collector_paused
from tracegraph.graph import TraceGraph
from tracegraph.importing.writer import BATCH_SIZE

WARM_UP = 2


def ways(graph: TraceGraph) -> dict[str, Callable[[list[str]], Any]]:
    """The three ways of fetching a forward trace's reached lots, by name."""

    def now(lot_ids: list[str]) -> Any:
        record = graph.read("trace/forward", asked=[], lot_ids=lot_ids)[0]
        return record["lots"], record["shipments"]

    def records(lot_ids: list[str]) -> Any:
        record = graph.read("bench/forward_records", lot_ids=lot_ids)[0]
        return [orjson.loads(text) for text in record["lots"]], record["shipments"]

    def traversal(lot_ids: list[str]) -> Any:
        return graph.read("bench/forward_lot_count", lot_ids=lot_ids)[0]["lots"]

    return {"now": now, "records": records, "traversal alone": traversal}


def write_records(graph: TraceGraph, lot_ids: list[str]) -> float:
    """Every lot's record written (JSON text of its trace row); the seconds it took."""
    began = time.perf_counter()
    for start in range(0, len(lot_ids), BATCH_SIZE):
        rows = graph.read("bench/lot_record_rows", lot_ids=lot_ids[start : start + BATCH_SIZE])
        records = [{"lot_id": r["lot_id"], "text": orjson.dumps(r["row"]).decode()} for r in rows]
        graph.write("bench/lot_record_write", records=records)
    return time.perf_counter() - began


def remove_records(graph: TraceGraph, lot_ids: list[str]) -> None:
    for start in range(0, len(lot_ids), BATCH_SIZE):
        graph.write("bench/lot_record_remove", lot_ids=lot_ids[start : start + BATCH_SIZE])


def _canonical(answer: Any) -> tuple[list[str], list[str]]:
    """A fetched answer with its lots, their edges and the shipments in a fixed order."""
    lots, shipments = answer
    rows = [json.dumps([*lot[:8], sorted(lot[8], key=json.dumps)]) for lot in lots]
    return sorted(rows), sorted(json.dumps(s) for s in shipments)


def check_alike(
    inputs: list[list[str]], fetch: dict[str, Callable[[list[str]], Any]],
    reach: Callable[[list[str]], set[str]],
) -> None:  # fmt: skip
    """Every input's records decode to the rows the current query returns, and the traversal
    counts the lots the in-memory BFS reaches; else the run fails."""
    for lot_ids in inputs:
        current = fetch["now"](lot_ids)
        if _canonical(fetch["records"](lot_ids)) != _canonical(current):
            raise TracegraphError(f"records differ from trace/forward for {lot_ids[:3]} …")
        counted, reached = fetch["traversal alone"](lot_ids), len(reach(lot_ids))
        if not counted == len(current[0]) == reached:
            raise TracegraphError(
                f"{lot_ids[:3]} …: the traversal counts {counted:,} lots, trace/forward returns "
                f"{len(current[0]):,}, the in-memory BFS reaches {reached:,}"
            )


def timed(
    inputs: list[list[str]], fetch: dict[str, Callable[[list[str]], Any]],
    size: Callable[[Any], int],
) -> dict[str, Any]:  # fmt: skip
    """Each way on each input in turn, the first in turn rotating (so drift in the server's speed
    and what the way before left in its caches fall on all alike), the first WARM_UP inputs not
    counted; p50/p95 per way and the ratios to the current query."""
    seconds: dict[str, list[float]] = {name: [] for name in fetch}
    sizes: list[int] = []
    order = list(fetch.items())
    for i, lot_ids in enumerate(inputs):
        for name, way in order[i % len(order) :] + order[: i % len(order)]:
            with collector_paused():
                began = time.perf_counter()
                answer = way(lot_ids)
                took = time.perf_counter() - began
            if i >= WARM_UP:
                seconds[name].append(took)
                if name == "now":
                    sizes.append(size(answer))
    timings = {name: summary(times, sizes) for name, times in seconds.items()}
    base = timings["now"]["p50_ms"]
    return {
        "runs": len(sizes),
        "median_lots": sorted(sizes)[len(sizes) // 2],
        "ways": timings,
        "p50_ratio_to_now": {name: round(t["p50_ms"] / base, 3) for name, t in timings.items()},
    }


def _size(answer: Any) -> int:
    return len(answer[0])


def run(lots: int, seed: int, runs: int, reuse: bool, log: Callable[[str], None]) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - sampling, not secrets
    with commodity_plant(lots, seed, reuse, log) as bench:
        graph, memory, salt = bench.graph, bench.memory, bench.salt
        questions = {
            "forward, wide (commodity lot)": [[rng.choice(salt)] for _ in range(runs + WARM_UP)],
            "forward, ~3k lots (consecutive commodity lots)": sized_sets(
                salt, memory.forward, DESIGN_NARROW_LOTS, runs + WARM_UP, rng
            ),
            "forward, ~100k lots (consecutive commodity lots)": sized_sets(
                salt, memory.forward, DESIGN_WIDE_LOTS, max(3, runs // 3) + WARM_UP, rng
            ),
        }
        lot_ids = graph.read("bench/lot_record_ids")[0]["lot_ids"]
        remove_records(graph, graph.read("bench/lot_record_leftovers")[0]["lot_ids"])
        fetch = ways(graph)
        graph.read("db/warm_up")
        log("timing the current query before any record is written …")
        before = {name: timed(inputs, {"now": fetch["now"]}, _size)["ways"]["now"]
                  for name, inputs in questions.items()}  # fmt: skip
        try:  # the records are removed however the run ends (a half-written set too)
            log(f"writing {len(lot_ids):,} lot records …")
            written = write_records(graph, lot_ids)
            results = {}
            for name, inputs in questions.items():
                log(f"checking and timing: {name} ({len(inputs)} inputs) …")
                check_alike(inputs, fetch, memory.forward)
                results[name] = {**timed(inputs, fetch, _size), "now_before_records": before[name]}
        finally:
            log("removing the records …")
            remove_records(graph, lot_ids)
        status = graph.status()
    return {
        **described(status, bench.local),
        "lots": len(lot_ids), "seed": seed,
        "records_written": {"lots": len(lot_ids), "seconds": round(written, 1),
                            "us_per_lot": round(1e6 * written / len(lot_ids), 1)},
        "questions": results,
    }  # fmt: skip


def write_results(result: dict[str, Any], out: Path) -> None:
    history = appended(out, "lot-records-results", result)
    lines = [
        "# Lot records", "",
        "`./scripts/bench-lot-records --lots N` (see tracegraph/bench_lot_records.py): a forward",
        "trace's fetch (the query and the driver's decoding) three ways, alternating per input:",
        "**now** (trace/forward.cypher, each lot's properties, edges and their other ends);",
        "**records** (the same traversal and shipments, each lot's row from one prepared text",
        "property, decoded from JSON by orjson); **traversal alone** (the lots counted, nothing",
        "read, no shipments). **now, no records** is the current query timed before the records",
        "were written. Records checked to decode to the current rows; the traversal to count the",
        "in-memory BFS's lots. The library's part (shaping, weighing) is in none of these times.",
        "With 5 runs, p95 is the slowest.", "",
    ]  # fmt: skip
    for r in history:
        written = r["records_written"]
        lines += [
            f"## {r['when']}: {r['lots']:,} lots ({r['server']}"
            + (f", {r['server_memory']}" if r.get("server_memory") else "")
            + f"; {r['machine']})", "",
            f"Records written for every lot in {written['seconds']} s "
            f"({written['us_per_lot']} µs a lot).", "",
            "| question | runs | median lots | now, no records p50 / p95 ms | now p50 / p95 ms "
            "| records p50 / p95 ms | traversal alone p50 / p95 ms | records ÷ now "
            "| traversal ÷ now |",
            "|---|---|---|---|---|---|---|---|---|",
        ]  # fmt: skip
        for name, q in r["questions"].items():
            timing, ratio = q["ways"], q["p50_ratio_to_now"]
            alone = q.get("now_before_records")
            cells = " | ".join(f"{timing[w]['p50_ms']} / {timing[w]['p95_ms']}"
                               for w in ("now", "records", "traversal alone"))  # fmt: skip
            first = f"{alone['p50_ms']} / {alone['p95_ms']}" if alone else "—"
            lines.append(f"| {name} | {q['runs']} | {q['median_lots']:,} | {first} | {cells} "
                         f"| {ratio['records']} | {ratio['traversal alone']} |")  # fmt: skip
        lines.append("")
    (out / "lot-records-results.md").write_text("\n".join(lines))


def main(argv: Sequence[str] | None = None) -> None:
    plant_bench_main(__doc__, run, write_results, 15, "timed inputs per question", argv)


if __name__ == "__main__":
    main()
