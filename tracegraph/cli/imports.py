"""`tracegraph import PATH...`: load ERP/MES exports (canonical tables) into the graph."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
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

from tracegraph.cli.context import open_graph, sigterm_interrupts
from tracegraph.cli.render import (
    OutputFormat,
    literal,
    note,
    print_error,
    print_json,
    stderr,
    stdout,
    warn,
)
from tracegraph.errors import (
    ConfigurationError,
    DatabaseError,
    ImportBusy,
    RequestRefused,
    ServerUnavailable,
    TracegraphError,
)
from tracegraph.graph import TraceGraph
from tracegraph.importing.full import DEFAULT_MAX_REMOVALS
from tracegraph.importing.mappings import load_mapping
from tracegraph.importing.outcome import (
    INTERRUPTED,
    RUNNING,
    crash_code,
    ended_record,
    exit_code,
    started_record,
    summary_file_problem,
    unread_files,
    write_summary_file,
)
from tracegraph.importing.run import (
    RUN_NOTES,
    ImportSummary,
    OlderExportRefused,
    check_paths,
    import_paths,
    stopped_part_way,
)
from tracegraph.importing.run import Progress as RowProgress
from tracegraph.importing.sources import OVER_SOURCES_FLAG, SOURCE_LENGTH, SourcesRefused
from tracegraph.values import counted


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:>9,.0f} rows/s" if task.speed else "")


@contextlib.contextmanager
def import_progress() -> Iterator[tuple[RowProgress, Callable[[str], None]]]:
    """A rich progress bar with rows/s on an interactive terminal, with the per-file log lines
    printed above it; without a terminal (nightly jobs) just the plain log lines."""
    if not sys.stderr.isatty():
        yield (lambda *_: None), plain_line
        return
    bars: dict[str, TaskID] = {}
    columns = (
        # the description is a file's name, `lots[1].csv → lots`: not markup
        TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
        RowsPerSecond(), TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=stderr(), transient=False) as bar:

        def advance(label: str, done: int, total: int) -> None:
            if label not in bars:
                bars[label] = bar.add_task(label, total=total)
            bar.update(bars[label], completed=done)

        yield advance, lambda message: bar.console.print(literal(message))


def plain_line(line: str) -> None:
    """A line of a nightly job's log (stderr not a terminal), with its local time and offset:
    the log shows when each file was read and how long the job took, next to cron's lines."""
    note(f"{datetime.now().astimezone().strftime('%Y-%m-%d %H:%M:%S%z')} {line}")


