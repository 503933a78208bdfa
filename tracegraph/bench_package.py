"""Recall packages: how long a package takes, and its workbook against openpyxl's.

    ./scripts/bench-package --lots 1000000

For the recalls the design sizes its bars by — the commodity lot alone, and consecutive
commodity lots whose forward trace reaches ~3k and ~100k lots — this times:

1. **the package**: build_package, the library call behind `tracegraph recall package` (the
   trace, the tracking events, six files, the recall recorded in the graph as a drill);
2. **its workbook, two ways** from the same rows, alternating, which goes first rotating:
   tracegraph.xlsx (what the package writes: tracking_events.xlsx's and recall.xlsx's sheets,
   in one workbook here) and openpyxl's write-only mode (what it wrote
   until 2026-12-05, kept here as the baseline); and the package's CSV and EPCIS document
   (tracegraph.epcis: made from the rows and written) of the same events beside them, for
   scale.

Both workbooks are read back by openpyxl — every sheet, every row's values, text escapes read
as Excel reads them — and must hold the same; a difference fails the run (a recall of more
events than a sheet holds would: the baseline does not split its sheet). Results are appended
to OUT/package-results.json and written as OUT/package-results.md. Uses the configured server;
its database is replaced by the plant unless --reuse finds it there. The drills it records stay
in the graph's recall history.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

from tracegraph.bench_engines import DESIGN_NARROW_LOTS, DESIGN_WIDE_LOTS, sized_sets
from tracegraph.bench_results import (
    appended,
    commodity_plant,
    described,
    plant_bench_main,
    summary,
)
from tracegraph.epcis import epcis_document, write_epcis
from tracegraph.errors import TracegraphError
from tracegraph.gcpause import collector_paused
from tracegraph.graph import TraceGraph
from tracegraph.recall import (
    EVENT_COLUMNS,
    SHIPMENT_COLUMNS,
    STOCK_COLUMNS,
    build_package,
    column_widths,
    customer_columns,
    customer_details,
    customer_rows,
    events_sheet,
    recall_sheets,
    shipment_rows,
    stock_rows,
    tracking_events,
    write_csv,
)
from tracegraph.trace import trace_forward
from tracegraph.xlsx import write_workbook

Rows = tuple[
    list[dict[str, Any]],
    tuple[list[dict[str, Any]], tuple[str, ...]],
    list[dict[str, Any]],
    list[dict[str, Any]],
]


def package_rows(graph: TraceGraph, lot_ids: list[str]) -> Rows:
    """What build_package writes into the workbook for `lot_ids`: events, customers, stock,
    shipment lines —
    the events with their `event_id`, which the EPCIS document gives them (made before the
    sheets, as build_package makes it: the CSV writer, timed first, wrote the column blank)."""
    trace = trace_forward(graph, lot_ids)
    details = customer_details(graph, trace)
    customers = customer_rows(trace, details.by_customer)
    events = tracking_events(graph, trace)
    epcis_document(events, datetime.now(UTC))
    customers_listed = (customers, customer_columns(details.by_customer))
    return (events, customers_listed, stock_rows(trace), shipment_rows(trace))


def package_workbook(path: Path, rows: Rows) -> Path:
    """The package's sheets, written as the package writes them (tracking_events.xlsx's and
    recall.xlsx's), in one workbook: openpyxl_workbook's."""
    events, customers, stock, shipments = rows
    sheets = [events_sheet(events), *recall_sheets(customers, stock, shipments)]
    return write_workbook(path, sheets)


def openpyxl_workbook(path: Path, rows: Rows) -> Path:
    """The workbook written with openpyxl's write-only mode, as the package did until
    2026-12-05 (the same sheets, header, frozen pane, autofilter, widths and date cells; since
    2026-12-06 the stock's expiry a date cell and its sheet's widths sized too, as the package
    now writes them). Not quite the old code: its date cells are read by fromisoformat (the old
    code's strptime took 0.8 s of the ~100k-lot recall's 162k events) and it runs with the
    collector paused, as the new writer does: the ratio compares the two ways of writing,
    nothing else."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    events, (customers, columns), stock, shipments = rows
    book = Workbook(write_only=True)
    dates = {"tracking events": [EVENT_COLUMNS.index("event_date_utc")],
             "stock to block": [STOCK_COLUMNS.index("expires_at"),
                                STOCK_COLUMNS.index("expires_at_utc")],
             "shipments": [SHIPMENT_COLUMNS.index("shipped_at"),
                           SHIPMENT_COLUMNS.index("shipped_at_utc")]}  # fmt: skip
    for title, listed, names in (("tracking events", events, EVENT_COLUMNS),
                                 ("customers", customers, columns),
                                 ("stock to block", stock, STOCK_COLUMNS),
                                 ("shipments", shipments, SHIPMENT_COLUMNS)):  # fmt: skip
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        if title != "customers":
            for number, width in enumerate(column_widths(listed, names), start=1):
                sheet.column_dimensions[get_column_letter(number)].width = width
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(listed) + 1}"
        header = [WriteOnlyCell(sheet, value=name) for name in names]
        for cell in header:
            cell.font = Font(bold=True)
        sheet.append(header)
        for entry in listed:
            row: list[Any] = [entry.get(name) for name in names]
            for i, value in enumerate(row):
                if isinstance(value, str) and value.startswith("="):
                    row[i] = WriteOnlyCell(sheet, value=value)
                    row[i].data_type = "s"
            for at in dates.get(title, []):
                if not row[at]:
                    continue
                moment = datetime.fromisoformat(row[at])  # the instant in UTC (no zone kept)
                if moment.tzinfo is not None:
                    moment = moment.astimezone(UTC).replace(tzinfo=None)
                cell = WriteOnlyCell(sheet, value=moment)
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
                row[at] = cell
            sheet.append(row)
    book.save(path)
    return path


