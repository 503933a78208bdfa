"""`tracegraph imports [RUN]`: past imports, and the rows one of them changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.measure import Measurement
from rich.table import Table

from tracegraph.cli.context import open_graph
from tracegraph.cli.imports import counts_table, recorded_before_updated
from tracegraph.cli.render import (
    FORMAT_HELP,
    ReportFormat,
    literal,
    note,
    print_csv,
    print_json,
    stdout,
    warn,
)
from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph
from tracegraph.importing.ledger import import_run, import_runs
from tracegraph.importing.rename import current_names, rename_source
from tracegraph.importing.restore import (
    RESTORED_SHAS,
    Restorable,
    not_their_own,
    removed_later,
    removed_shas,
    restorable,
    rows_by_source,
    text_read_as_numbers,
    write_restored_shas,
    write_tables,
)
from tracegraph.importing.sources import RENAME_FLAG
from tracegraph.values import counted, first_ids, iso_seconds

RUN_COLUMNS = (
    "run_id", "status", "started_at", "ended_at", "user", "host", "rows_read", "rows_written",
    "rows_rejected", "rows_updated", "stubs_created", "seconds", "reject_file", "stubs_left",
    # last, as stubs_left was: a script reading columns by position keeps them; empty for a
    # run without --full, which compared nothing
    "rows_removed",
    # where the files came from (--source) and the mapping read; empty for runs before them
    "source", "mapping", "mapping_sha256",
    # how it ended, as its last line said: `done` is a run that completed, whatever its exit
    # code (a night with rejected rows, or whose removals were refused, is done too)
    "exit_code", "outcome",
    # whether it was a --full run (rows_removed), and a run whose every file was unchanged
    "full", "all_unchanged",
)  # fmt: skip
CHANGE_COLUMNS = ("table", "key", "file", "line", "column", "before", "after")
CHANGES_SHOWN = 200  # changed columns shown on a terminal; csv and json carry them all


def imports_command(
    run_id: str = typer.Argument(None, metavar="RUN", help="An import run: its changed rows."),
    limit: int = typer.Option(20, "--limit", min=1, help="How many runs to list."),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP),
    restore: Path = typer.Option(
        None,
        "--restore",
        metavar="DIR",
        help="With RUN, a full import: write the rows it removed (its removed-RUN.csv) that "
        "the graph lacks to DIR as table files (lots.csv, shipment_lines.csv, …), rows other "
        "sources sent too in DIR/SOURCE, rows it only took its source off as that source's "
        "(lots_3.csv); rows the graph holds again, or a later run removed again, are left out, "
        "counted. `tracegraph import DIR` (DIR/SOURCE with its --source) puts them back. "
        "Existing files are kept.",
    ),
    rename: tuple[str, str] = typer.Option(
        None,
        RENAME_FLAG,
        metavar="OLD NEW",
        help="Give source OLD's rows and runs the name NEW (a mapping file renamed, --source "
        "changed): NEW's --full then compares the rows OLD sent, and OLD's runs count as NEW's. "
        "Recorded on the ledger; run it again to finish one that was stopped.",
    ),
) -> None:
    """Past imports, newest first: who, when, rows read / written / rejected / updated.
    With RUN: that import's counts per table and every row it changed — per changed column the
    old and the new value (a lot put on hold, a corrected quantity) — and how it ended: exit
    code and outcome, and the error line of a run that failed.

    With RUN and --restore DIR: the rows that full import removed or only took its source off,
    those the graph lacks, as canonical table files in DIR (rows other sources sent too in
    DIR/SOURCE), to import again before the next import (without --full, with its
    --source); rows the graph holds again (newer values) or a later run removed again are
    left out, counted.

    With --rename-source OLD NEW: a renamed source's rows and runs take its new name, so that
    its --full compares the rows sent under the old one (a --full run notes rows left to
    sources no run sends any more).

    A run that stopped shows ≥ before the counts of the files it finished, and ? where it
    counted nothing (killed outright, or still running). A run the ledger marks running while
    no process holds the import lock (its importer or its server died) shows as interrupted,
    with the reason; nothing is written."""
    if rename is not None:
        if run_id is not None or restore is not None:
            raise ConfigurationError(
                f"{RENAME_FLAG} takes no RUN and no --restore",
                hint=f"`tracegraph imports {RENAME_FLAG} OLD NEW`",
            )
        _rename(rename[0], rename[1], output)
        return
    if restore is not None and run_id is None:
        raise ConfigurationError(
            "--restore needs the run whose removed rows to restore",
            hint="`tracegraph imports RUN --restore DIR`; `tracegraph imports` lists the runs",
        )
    graph = open_graph()
    try:
        if run_id is None:
            _print_runs(import_runs(graph, limit), output)
        elif restore is not None:
            names = current_names(graph, run_id)
            _restore(graph, import_run(graph, run_id), restore, output, names)
        else:
            _print_run(import_run(graph, run_id), output)
    finally:
        graph.driver.close()


def _rename(old: str, new: str, output: ReportFormat) -> None:
    """Rename source `old` to `new` (rename.rename_source) and say what changed."""
    graph = open_graph()
    try:
        done = rename_source(graph, old, new)
    finally:
        graph.driver.close()
    if output is ReportFormat.json:
        print_json({"renamed": {
            "old": done.old, "new": done.new, "rows": done.rows, "runs": done.runs,
            "merged": done.merged,
            "done_before": iso_seconds(done.done_before) if done.done_before else None,
        }})  # fmt: skip
        return
    if done.done_before is not None:
        stdout().print(f"Source {literal(old)} was renamed to {literal(new)} on "
                       f"{iso_seconds(done.done_before)}: nothing names {literal(old)} now, "
                       "nothing changed.")  # fmt: skip
        return
    tables = ", ".join(f"{table} {n:,}" for table, n in done.rows.items()) or "none"
    stdout().print(
        f"Source {literal(old)} renamed to {literal(new)}: "
        f"{counted(sum(done.rows.values()), 'row')} ({literal(tables)}), "
        f"{counted(done.runs, 'run')} of the ledger"
        + (f"; {literal(new)} had runs already: they are one source now" if done.merged else "")
        + f". Import its files with --source {literal(new)} (or its mapping's name)."
    )


def _restore(
    graph: TraceGraph,
    run: dict[str, Any],
    folder: Path,
    output: ReportFormat,
    names: dict[str, str],
) -> None:
    """The run's removed rows the graph lacks as table files in `folder`, what was left out
    and why, and what to run next; the sources its file names under their names now (`names`:
    those renamed since, old → new)."""
    if not run.get("removed_file"):
        raise ConfigurationError(
            f"import {run['run_id']} removed no rows: there is nothing to restore",
            hint="only an import --full that removed rows has them (its summary says "
            "how many); `tracegraph imports` lists the runs",
        )
    source = run.get("source") or "canonical"
    warnings: list[str] = []  # each on stderr as said, and in the JSON's `warnings`

    def warned(message: str, hint: str = "") -> None:
        warn(message, hint)
        warnings.append(message)

    later = removed_later(_later_files(graph, run["run_id"], warned))
    found = restorable(graph, Path(run["removed_file"]), source, later, names)
    # read while an import wrote (or one died mid-way), rows may look held, or missing
    for text in graph.import_warnings():
        warned(text)
    by_source, unsent = rows_by_source(found.rows, source)
    # the run's source's rows in the folder, as ever; another source's (a row it sent too,
    # removed by --remove-other-sources) in a folder of its name inside: imported under each
    # source, a row has its sources again
    folders = {name: folder if name == source else folder / name for name in by_source}
    written: dict[str, dict[str, Path]] = {}
    # each source's last rows, put back by each folder's import (restore.RESTORED_SHAS)
    shas = removed_shas(found.rows)
    try:
        for name, records in by_source.items():
            written[name] = write_tables(records, folders[name])
            if (kept := write_restored_shas(shas, folders[name])) is not None:
                written[name][RESTORED_SHAS] = kept
    except BaseException:  # each write_tables leaves nothing of its own; nor of the others
        for path in (p for paths in written.values() for p in paths.values()):
            path.unlink(missing_ok=True)
        raise
    # Said, not silently changed: no file format the import reads keeps such text as text.
    merged: dict[str, list[dict[str, Any]]] = {}
    for records in by_source.values():
        for table, held in records.items():
            merged.setdefault(table, []).extend(held)
    for table, columns in text_read_as_numbers(merged).items():
        named = ", ".join(f"{name} ({counted(n, 'value')})" for name, n in sorted(columns.items()))
        warned(
            f"{table}: text that looks like a number comes back as a number on import: {named}",
            hint="to keep it text, import the folder with a mapping whose x_ column for it "
            "has `text = true`",
        )
    if changed := not_their_own(found.rows, graph):
        warned(
            f"{counted(len(changed), 'row')} {literal(source)} was only taken off "
            f"{'comes' if len(changed) == 1 else 'come'} back with columns another source had "
            f"changed before the removal, or may have ({literal(source)}'s record of the row "
            f"holds no column hashes): importing {literal(folder)} writes the values held then, "
            f"over any newer ones: {first_ids(changed)}",
            hint="check those columns after the import (`tracegraph lot show`), and correct "
            "them from that source's next export",
        )
    if unsent:  # said, not dropped silently
        unsent_note = (
            f"{counted(len(unsent), 'supplier-lot spelling')} sent by no source its lot is "
            f"restored under, written to no folder: {first_ids(unsent)}"
        )
        note(unsent_note)
        warnings.append(unsent_note)
    if output is ReportFormat.json:
        print_json({"restore": _restore_json(run, found, by_source, folders), "warnings": warnings})
        return
    stdout().print(literal(_restore_counts(run, found)))
    for name, records in by_source.items():
        rows = sum(len(r) for r in records.values())
        files = ", ".join(f"{p.name} ({len(records[t]):,})" for t, p in written[name].items()
                          if t != RESTORED_SHAS)  # fmt: skip
        stdout().print(
            f"{counted(rows, 'row')} of {literal(run['run_id'])}'s removed rows "
            + (f"sent by {literal(name)} " if len(by_source) > 1 else "")
            + f"written to {literal(folders[name])}: {literal(files)}. Import them with "
            f"`tracegraph import {literal(folders[name])} --source {literal(name)}` (not --full: "
            "as the source that sent them, so that they are its rows again); a full import whose "
            "dump still lacks them removes them again."
        )
    if by_source:
        stdout().print(NOW_NOTE)


# The folders hold what the graph lacked when the restore read it: an import in between (the
# nightly one) may send a row again with newer values, and the folder's import writes its old
# ones over them.
NOW_NOTE = (
    "The folders reflect the graph as it is now: import them before the next import, or "
    "restore again after it."
)


def _later_files(
    graph: TraceGraph, run_id: str, warned: Callable[[str, str], None]
) -> list[tuple[str, Path]]:
    """The removed-RUN.csv files of the --full runs after `run_id` (restore.removed_later); one
    no longer there is warned of, not read: a row it removed may come back with older values."""
    files = []
    for row in graph.read("ledger/removed_files_after", run_id=run_id):
        path = Path(row["removed_file"])
        if path.is_file():
            files.append((row["run_id"], path))
        else:
            warned(
                f"the later run {row['run_id']}'s file of removed rows {path} is gone: a row it "
                "removed again comes back with this run's older values",
                "restore from the file where it was moved, or check those rows after import",
            )
    return files


def _restore_json(
    run: dict[str, Any],
    found: Restorable,
    by_source: dict[str, dict[str, list[dict[str, Any]]]],
    folders: dict[str, Path],
) -> dict[str, Any]:
    """A restore as --format json gives it: the rows the file lists, those written and those
    left out, in all and per table (as the import's JSON gives `removed` and `tables`; listed =
    written + left out), each table's left out per code with its reason and rows, and per
    folder its files' rows and the command that imports it."""
    written = found.written()
    return {
        "run_id": run["run_id"],
        "removed_file": run["removed_file"],
        "listed": sum(found.listed.values()),
        "written": sum(written.values()),
        "left_out": sum(found.listed.values()) - sum(written.values()),
        "tables": {
            table: {"listed": listed, "written": written[table],
                    "left_out": [{"code": code, "reason": why, "rows": n} for (code, why), n
                                 in _left(found, table)]}
            for table, listed in found.listed.items()
        },
        "folders": [
            {"source": name, "folder": str(folders[name]),
             "files": {f"{part}.csv": len(rows) for part, rows in records.items()},
             "command": f"tracegraph import {folders[name]} --source {name}"}
            for name, records in by_source.items()
        ],
    }  # fmt: skip


