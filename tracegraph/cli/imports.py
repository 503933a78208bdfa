"""`tracegraph import PATH...`: load ERP/MES exports (canonical tables) into the graph."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from tracegraph.cli.context import open_graph
from tracegraph.cli.render import OutputFormat, note, print_json, stderr, stdout
from tracegraph.importing.mappings import load_mapping
from tracegraph.importing.run import Progress as RowProgress
from tracegraph.importing.run import check_paths, import_paths
from tracegraph.values import counted


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:>9,.0f} rows/s" if task.speed else "")


@contextlib.contextmanager
def import_progress() -> Iterator[tuple[RowProgress, Callable[[str], None]]]:
    """A rich progress bar with rows/s on an interactive terminal, with the per-file log lines
    printed above it; without a terminal (nightly jobs) just the plain log lines."""
    if not sys.stderr.isatty():
        # each line with its local time and offset: a nightly log shows when each file was
        # read and how long the job took, next to the cron's own lines
        yield (lambda *_: None), lambda line: note(f"{_local_time()} {line}")
        return
    bars: dict[str, TaskID] = {}
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        RowsPerSecond(), TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=stderr(), transient=False) as bar:

        def advance(label: str, done: int, total: int) -> None:
            if label not in bars:
                bars[label] = bar.add_task(label, total=total)
            bar.update(bars[label], completed=done)

        yield advance, lambda message: bar.console.print(escape(message))


def _local_time() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S%z")


# The table's columns: `new` and `changed` split the summary's `changed` (new rows and rows
# that changed what the graph held, as the JSON has it) the way each file's log line does.
COUNTS = {"read": "read", "written": "written", "rejected": "rejected",
          "duplicates": "duplicates", "new": "new", "changed": "changed"}  # fmt: skip


# A dry run knows what would be written, not what the graph holds (changed, updated).
DRY_RUN_COUNTS = {"read": "read", "written": "would write", "rejected": "rejected",
                  "duplicates": "duplicates"}  # fmt: skip


def counts_table(tables: dict[str, dict[str, Any]], dry_run: bool = False) -> Table:
    """Per table of an import (as in its JSON summary): rows read, written, rejected, …"""
    columns = DRY_RUN_COUNTS if dry_run else COUNTS
    table = Table(box=None, show_edge=False, pad_edge=False)
    for column in ("table", *columns.values()):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, counts in tables.items():
        shown = {**counts, "new": (counts.get("changed") or 0) - (counts.get("updated") or 0),
                 "changed": counts.get("updated")}  # fmt: skip
        table.add_row(name, *(f"{shown.get(n) or 0:,}" for n in columns))
    return table


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (what `timeout` and service managers send a nightly job) ends an import as
    Ctrl-C does: its run is marked interrupted and one line says so (it ended silently, exit
    143, the ledger saying "running")."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def import_command(
    paths: list[Path] = typer.Argument(
        ..., help="Folders of table files (lots.csv, steps.xlsx, …) or single table files."
    ),
    timezone: str = typer.Option(
        None,
        "--timezone",
        envvar="TRACEGRAPH_TIMEZONE",
        help="IANA timezone for times written without an offset (e.g. Europe/Berlin); "
        "default: the mapping's, else UTC — and then a note says how many cells of which "
        "column were read as UTC.",
    ),
    mapping_file: Path = typer.Option(
        None,
        "--mapping",
        help="TOML mapping of a source system's export (see importers/), or the name of a "
        "bundled one: sap, mes_gbk.",
    ),
    encoding: str = typer.Option(
        None, "--encoding", help="Text encoding of CSV files (default: UTF-8, else GB18030/GBK)."
    ),
    max_rejects: int = typer.Option(
        0, "--max-rejects", help="Exit 0 when at most this many rows were rejected."
    ),
    rejects: Path = typer.Option(
        None,
        "--rejects",
        help="Where to write rejected rows (default: ./rejects-RUN.csv; readable by you only).",
    ),
    force: bool = typer.Option(
        False, "--force", help="Re-import files even if the same content was imported before."
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Check the files without Neo4j and write nothing to the graph: every cell and "
        "mapping, with counts and a reject file. Whether the graph holds the steps and "
        "shipments the rows name is left to the import.",
    ),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
) -> None:
    """Import canonical tables; every row is written or rejected, and the counts reconcile.

    Exit code 0 when clean, 1 when more than --max-rejects rows were rejected (they are in the
    reject file with file, line, column, value and reason), 2 when the import could not run.
    Re-running is safe: unchanged files are skipped, unchanged rows write nothing. One import
    runs at a time: a second one exits 2 and names the running import.

    `--dry-run` tries tonight's export or a new mapping first, without a server and writing
    nothing to the graph: the same checks of each file's content, with counts, exit code and a
    reject file. Rows naming a step or shipment that no valid row of the files is are counted
    in a note, not rejected: only the graph knows whether it holds them.

    Extra columns are kept as properties; in a ';'-separated file (Excel in a German or French
    locale), one whose every value is a number with a decimal comma (252,5) is read as numbers.
    """
    mapping = load_mapping(mapping_file) if mapping_file else None
    if dry_run:
        with import_progress() as (progress, log):
            summary = check_paths(paths, timezone=timezone, encoding=encoding, reject_file=rejects,
                                  mapping=mapping, log=log, progress=progress)  # fmt: skip
    else:
        graph = open_graph()
        try:
            with import_progress() as (progress, log), _sigterm_interrupts():
                summary = import_paths(
                    graph, paths, timezone=timezone, encoding=encoding, force=force,
                    reject_file=rejects, mapping=mapping, log=log, progress=progress,
                )  # fmt: skip
        finally:
            graph.driver.close()
    if output is OutputFormat.json:
        print_json(summary.as_dict())
    else:
        out = stdout()
        out.print(
            (
                f"Dry run, nothing written to the graph: {summary.read:,} rows read = "
                f"{summary.written:,} would be written"
                if dry_run
                else f"Import {summary.run_id}: {summary.read:,} rows read = "
                f"{summary.written:,} written"
            )
            + f" + {summary.rejected:,} rejected, in {summary.seconds:.1f} s"
            + (
                f"; {len(summary.unchanged_files)} unchanged file(s) skipped"
                if summary.unchanged_files
                else ""
            )
        )
        if summary.tables:
            out.print(counts_table(summary.table_counts(), dry_run))
        # Stubs the run leaves are named in a note (run._new_stubs). A count here was printed
        # only when none was left — a stub the run made and deleted itself (a later file of the
        # run corrected the lot id) — "1 lot(s) … created as stubs" with no lot to look at.
        for line in summary.notes:  # text of files and mappings: `[[file]]` is not markup
            out.print(f"note: {escape(line)}")
        if summary.updated:
            out.print(
                f"{counted(summary.updated, 'row')} changed what the graph held: "
                f"`tracegraph imports {summary.run_id}` shows each change."
            )
        if summary.reject_file:
            out.print(f"Rejected rows: {escape(str(summary.reject_file))}")
    if summary.rejected > max_rejects:
        raise typer.Exit(1)