class NightlyReport:
    """What an import tells whoever was not watching: without a terminal, a line when the run
    starts (its run id and files) and one when it ends (exit code and its meaning, counts,
    time, reject file) — a cron job keeping stderr only lost both; and with --summary-file the
    JSON summary with the outcome, for a monitoring job. The error of a run that did not
    complete is printed here, before the last line, which stays the outcome; an import that
    fails before its run has an id (bad input) prints its one error line."""

    def __init__(self, paths: list[Path], summary_file: Path | None, dry_run: bool) -> None:
        self.paths = paths
        self.summary_file = summary_file
        self.what = "dry run" if dry_run else "import"
        self.plain = not sys.stderr.isatty()
        self.run_id: str | None = None
        self.began = time.monotonic()
        # Which run the summary file belongs to. A dry run takes no import lock (it needs no
        # server): what the file says is all it knows of another run. `owned`: this run wrote
        # its record there. `yielded`: another run's record said running when this one started,
        # so the file is that run's (the one a monitoring job waits on) unless this run takes
        # the import lock.
        self.owned = False
        self.yielded = False

    def started(self, run_id: str, files: Sequence[Path]) -> None:
        # One that cannot be written stops it here: bad input. A file another import is
        # writing is left to it until this run holds the import lock (`locked`): a second cron
        # run refused as busy wrote its refusal over the running night's file.
        if self.summary_file is not None:
            refused = summary_file_problem(self.summary_file, files)
            if refused is not None:
                self.summary_file = None  # nor is the error written over the export
                raise refused
            if self._another_runs():
                self.yielded = True
            else:
                self.locked(run_id, files)
        self.run_id = run_id
        if self.plain:
            given = ", ".join(str(p.absolute()) for p in self.paths)
            plain_line(f"{self.what} {run_id} started: {counted(len(files), 'table file')} from "
                       f"{given}")  # fmt: skip

    def locked(self, run_id: str, files: Sequence[Path]) -> None:
        """The run holds the import lock (or is a dry run): the summary file is its own."""
        if self.summary_file is not None:
            files_read = [str(f.absolute()) for f in files]
            write_summary_file(self.summary_file, started_record(run_id, files_read))
            self.owned = True

    def _record(self) -> dict[str, Any] | None:
        assert self.summary_file is not None
        try:
            record = json.loads(self.summary_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, unreadable, half-written by hand: not a run's
            return None
        return record if isinstance(record, dict) else None

    def _another_runs(self) -> bool:
        """Whether the summary file says another run is running (its importer holds the lock,
        or was killed and the next run to hold the lock takes the file over)."""
        record = self._record()
        return (
            record is not None
            and record.get("outcome") == RUNNING
            and record.get("run_id") != self.run_id
        )

    def _taken_by(self) -> str | None:
        """The run the summary file belongs to when this run must not write its outcome over
        it: a run that was running when this one started, one that took the file over since
        (an import holding the lock, during a dry run: the dry run ending after it wrote its
        outcome over the night's import's), or one running now. None: the file is this run's."""
        record = self._record()
        if record is None or (self.run_id is not None and record.get("run_id") == self.run_id):
            return None
        if self.owned or self.yielded or record.get("outcome") == RUNNING:
            return str(record.get("run_id"))
        return None

    def ended(self, summary: ImportSummary, code: int, max_rejects: int) -> None:
        """The outcome line first, then the summary file: an import that completed keeps its
        exit code and its line when the file cannot be written (a full disk) — a warning says so."""
        self._outcome_line(summary, code, max_rejects)
        if self.summary_file is not None:
            other = self._taken_by()
            if other is not None:
                warn(
                    f"the summary file was not written: {self.summary_file} holds run {other}'s",
                    hint="another run was writing it; give this run a --summary-file of its own",
                )
                return
            try:
                write_summary_file(self.summary_file,
                                   ended_record(summary, code, error=summary.refused))  # fmt: skip
            except TracegraphError as error:
                warn(f"the summary file was not written: {error.message}")

    def _outcome_line(self, summary: ImportSummary, code: int, max_rejects: int) -> None:
        if not self.plain:
            return
        limit = f"--max-rejects {counted(max_rejects, 'row')} rejected"
        unread = unread_files(summary)
        meaning = ("the import would refuse an older export"
                   if isinstance(summary.refused, OlderExportRefused)
                   else "the import would refuse another source's tables"
                   if isinstance(summary.refused, SourcesRefused)
                   else "the import would refuse the removals"
                   if summary.refused is not None and summary.dry_run
                   else "removals refused: rows written, nothing removed"
                   if summary.refused is not None
                   else f"{counted(unread, 'file')} could not be read" if unread
                   else f"more than {limit}" if code
                   # a --full run reads unchanged files when an import ran since
                   else "clean, every file unchanged: read and compared, nothing to remove"
                   if summary.all_unchanged and summary.full and summary.read
                   else "clean, nothing imported: every file unchanged" if summary.all_unchanged
                   else "clean" if not summary.rejected
                   else f"at most {limit}")  # fmt: skip
        written = "would be written" if summary.dry_run else "written"
        plain_line(
            f"{self.what} {summary.run_id} ended, exit {code} ({meaning}): "
            f"{counted(summary.read, 'row')} read = {summary.written:,} {written} + "
            f"{summary.rejected:,} rejected"
            + (
                f"; {summary.removed_rows:,} removed"
                if summary.full and not summary.dry_run
                else f"; {summary.removed_rows:,} would be removed"
                if summary.full
                else ""
            )
            + f", in {summary.seconds:.1f} s"
            + (f"; rejected rows: {summary.reject_file}" if summary.reject_file else "")
        )

    @contextlib.contextmanager
    def failures(self) -> Iterator[None]:
        """A run that did not complete: its error, the summary file, and the last line."""
        try:
            yield
        except TracegraphError as raised:
            error = raised
            if self.run_id is not None and isinstance(error, ServerUnavailable | DatabaseError):
                # the server went away before the run took the import lock (or wrote its
                # ledger entry), where the importer does not name the run itself
                error = _with_notes(stopped_part_way(self.run_id, error), run_notes(raised))
            meaning = ("did not start" if isinstance(error, ImportBusy)
                       else "an older export, nothing written"
                       if isinstance(error, OlderExportRefused)
                       else "another source's tables, nothing written"
                       if isinstance(error, SourcesRefused)
                       else "did not complete; Neo4j refused a request, which it refuses again"
                       if isinstance(error, RequestRefused)
                       else "did not complete; running it again completes it")  # fmt: skip
            self._failed(error, error.exit_code, meaning)
        except KeyboardInterrupt as stop:
            interrupted = _with_notes(TracegraphError("interrupted", hint="a re-run is safe"),
                                      run_notes(stop))  # fmt: skip
            self._failed(interrupted, INTERRUPTED, "interrupted; running it again completes it")
        except Exception as error:  # reported by the entry point; the log still ends the run
            # a bug exits 3; an OSError 2 when it is the machine's (a full disk), else 3
            code = crash_code(error)
            self._ended_without(f"{type(error).__name__}: {error}", code, "failed",
                                notes=run_notes(error))  # fmt: skip
            raise

    def _failed(self, error: TracegraphError, code: int, meaning: str) -> NoReturn:
        print_error(error)
        self._ended_without(error.message, code, meaning, error, run_notes(error))
        raise typer.Exit(code) from None

    def _ended_without(
        self,
        reason: str,
        code: int | None,
        meaning: str,
        error: TracegraphError | None = None,
        notes: list[str] | None = None,
    ) -> None:
        record = ended_record(None, code, run_id=self.run_id,
                              error=error or TracegraphError(reason))  # fmt: skip
        if notes:  # an older export's rows written back before the run stopped (the log
            record["notes"] = notes  # said it as a warning line)
        # refused as busy (or a dry run's error): a file the running import writes stays its own
        if self.summary_file is not None and self._taken_by() is None:
            with contextlib.suppress(TracegraphError):  # its own error is the one to tell
                write_summary_file(self.summary_file, record)
        # Before the run has an id (a bad mapping, timezone or path) the error is all there is
        # to say: bad input is one line, in a nightly log too.
        if self.plain and self.run_id is not None:
            plain_line(
                f"{self.what} {self.run_id} ended, exit "
                f"{code if code is not None else 'non-zero'} ({meaning}) after "
                f"{time.monotonic() - self.began:.1f} s: {reason}"
            )


def run_notes(error: BaseException) -> list[str]:
    """The notes the importer gave the error of a run that stopped (run._noted)."""
    return list(getattr(error, RUN_NOTES, []))


def _with_notes(error: TracegraphError, notes: list[str]) -> TracegraphError:
    """`error`, or the error made from it, with the notes of the error it came from."""
    setattr(error, RUN_NOTES, list(dict.fromkeys([*run_notes(error), *notes])))
    return error


# The table's columns: `new` and `changed` split the summary's `changed` (new rows and rows
# that changed what the graph held, as the JSON has it) the way each file's log line does.
COUNTS = {"read": "read", "written": "written", "rejected": "rejected",
          "duplicates": "duplicates", "new": "new", "changed": "changed"}  # fmt: skip


# A dry run knows what would be written, not what the graph holds (changed, updated).
DRY_RUN_COUNTS = {"read": "read", "written": "would write", "rejected": "rejected",
                  "duplicates": "duplicates"}  # fmt: skip


def counts_table(
    tables: dict[str, dict[str, Any]], dry_run: bool = False, full: bool = False
) -> Table:
    """Per table of an import (as in its JSON summary): rows read, written, rejected, … and,
    of a full import, removed (rows the graph held that the files lack; no part of read)."""
    columns = DRY_RUN_COUNTS if dry_run else COUNTS
    if full:
        columns = {**columns, "removed": "would remove" if dry_run else "removed"}
    table = Table(box=None, show_edge=False, pad_edge=False, caption_justify="left")
    for column in ("table", *columns.values()):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, counts in tables.items():
        table.add_row(literal(name), *_count_cells(counts, columns))
    if not dry_run and any(recorded_before_updated(counts) for counts in tables.values()):
        table.caption = f"{UNTOLD}: {OLDER_COUNTS}"
    return table


# A count the run did not record: `new` and `changed` of a run an older tracegraph recorded
UNTOLD = "–"
OLDER_COUNTS = "recorded by an older tracegraph, which counted new and changed rows together"


def recorded_before_updated(counts: dict[str, Any]) -> bool:
    """Whether a table's counts are a run's that an older tracegraph recorded, before the
    ledger counted `updated` (rows that changed what the graph held; null in its JSON)."""
    return counts.get("updated") is None


def _count_cells(counts: dict[str, Any], columns: dict[str, str]) -> list[str]:
    """A table's counts as shown: `new` and `changed` split the summary's `changed` by
    `updated`, or UNTOLD without it — new = changed - updated said a hold and a quantity fix of
    an old run were 2 new lots, and an old run over 3,009 lots 3,009 new."""
    updated = counts.get("updated")
    split = ({"new": None, "changed": None} if updated is None
             else {"new": (counts.get("changed") or 0) - updated, "changed": updated})  # fmt: skip
    shown = {**counts, **split}
    return [UNTOLD if n in split and shown[n] is None else f"{shown.get(n) or 0:,}"
            for n in columns]  # fmt: skip


def _only_with_full(full: bool, given: dict[str, bool]) -> None:
    """Refuse an option that only a --full run uses: given without it, it did nothing, and a
    nightly script's author took the run for limited (or for removing other sources)."""
    for flag, was_given in given.items():
        if was_given and not full:
            raise ConfigurationError(
                f"{flag} is for --full runs", hint="add --full, or leave it out"
            )


def import_command(
    paths: list[Path] = typer.Argument(
        ...,
        help="Folders of table files (lots.csv, steps.xlsx, lots.parquet/.pq, …) or single "
        "table files; a Spark job's folder of part files (lots/part-00000-….snappy.parquet) is "
        "the table it is named after. Several "
        "files of one table are written in the order given (a folder's files in natural order: "
        "night9 before night10); a later file's row for the same key wins, with a note.",
    ),
    timezone: str = typer.Option(
        None,
        "--timezone",
        # not typer's envvar: the variable would override a mapping's zone (see importing/zone)
        help="IANA timezone for times written without an offset (e.g. Europe/Berlin); it "
        "overrides the mapping's `timezone` (with a note). Default: the mapping's, else "
        "TRACEGRAPH_TIMEZONE, else UTC — and then a note says how many cells of which column "
        "were read as UTC.",
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
        0,
        "--max-rejects",
        min=0,
        help="Exit 0 when at most this many rows were rejected (a file that cannot be read at "
        "all exits 1 whatever this is).",
    ),
    rejects: Path = typer.Option(
        None,
        "--rejects",
        help="Where to write rejected rows (default: ./rejects-RUN.csv; readable by you only). "
        "A clean run writes FILE with its header alone; the default file is then not made.",
    ),
    force: bool = typer.Option(
        False, "--force", help="Re-import files even if the same content was imported before."
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Check the files and write nothing to the graph: every cell and mapping, with "
        "counts and a reject file; no server needed (one configured is asked whether the "
        "import would skip the files as unchanged). Whether the graph holds the steps and "
        "shipments the rows name is left to the import. With --full it reads the graph (and "
        "needs the server) to count and list the rows the full import would remove, and "
        "exits 2 as the import would when they are more than --max-removals.",
    ),
    full: bool = typer.Option(
        False,
        "--full",
        help="The files are complete dumps of their tables: rows the graph holds of those "
        "tables (only those) that the files no longer have are removed, after the writes, and "
        "listed in removed-RUN.csv beside the reject file. A rejected row's record stays; a "
        "removed lot that steps or shipments still name becomes a stub.",
    ),
    max_removals: str | None = typer.Option(
        None,
        "--max-removals",
        help="With --full: refuse (exit 2, nothing removed) when a table's dump lacks more of "
        "the source's rows than this — rows it would remove and rows it would only take the "
        "source off: a number of rows, or a percentage of the rows the source sent before the "
        f"run (rounded up; default {DEFAULT_MAX_REMOVALS}). A cut-off export must not delete "
        "half the plant.",
    ),
    accept_older: bool = typer.Option(
        False,
        "--accept-older",
        help="Import files whose content an earlier run imported and later runs replaced (an "
        "older export sent again), as a plant rolling back a bad night on purpose does: "
        "without it such files get a warning, and --full refuses them when it would remove rows "
        "of a table full dumps only add to (lots, steps, shipments and the like) that the "
        "newer nights added (exit 2, nothing written).",
    ),
    source: str = typer.Option(
        None,
        "--source",
        help="Where the files come from (letters, digits, '-', '_', '.'; at most "
        f"{SOURCE_LENGTH}), on the run's ledger entry: default the mapping's name (sap, "
        "mes_gbk, else its file's name) or `canonical`. Each row keeps the sources that sent "
        "it; --full compares this source's rows, and an older export is looked for among its "
        "runs.",
    ),
    over_sources: bool = typer.Option(
        False,
        OVER_SOURCES_FLAG,
        help="With --full: compare every row of the tables, whatever source sent it (rows these "
        "files lack are removed, also those other sources send): for files that hold every "
        "source's rows. Over rows imported before rows kept their sources that another source "
        "may have written, --full needs it (else exit 2, nothing written).",
    ),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
    summary_file: Path = typer.Option(
        None,
        "--summary-file",
        help="Also write the JSON summary (as --format json prints it) to this file, with "
        "exit_code and outcome (clean, too many rejects, failed, interrupted; an error's text "
        "for the last two): readable by you only and replaced whole. While the import runs it "
        "says outcome running and the run id; a run refused because another import runs, "
        "and a dry run started while the file says another run is running (or taken over by "
        "an import during it), leave that run's file alone and say so. It may not be a file "
        "being imported.",
    ),
) -> None:
    """Import canonical tables; every row is written or rejected, and the counts reconcile.

    The tables of the design brief (materials … device_events), and lot_identifiers: a lot's
    other names (lot_id, scheme: tlc, gtin_lot, serial, customer_lot or other, value, issuer —
    a gtin_lot's GTIN), each of which then finds the lot.

    Exit code 0 when clean, 1 when more than --max-rejects rows were rejected (they are in the
    reject file with file, line, column, value, reason, sheet and table) or a file could not be
    read at all
    (its rows are not counted one by one), 2 when the import could not run or
    its server went away (a re-run completes it), 130 when interrupted (Ctrl-C, SIGTERM).

    Re-running is safe: unchanged files are skipped, unchanged rows write nothing. One import
    runs at a time: a second one exits 2 and names the running import.

    A run whose every file is skipped as unchanged imported nothing (yesterday's export sent
    again?): a note names the files and the run that imported them, the last log line says
    `nothing imported`, the JSON has `all_unchanged: true`; exit code 0, as nothing failed.

    Tables are written nodes first (materials … lots, steps, then the rows linking them);
    several files of one table (two nights' folders) in the order the PATHs are given, a
    folder's files in natural order (night9 before night10, lots_2 before lots_10), as
    successive imports would be: a later file's different row for the same key wins, and a
    note counts and names them.

    `--full`: the files are complete dumps of their tables (only the tables whose files are in
    the run; several files of one table count together). Once every row is written, what the
    graph holds of those tables and the files lack is removed — a shipment line moved to
    another shipment, an inspection withdrawn.

    A row is its table's key (lots: lot_id; step_inputs: step_id and lot_id; device_events:
    device_id, event and at; lot_identifiers: all four columns). A rejected row keeps its
    record; one whose key cannot be read, or a file that cannot be read, leaves its table
    uncompared that night, with a note.

    A removed lot that steps, inspections, shipments, lot identifiers or a recall still name
    becomes a stub (origin unknown); removed master data still named stays as a reference; a
    removed step or shipment still linked to lots is kept, with a note.

    Every removed row is written, with its values as they were, to removed-RUN.csv beside the
    reject file, counted per table and named on the run's ledger entry, and recorded as a
    change of the run (`imports RUN`, and `lot show` of its lot). Killed while removing, the
    same import run again completes it.

    When a table's dump lacks more than --max-removals of the source's rows (default 10%,
    rounded up; rows removed and rows only taken off the source alike), nothing is removed nor
    taken off and the import exits 2, tonight's rows written: a cut-off export must
    not delete half the plant. `--dry-run --full` lists what would go, and exits 2 with the
    same error when the import would refuse.

    An unchanged full dump is skipped only when every file is as the last full import left it
    and no import ran since; otherwise every file is read and compared.

    A file an earlier run imported (the same bytes) while later runs imported other content of
    its table (an older export sent again) gets one warning line: its rows go back over the
    newer ones.

    `--full` refuses such a run (exit 2, nothing written) when it would also remove rows of
    lots, steps, shipments and the like that the newer nights added (the graph holds them,
    the run's files lack them); one that removes none (a hold set and lifted over a quiet
    weekend) is imported with the warning. `--accept-older` imports it (a rollback on
    purpose).

    Several sources feeding one graph (an ERP extract, a MES export, a lab's tables): each run
    records its `--source` (default: the mapping's name, or `canonical`), and each row the
    sources that sent it. `--full` compares its source's rows: a row another source still
    sends stays, only this source taken off it (counted in --max-removals; in
    removed-RUN.csv, taken_off 1).

    Rows imported before rows kept their sources are refused under `--full` (exit 2, nothing
    written) when another source wrote the table since it was last compared in full: import
    each source once without `--full` (its rows gain it), or pass `--remove-other-sources` when
    the files hold every row of those tables.

    A file unchanged since its last import (by the same source) is read again when a `--full`
    run removed rows of its tables since.

    `--dry-run` tries tonight's export or a new mapping first, needing no server (with
    `--full`, which reads what the graph holds, it does) and writing nothing to the graph:
    the same checks of each file's content, with counts, exit code and a reject file. Rows
    naming a step or shipment that no valid row of the files is are counted in a note, not
    rejected: only the graph knows whether it holds them.

    A dry run of files the import would skip all as unchanged says so as the import does (it
    asks the ledger once the files are checked, when a server answers; else a note says it is
    not known).

    Without a terminal (cron, systemd), stderr has plain lines: one when the run starts (its
    run id and files), one per file, and a last one with the outcome (exit code and its meaning,
    counts, time, reject file; after the error of a run that did not complete).

    Extra columns are kept as properties; in a ';'-separated file (Excel in a German or French
    locale), each cell with a decimal comma (252,5) is read as a number on its own; 1,234
    (thousands or decimals?) is read as 1.234 when other cells of its column in the file have a
    decimal comma (0,5) and none groups thousands by ',' (1,234,567), else it stays text, as
    1.250 does, with a note.
    """
    report = NightlyReport(paths, summary_file, dry_run)
    with report.failures():
        _only_with_full(full, {OVER_SOURCES_FLAG: over_sources,
                               "--max-removals": max_removals is not None})  # fmt: skip
        limit = max_removals or DEFAULT_MAX_REMOVALS
        mapping = load_mapping(mapping_file) if mapping_file else None
        if dry_run:
            graph = open_graph() if full else None  # --full compares with the graph
            opened: list[TraceGraph] = []  # the server asked after the checks, when not --full
            try:
                with import_progress() as (progress, log):
                    summary = check_paths(paths, timezone=timezone, encoding=encoding,
                                          reject_file=rejects, mapping=mapping, graph=graph,
                                          max_removals=limit, accept_older=accept_older,
                                          source=source, over_sources=over_sources,
                                          force=force, ledger=_ledger(graph, opened), log=log,
                                          progress=progress, on_start=report.started)  # fmt: skip
            finally:
                for each in [graph, *opened]:
                    if each is not None:
                        each.driver.close()
        else:
            graph = open_graph()
            try:
                with import_progress() as (progress, log), sigterm_interrupts():
                    summary = import_paths(
                        graph, paths, timezone=timezone, encoding=encoding, force=force,
                        reject_file=rejects, mapping=mapping, full=full,
                        max_removals=limit, accept_older=accept_older,
                        max_rejects=max_rejects, source=source, over_sources=over_sources,
                        log=log, progress=progress,
                        on_start=report.started, on_locked=report.locked,
                    )  # fmt: skip
            finally:
                graph.driver.close()
    code = exit_code(summary, max_rejects)
    _print_summary(summary, output, dry_run)
    if summary.refused is not None:  # refused removals (a dry run: as the import would say)
        print_error(summary.refused)
    report.ended(summary, code, max_rejects)
    if code:
        raise typer.Exit(code)


def _ledger(graph: TraceGraph | None, opened: list[TraceGraph]) -> Callable[[], TraceGraph]:
    """What opens the graph whose ledger tells a dry run whether the import would skip every
    file as unchanged (it said nothing: the night sent again looked like a new one): the graph
    of --full, else the server configured, connected once the files are checked (the started
    line waited up to 10 s for a firewalled one) with a short timeout, kept in `opened` to be
    closed."""
    if graph is not None:
        return lambda: graph

    def connect() -> TraceGraph:
        opened.append(open_graph(connection_timeout=LEDGER_TIMEOUT_SECONDS))
        return opened[-1]

    return connect


# An optional look-up (the dry run needs no server): a server not answering by then is skipped.
LEDGER_TIMEOUT_SECONDS = 3.0


def _print_summary(summary: ImportSummary, output: OutputFormat, dry_run: bool) -> None:
    """The summary on stdout: the JSON object, or the counts line, table and notes."""
    if output is OutputFormat.json:
        print_json(summary.as_dict())
    else:
        out = stdout()
        out.print(
            (
                f"Dry run, nothing written to the graph: {counted(summary.read, 'row')} read = "
                f"{summary.written:,} would be written"
                if dry_run
                else f"Import {literal(summary.run_id)}: {counted(summary.read, 'row')} read = "
                f"{summary.written:,} written"
            )
            + f" + {summary.rejected:,} rejected"
            + (
                f"; {summary.removed_rows:,} {'would be ' if dry_run else ''}removed (--full)"
                if summary.full
                else ""
            )
            + f", in {summary.seconds:.1f} s"
            + (
                f"; {counted(len(summary.unchanged_files), 'unchanged file')} skipped"
                if summary.unchanged_files
                else ""
            )
        )
        if summary.tables:
            out.print(counts_table(summary.table_counts(), dry_run, summary.full))
        # Stubs the run leaves are named in a note (run._new_stubs). A count here was printed
        # only when none was left — a stub the run made and deleted itself (a later file of the
        # run corrected the lot id) — "1 lot(s) … created as stubs" with no lot to look at.
        for line in summary.notes:  # text of files and mappings: `[[file]]` is not markup
            out.print(f"note: {literal(line)}")
        if summary.updated:
            out.print(
                f"{counted(summary.updated, 'row')} changed what the graph held: "
                f"`tracegraph imports {literal(summary.run_id)}` shows each change."
            )
        if summary.reject_file:
            out.print(f"Rejected rows: {literal(summary.reject_file)}")
        if summary.removed_file:
            # rows only taken off the run's source are in it too (taken_off 1)
            what = ("Rows a full import would remove or take off" if dry_run
                    else "Removed and taken-off rows, as they were")  # fmt: skip
            out.print(f"{what}: {literal(summary.removed_file)}")