def _left(found: Restorable, table: str) -> list[tuple[tuple[str, str], int]]:
    """A table's rows left out, per code and reason, and how many."""
    return list(found.left_out.get(table, {}).items())


def _restore_counts(run: dict[str, Any], found: Restorable) -> str:
    """How many rows the run's file lists, how many of them the restore writes, and how many
    it leaves out because the graph has them, per table and why: they add up."""
    written, listed = found.written(), found.listed
    left = sum(listed.values()) - sum(written.values())
    tables = "".join(
        f" {table}: {listed[table]:,} listed, {written[table]:,} written"
        + "".join(f", {n:,} left out: {why}" for (_, why), n in _left(found, table))
        + "."
        for table in listed
    )
    return (
        f"{Path(run['removed_file']).name} lists {counted(sum(listed.values()), 'row')}: "
        f"{sum(written.values()):,} written (the graph lacks them), {left:,} left out (the graph "
        f"has them, or a later run's restore gives them).{tables}"
        + (" Nothing to restore." if not found.rows else "")
    )


def _print_runs(runs: list[dict[str, Any]], output: ReportFormat) -> None:
    if output is ReportFormat.json:
        print_json({"imports": runs})
        return
    if output is ReportFormat.csv:
        print_csv(runs, RUN_COLUMNS)
        return
    console = stdout()
    # The run id starts with its start time (UTC), so no column repeats it. Counts of millions
    # (≥12,345,678) made the table wider than 80 columns, and rich cut them to "12,3…": on a
    # narrow terminal the user, then the updated count, are left out — a count is never cut.
    cells = [_run_cells(r) for r in runs]
    # the source column when the runs listed come from more than one (a plant of one source
    # would read the same name on every line, in a column an 80-column terminal lacks)
    same = [] if len({c["source"] for c in cells} - {""}) > 1 else ["source"]
    # and the removed column when one of them is a --full run (no other removes anything)
    same += [] if any(run.get("full") for run in runs) else ["removed"]
    left_out: list[str] = []
    table = _runs_table(runs, cells, same)
    unbounded = console.options.update_width(1 << 16)  # the table's own width, not the screen's
    for column in RUN_COLUMNS_DROPPED:
        if Measurement.get(console, unbounded, table).maximum <= console.width:
            break
        if column in same:
            continue
        left_out.append(column)
        table = _runs_table(runs, cells, same + left_out)
    console.print(table)
    if left_out:
        names = " and ".join([", ".join(left_out[:-1]), left_out[-1]] if left_out[1:] else left_out)
        console.print(f"[dim]{names} not shown, for the terminal's width: "
                      "a wider one, or --format csv, has them[/]")  # fmt: skip
    legend = unfinished_legend(
        [(run, list(row.values())) for run, row in zip(runs, cells, strict=True)]
    )
    if legend:
        stdout().print(f"[dim]{legend}[/]")
    dead = next((r["interrupted_because"] for r in runs if r.get("interrupted_because")), None)
    if dead:
        stdout().print(f"[dim]*: the ledger says running, but {literal(dead)}: its importer or its "
                       "server died (the next import marks it interrupted)[/]")  # fmt: skip


