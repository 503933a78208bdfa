"""`tracegraph check`: gaps and contradictions in the chain. Exit code 1 when it finds any."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tracegraph.check import CHECKS, DEFAULT_TOLERANCE, CheckResult, run_checks
from tracegraph.cli.context import open_graph
from tracegraph.cli.render import (
    FORMAT_HELP,
    ReportFormat,
    literal,
    note,
    plant_time,
    print_csv,
    print_json,
    stderr,
    stdout,
    warn,
)

SHOWN_PER_CHECK = 15  # findings listed per check on a terminal; json and csv list them all


def check_command(
    tolerance: float = typer.Option(
        DEFAULT_TOLERANCE,
        "--tolerance",
        min=0.0,
        help="Mass balance slack: a step's output may differ from its input by this fraction "
        "(0.15 = 15 %, normal yield loss); a lot may be used this much beyond its quantity. "
        "Not for pieces (pcs): a lot of them is found used beyond its quantity by any amount, "
        "and a step in pieces is not balanced (1 panel makes 4 boards).",
    ),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """Find gaps and contradictions in the chain. Exit code 1 when anything is found, 0 when
    the chain is clean.

    Lots of unknown origin (never received nor produced, or made only in a loop of lots with
    nothing coming in), shipped or consumed before they existed, steps and lots that do not
    balance (a lot counted as `lot show` counts it), lots shipped or used while on hold or
    after a failed inspection, steps that end before they start, returns from customers never
    shipped the lot, lots shipped or used in a unit they are not counted in, lots shipped or
    used after a recall that covers them, shipments with no lot on them, shipments that name
    no ship-from (or return) location where others do, device events a trace would miss or
    misplace (hand edits)."""
    graph = open_graph()
    with check_progress() as done:
        report = run_checks(graph, tolerance, done)
    running = graph.import_warnings()  # an import writing the graph meanwhile: findings may be its
    for text in running:
        warn(text)
    if output is ReportFormat.json:
        print_json({**report.as_dict(), "warnings": running})
    elif output is ReportFormat.csv:
        rows = [{"check": r.name,
                 "subject": f.get("lot_id") or f.get("step_id") or f.get("shipment_id")
                 or f.get("event_id"),
                 "detail": "; ".join(f"{k}={_cell(v)}" for k, v in f.items()
                                     if k not in ("lot_id",) and v is not None)}
                for r in report.results for f in r.findings]  # fmt: skip
        print_csv(rows, ("check", "subject", "detail"))
    else:
        out = stdout()
        style = "bold red" if report.total else "bold green"
        out.print(f"[{style}]{literal(report.summary())}[/]")
        for result in report.results:
            if not result.findings:
                continue
            counted = (f"{result.subjects:,}" if result.subjects == len(result.findings)
                       else f"{result.subjects:,}; {len(result.findings):,} findings")  # fmt: skip
            table = Table(title=literal(f"{result.title} ({counted})"), title_justify="left")
            columns = list(result.findings[0])
            for column in columns:
                table.add_column(literal(column))
            for finding in result.findings[:SHOWN_PER_CHECK]:
                # times in the plant's zone (TRACEGRAPH_TIMEZONE) when set, as trace tables
                table.add_row(*(literal(_cell(plant_time(finding[c]))) for c in columns))
            out.print(table)
            if len(result.findings) > SHOWN_PER_CHECK:
                out.print(f"[dim]… {len(result.findings) - SHOWN_PER_CHECK:,} more "
                          "(--format json or csv lists them all)[/]")  # fmt: skip
        note(f"checked in {report.seconds:.2f} s")
    if report.total:
        raise typer.Exit(1)


@contextlib.contextmanager
def check_progress() -> Iterator[Callable[[CheckResult], None] | None]:
    """On an interactive terminal, a bar of the checks done (a large plant's check takes
    tens of seconds: the 1M-lot plant's ~25 s sat on a silent terminal), gone when they are;
    without one (a nightly job, a pipe) nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.description}"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=stderr(), transient=True) as bar:
        task = bar.add_task("", total=len(CHECKS))

        def done(result: CheckResult) -> None:
            bar.update(task, advance=1, description=result.name)

        yield done


def _cell(value: object) -> str:
    """A finding's value as text: a list (an event's devices) as its items, not a repr."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join("" if v is None else str(v) for v in value)
    return str(value)