def _sheets(path: Path) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    """Each sheet's title and its rows' values as Excel reads them (escapes decoded, a row's
    trailing empty cells dropped however the reader pads them), in the workbook's order."""
    from openpyxl import load_workbook
    from openpyxl.utils.escape import unescape

    book = load_workbook(path, read_only=True)

    def values(sheet: Any) -> Iterator[list[Any]]:
        for row in sheet.iter_rows(values_only=True):
            cells = [unescape(v) if isinstance(v, str) else v for v in row]
            while cells and cells[-1] is None:
                cells.pop()
            yield cells

    try:
        for sheet in book.worksheets:
            yield sheet.title, values(sheet)
    finally:
        book.close()


def check_workbooks_alike(ours: Path, theirs: Path) -> None:
    """Both workbooks hold the same sheets, in the same order, with the same values in every
    row, as openpyxl reads them; else a one-line error naming the first difference."""
    mine, baseline = _sheets(ours), _sheets(theirs)
    for (title, rows), (their_title, their_rows) in zip_longest(
        mine, baseline, fillvalue=("", iter([]))
    ):
        if title != their_title:
            raise TracegraphError(f"sheets differ: tracegraph.xlsx has {title!r} where openpyxl "
                                  f"has {their_title!r}")  # fmt: skip
        for number, (row, their_row) in enumerate(zip_longest(rows, their_rows), start=1):
            if row != their_row:
                raise TracegraphError(f"sheet {title!r}: row {number} differs")


def timed_writers(rows: Rows, folder: Path, runs: int) -> dict[str, Any]:
    """The workbook both ways and the events' CSV, each `runs` times, in rotating order."""
    writers: dict[str, Callable[[Path], Path]] = {
        "tracegraph.xlsx": lambda path: package_workbook(path, rows),
        "openpyxl write-only": lambda path: openpyxl_workbook(path, rows),
        "events CSV": lambda path: write_csv(path, rows[0], EVENT_COLUMNS),
        "EPCIS JSON-LD": lambda path: write_epcis(
            path, epcis_document(rows[0], datetime.now(UTC))[0]
        ),
    }
    order = list(writers.items())
    seconds: dict[str, list[float]] = {name: [] for name in writers}
    sizes: dict[str, int] = {}
    suffix = {"tracegraph.xlsx": ".xlsx", "openpyxl write-only": ".xlsx", "events CSV": ".csv",
              "EPCIS JSON-LD": ".jsonld"}  # fmt: skip
    first: dict[str, Path] = {}  # each writer's first file, compared below
    for i in range(runs):
        for name, write in order[i % len(order) :] + order[: i % len(order)]:
            path = folder / f"{i}-{name}{suffix[name]}"
            first.setdefault(name, path)
            with collector_paused():  # as build_package writes it
                began = time.perf_counter()
                write(path)
                seconds[name].append(time.perf_counter() - began)
            sizes[name] = path.stat().st_size
    check_workbooks_alike(first["tracegraph.xlsx"], first["openpyxl write-only"])
    events = len(rows[0])
    timings = {name: summary(times, [events] * len(times)) for name, times in seconds.items()}
    base = timings["openpyxl write-only"]["p50_ms"]
    return {
        "events": events,
        "writers": timings,
        "bytes": sizes,
        "p50_ratio_to_openpyxl": {n: round(t["p50_ms"] / base, 3) for n, t in timings.items()},
    }