# The list's columns, and those left out, in this order, when a terminal is too narrow.
# `started` in local time (the run id's is UTC); `removed` blank for a run without --full (and
# left out when no run listed is one).
RUN_LIST_COLUMNS = ("run", "status", "source", "user", "started", "read", "written", "rejected",
                    "updated", "removed")  # fmt: skip
# dropped in this order until the table fits: `removed` before `source` (which tells a
# multi-source plant's runs apart); a column squeezed instead cut digits off counts
RUN_COLUMNS_DROPPED = ("started", "user", "updated", "removed", "source")
COUNT_COLUMNS = ("read", "written", "rejected", "updated", "removed")


def _run_cells(run: dict[str, Any]) -> dict[str, str]:
    # the reason below the table: in the column it pushed the run ids off an 80-column one
    status = (run.get("status") or "") + ("*" if run.get("interrupted_because") else "")
    # a run done with an exit code other than 0 says it: a night that rejected rows (exit 1)
    # or whose removals were refused (2) read `done`, as a clean one (no wider than
    # `interrupted*`: the column costs an 80-column terminal nothing more)
    if run.get("status") == "done" and run.get("exit_code"):
        status += f", exit {run['exit_code']}"
    # a night sent again read `0 0 0 0`, as one whose files held no rows
    elif run.get("status") == "done" and run.get("all_unchanged"):
        status += ", unchanged"
    return {"run": run["run_id"], "status": status, "started": _local_start(run),
            "source": run.get("source") or "", "user": run.get("user") or "",
            "read": _count(run, "rows_read"), "written": _count(run, "rows_written"),
            "rejected": _count(run, "rows_rejected"),
            "updated": _count(run, "rows_updated"),
            # the night that deleted rows: a --full run's count (0 too), blank for any other
            "removed": _count(run, "rows_removed") if run.get("full") else ""}  # fmt: skip


def _local_start(run: dict[str, Any]) -> str:
    """A run's start in this machine's local time, to the minute (the run id's is UTC)."""
    text = iso_seconds(run.get("started_at"))
    try:
        return datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M") if text else ""
    except ValueError:  # a named zone iso_seconds could not read: as stored
        return text or ""


def _runs_table(
    runs: list[dict[str, Any]], cells: list[dict[str, str]], left_out: list[str]
) -> Table:
    table = Table(title=f"{len(runs)} imports, newest first", title_justify="left", box=None)
    shown = [c for c in RUN_LIST_COLUMNS if c not in left_out]
    for column in shown:
        table.add_column(column, justify="right" if column in COUNT_COLUMNS else "left",
                         no_wrap=True, min_width=len(column))  # fmt: skip
    for row in cells:
        table.add_row(*(literal(row[c]) for c in shown))
    return table


# The count of a run that stopped: "≥" before what the files it finished held (the file it was
# writing is not counted), "?" where it counted nothing (killed outright, or still running).
# A run still running (its importer holds the lock, ledger.checked_status) counts as it goes:
# it was described as stopped ("before it stopped") while it ran.
PARTIAL = "≥: counted for the files the run finished before it stopped"
UNCOUNTED = "?: not counted (killed, or still running)"
LEGENDS = {
    "≥": {False: PARTIAL, True: "≥: counted for the files the running import has finished so far"},
    "?": {False: UNCOUNTED, True: "?: not counted yet (the import is still running)"},
}
RERUN = "Re-running an import is safe and completes it."