def run(lots: int, seed: int, runs: int, reuse: bool, log: Callable[[str], None]) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - sampling, not secrets
    with commodity_plant(lots, seed, reuse, log) as bench:
        graph, salt, forward = bench.graph, bench.salt, bench.memory.forward
        recalls = {
            "commodity lot": [rng.choice(salt)],
            "~3k lots (consecutive commodity lots)": sized_sets(
                salt, forward, DESIGN_NARROW_LOTS, 1, rng)[0],
            "~100k lots (consecutive commodity lots)": sized_sets(
                salt, forward, DESIGN_WIDE_LOTS, 1, rng)[0],
        }  # fmt: skip
        graph.read("db/warm_up")
        results = {}
        for name, lot_ids in recalls.items():
            log(f"recall of {name} ({len(lot_ids)} sources): the package {runs} times …")
            packages, sizes = [], []
            for n in range(runs):  # the collector as the library leaves it (it pauses it)
                began = time.perf_counter()
                made = build_package(graph, lot_ids, bench.work / f"{name}-{n}", drill=True)
                packages.append(time.perf_counter() - began)
                sizes.append(len(made.trace.lots))
            log(f"recall of {name}: its workbook both ways …")
            folder = bench.work / f"{name}-writers"
            folder.mkdir()
            results[name] = {
                "sources": len(lot_ids),
                "lots": sizes[0],
                "package": summary(packages, sizes),
                **timed_writers(package_rows(graph, lot_ids), folder, runs),
            }
        status = graph.status()
    return {**described(status, bench.local), "lots": bench.plant.lots, "seed": seed,
            "recalls": results}  # fmt: skip


def write_results(result: dict[str, Any], out: Path) -> None:
    history = appended(out, "package-results", result)
    lines = [
        "# Recall packages", "",
        "`./scripts/bench-package --lots N` (see tracegraph/bench_package.py): the whole recall",
        "package (build_package: trace, events, five files — six from 2026-12-06, with",
        "epcis.jsonld —, the drill recorded), and its workbook from the same rows two ways,",
        "alternating — tracegraph.xlsx, which the package writes, and openpyxl's write-only",
        "mode, which it wrote until 2026-12-05 — with the events' CSV and (from 2026-12-06)",
        "their EPCIS document for scale. Both workbooks read back alike by openpyxl, every row",
        "of every sheet (the first run, 2026-12-05 21:33, compared the row counts and the",
        "first 2,000 rows of each sheet).", "",
    ]  # fmt: skip
    for r in history:
        lines += [
            f"## {r['when']}: {r['lots']:,} lots ({r['server']}"
            + (f", {r['server_memory']}" if r.get("server_memory") else "")
            + f"; {r['machine']})", "",
            "| recall | sources | lots | events | package p50 / max ms | tracegraph.xlsx p50 ms "
            "| openpyxl write-only p50 ms | events CSV p50 ms | EPCIS JSON-LD p50 ms "
            "| xlsx ÷ openpyxl |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]  # fmt: skip
        for name, q in r["recalls"].items():
            w = q["writers"]
            lines.append(
                f"| {name} | {q['sources']} | {q['lots']:,} | {q['events']:,} "
                f"| {q['package']['p50_ms']} / {q['package']['max_ms']} "
                f"| {w['tracegraph.xlsx']['p50_ms']} | {w['openpyxl write-only']['p50_ms']} "
                f"| {w['events CSV']['p50_ms']} "
                # runs before 2026-12-06 did not write the EPCIS document
                f"| {w.get('EPCIS JSON-LD', {}).get('p50_ms', '–')} "
                f"| {q['p50_ratio_to_openpyxl']['tracegraph.xlsx']} |"
            )
        lines.append("")
    (out / "package-results.md").write_text("\n".join(lines))


def main(argv: Sequence[str] | None = None) -> None:
    plant_bench_main(__doc__, run, write_results, 3, "packages and workbooks per recall", argv)


if __name__ == "__main__":
    main()