def unfinished_legend(shown: list[tuple[dict[str, Any], list[str]]]) -> str | None:
    """The legend of the marks the `shown` counts (per run, its cells) carry, those alone: a
    failed run's whole counts (a refused full import) carry none — the legend explained a "?
    removed" that was no count, "not counted (killed, or still running)", of a run that had
    ended. A mark of a running run and one of a stopped run: both texts."""
    parts: list[str] = []
    stopped = False
    for mark, texts in LEGENDS.items():
        whose = {run.get("status") == "running" for run, cells in shown
                 if any(cell.startswith(mark) for cell in cells)}  # fmt: skip
        parts.extend(texts[running] for running in sorted(whose))
        stopped = stopped or False in whose
    return f"{'; '.join(parts)}.{f' {RERUN}' if stopped else ''}" if parts else None


def shown_status(run: dict[str, Any]) -> str:
    """A run's status, and why when the ledger's "running" is not believed (see
    ledger.checked_status): `imports` and `db status` say it alike."""
    status = str(run.get("status") or "")
    because = run.get("interrupted_because")
    return f"{status} ({because})" if because else status


def rows_word(count: int | None, partial: bool = False) -> str:
    """`row` after a count of one, else `rows` (≥1 of a stopped run may be more): a line said
    "1 rows read"."""
    return "row" if count == 1 and not partial else "rows"


def _count(run: dict[str, Any], name: str) -> str:
    value = run.get(name)
    if value is None:
        return "" if run.get("status") in ("done", None) else "?"
    return f"≥{value:,}" if run.get("counts_partial") else f"{value:,}"


def _change_rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"table": c["table"], "key": c["key"], "file": c["file"], "line": c["line"], **column}
        for c in run["changes"]
        for column in c["columns"]
    ]


def _changed_rows(run: dict[str, Any]) -> int:
    """How many rows the run changed: not those it removed, nor those whose content stayed and
    only its source was taken off (a `sent by erp, mes → mes` record: 1 changed row was said
    where the per-table counts said 0)."""
    return sum(not (c.get("removed") or c.get("sources_only")) for c in run["changes"])


def _changed_rows_text(run: dict[str, Any]) -> str:
    """`N changed rows`, or that they are not known: an older tracegraph's run kept none (its
    hold and quantity fix were `0 changed rows`)."""
    if any(recorded_before_updated(counts) for counts in run["tables"].values()):
        return "changed rows not recorded (by an older tracegraph)"
    return counted(_changed_rows(run), "changed row")


def _print_run(run: dict[str, Any], output: ReportFormat) -> None:
    if output is ReportFormat.json:
        print_json(run)
        return
    if output is ReportFormat.csv:  # one row per changed column
        print_csv(_change_rows(run), CHANGE_COLUMNS)
        return
    out = stdout()
    who = f"{run.get('user')}@{run.get('host')}"
    counts = [_count(run, name) for name in ("rows_read", "rows_written", "rows_rejected")]
    removed = _count(run, "rows_removed") if run.get("full") else ""
    out.print(
        f"Import {literal(run['run_id'])} ({literal(shown_status(run))}), "
        f"{literal(str(iso_seconds(run.get('started_at'))))} by "
        f"{literal(who)}: {counts[0]} "
        f"{rows_word(run.get('rows_read'), bool(run.get('counts_partial')))} read, "
        f"{counts[1]} written, {counts[2]} rejected, "
        # a removal (--full) is a change of the run too, counted as removed; a row only this
        # run's source was taken off (sources_only) changed no content: not counted
        f"{_changed_rows_text(run)}" + (f", {removed} removed (--full)" if run.get("full") else "")
    )
    if run.get("source"):  # runs before tracegraph kept it have none
        mapping = run.get("mapping")
        renamed = run.get("source_renamed_from")  # imports --rename-source
        at = iso_seconds(run.get("source_renamed_at"))
        out.print(f"Source: {literal(run['source'])}"
                  + (f" (mapping {literal(mapping)}, sha256 {run.get('mapping_sha256')})"
                     if mapping else "")
                  + (f"; ran as {literal(renamed)}, renamed {at}" if renamed else ""))  # fmt: skip
    if run.get("outcome"):  # runs before tracegraph kept it have none
        code = run.get("exit_code")
        out.print(
            f"Outcome: exit {code if code is not None else 'non-zero'} ({literal(run['outcome'])})"
            + (f": {literal(run['error'])}" if run.get("error") else "")
            + (f" (hint: {literal(run['error_hint'])})" if run.get("error_hint") else "")
        )
    legend = unfinished_legend([(run, [*counts, removed])])
    if legend:
        out.print(f"[dim]{legend}[/]")
    if run["tables"]:
        out.print(counts_table(run["tables"], full=bool(run.get("full"))))
    skipped = run.get("unchanged_files") or {}
    if skipped:  # a night sent twice read 0 rows: it said so, and not why
        shown = ", ".join(f"{Path(f).name} (as {of})" for f, of in list(skipped.items())[:10])
        beyond = " …" if len(skipped) > 10 else ""
        out.print(f"Skipped as unchanged: {counted(len(skipped), 'file')}, the content an "
                  f"earlier run imported: {literal(shown)}{beyond}")  # fmt: skip
    for line in run.get("notes") or []:  # runs before tracegraph kept notes have none
        out.print(f"note: {literal(line)}")
    rows = _change_rows(run)
    if rows:
        changes = Table(title="Changed rows", title_justify="left")
        for column in ("table", "key", "line", "column", "before", "after"):
            changes.add_column(column)
        for row in rows[:CHANGES_SHOWN]:  # values are the export's text: never rich markup
            changes.add_row(
                literal(row["table"]),
                literal(row["key"]),
                str(row["line"]),
                literal(row["column"]),
                literal(row["before"]),
                literal(row["after"]),
            )
        out.print(changes)
        if len(rows) > CHANGES_SHOWN:
            more = len(rows) - CHANGES_SHOWN
            out.print(
                f"[dim]… {counted(more, 'more changed column')} (--format csv or json has "
                "them all)[/]"
            )
