"""`tracegraph recall …`: write a recall package (or run a drill) and list past ones."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tracegraph.cli.context import open_graph, sigterm_interrupts
from tracegraph.cli.group import HELP_MARKUP, SummaryGroup
from tracegraph.cli.lots_file import given_lots, lots_file_option
from tracegraph.cli.render import (
    FORMAT_HELP,
    ReportFormat,
    literal,
    note,
    print_csv,
    print_json,
    stdout,
    warn,
    working,
)
from tracegraph.cli.trace import (
    TABLE_LIMIT,
    more_rows,
    print_totals,
    render_stock,
    shipment_count,
    when_text,
    window_bounds,
)
from tracegraph.errors import ConfigurationError
from tracegraph.recall import (
    HISTORY_DATA,
    HISTORY_WINDOW,
    Window,
    build_package,
    recall_history,
    verify_recalls,
)
from tracegraph.trace import amounts_text, located_text
from tracegraph.values import counted

_ZERO_SECONDS = re.compile(r"(T\d\d:\d\d):00(?=[+-]\d\d:\d\d|Z)")
HISTORY_COLUMNS = (
    "recall_id", "drill", "created_at", "created_by", "source_lots", "lots", "shipments",
    "customers", "quantity", "uom", "located_share", "duration_s", "package", *HISTORY_WINDOW,
    "sources_without_quantity", *HISTORY_DATA,
)  # fmt: skip


class RecallGroup(SummaryGroup):
    """`tracegraph recall LOT… --out DIR` runs `package`; `tracegraph recall history` lists."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["package", *args]
        return list(super().parse_args(ctx, args))


app = typer.Typer(
    rich_markup_mode=HELP_MARKUP,
    cls=RecallGroup,
    help="Recall packages and mock-recall drills: `recall LOT... --out DIR` (or `--device`, "
    "`--operator`, `--supplier` with `--from`/`--to` for a window), `recall history`.",
    no_args_is_help=True,
)


def _window(
    device: str | None,
    operator: str | None,
    supplier: str | None,
    start: str | None,
    end: str | None,
    timezone: str | None,
    lots: list[str],
) -> Window | None:
    """The window a recall is asked by, or None when it is asked by lots; a mix is refused."""
    given = (("device", device), ("operator", operator), ("supplier", supplier))
    named = [(kind, subject) for kind, subject in given if subject]
    if not named:
        if start or end:
            raise ConfigurationError("--from and --to need a window's subject",
                                     hint="add --device, --operator or --supplier")  # fmt: skip
        if not lots:
            raise ConfigurationError("nothing to recall: no lots and no window given",
                                     hint="give LOTS (or --lots-file), or --device/--operator/"
                                     "--supplier with --from and --to")  # fmt: skip
        if timezone:  # ignored in silence, it read as if it had changed something
            raise ConfigurationError(
                "--timezone reads a window's --from and --to: a recall of lots has none",
                hint="leave --timezone out, or recall a window (--device, --operator or "
                "--supplier with --from and --to)",
            )
        return None
    if len(named) > 1 or lots:
        raise ConfigurationError(
            "a recall is asked by lots or by one window, not both",
            hint="give LOTS, or one of --device, --operator and --supplier",
        )
    if not start or not end:
        raise ConfigurationError(
            f"--{named[0][0]} needs --from and --to", hint="e.g. --from 2026-11-03T02:00 "
            "--to 2026-11-03T05:00 (times without an offset are read in --timezone)",
        )  # fmt: skip
    window_start, window_end = window_bounds(start, end, timezone)
    return Window(named[0][0], named[0][1], window_start, window_end)


@app.command()
def package(
    lots: list[str] = typer.Argument(
        None, help="The bad lots (any identity); or give a window instead."
    ),
    lots_file: Path = lots_file_option(),
    out: Path = typer.Option(..., "--out", help="New folder for the package."),
    device: str = typer.Option(
        None, "--device", help="Recall what the device made in [--from, --to)."
    ),
    operator: str = typer.Option(
        None, "--operator", help="Recall what the operator made in [--from, --to)."
    ),
    supplier: str = typer.Option(
        None, "--supplier", help="Recall what was received from the supplier in [--from, --to)."
    ),
    start: str = typer.Option(None, "--from", help="Window start, ISO 8601 (2026-11-03T02:00)."),
    end: str = typer.Option(None, "--to", help="Window end (exclusive), ISO 8601."),
    timezone: str = typer.Option(
        None,
        "--timezone",
        help="Zone of --from and --to times without an offset (default: TRACEGRAPH_TIMEZONE, "
        "else UTC, as `import` reads them); windows only. A time its clocks skip or show "
        "twice is refused: give it with its offset.",
    ),
    drill: bool = typer.Option(False, "--drill", help="A mock recall: record it as a drill."),
    html: bool = typer.Option(False, "--html", help="Add report.html, an interactive picture."),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """Write the recall package of LOTS into --out and record it in the graph (with --drill,
    as a mock recall with its duration).

    Instead of LOTS, a window: `--device OVEN-3 --from 2026-11-03T02:00 --to 2026-11-03T05:00`
    recalls the lots the device made in it (steps overlapping the window, as `trace device`
    finds them); `--operator` likewise; `--supplier V7` the lots received from the supplier
    in it (by receipt date, as `trace supplier`). The package names the window (summary.txt,
    `window` in recall.json) and the recall history shows it.

    The package: customers.csv; shipments.csv, one row per shipment line (delivery note,
    date, customer, lot, quantity, delivery or return); stock.csv, the affected lots still in
    stock to block (what is left of each in its own unit, where, status, expiry, and how much
    of LOTS it holds); tracking_events.xlsx/.csv (FSMA 204-style, one row per event: the events
    alone, to send out); recall.xlsx, the customers, the stock to block and the shipments as
    sheets, for the plant's own use; epcis.jsonld, the same events as a GS1 EPCIS 2.0
    document (a step one event with all its inputs and outputs; ids without a GTIN or GLN
    under TRACEGRAPH_EPCIS_BASE_URI, default https://tracegraph.invalid/id; each event's
    time zone offset the plant's, TRACEGRAPH_TIMEZONE, at that time); recall.json;
    summary.txt; and manifest.sha256. The folder is yours alone (0700), its files 0600.

    Times: the CSVs keep each as its export gave it, with its offset; recall.xlsx's shipped_at
    and expires_at are date cells as the plant wrote them (a cell holds no offset). The
    shipments and the stock end with the instant in UTC, shipped_at_utc and expires_at_utc, as
    tracking_events has event_date_utc: it sorts right where two exports' offsets share a column.

    Exit code 2, and no package, when the window holds no lots (a step in it that recorded no
    output lot is named), or when --out is not empty or another run filled it meanwhile: the
    package is written in a staging folder beside it (inside an existing one) and moved into
    place whole."""
    lots = given_lots(lots, lots_file)  # none for a window
    window = _window(device, operator, supplier, start, end, timezone, lots)
    graph = open_graph()
    # SIGTERM as Ctrl-C: the staging folder (customers' contacts in it) is removed, where a
    # `timeout` left it hidden beside --out
    with working(f"writing the {'drill' if drill else 'recall'} package"), sigterm_interrupts():
        # a killed recall's staging folder removed: said at once, also when this one fails
        result = build_package(graph, lots, out, drill=drill, html=html, window=window, log=note)
    for text in result.warnings:  # the window's, the trace's, shipments with no ship-from
        warn(text)
    if output is ReportFormat.json:
        print_json({k: v for k, v in result.as_dict().items() if k != "trace"})
        return
    if output is ReportFormat.csv:
        print_csv(result.customers, result.customer_columns)  # as customers.csv has them
        return
    console = stdout()
    if window is not None:
        console.print(f"Asked as {literal(window.text())}: "
                      f"{counted(len(result.trace.sources), 'lot')} in the window")  # fmt: skip
    console.print(f"[bold]{literal(result.trace.summary())}[/]")
    table = Table(title="Customers to contact", title_justify="left")
    for column in ("customer", "name", "contact", "shipments", "lots",
                   f"of {literal(result.trace.source_names)}"):  # fmt: skip
        table.add_column(column)
    for c in result.trace.customers[:TABLE_LIMIT]:
        quantity = amounts_text(c["source_by_uom"])
        table.add_row(literal(c["customer_id"]), literal(c["name"]), literal(c["contact"]),
                      shipment_count(c), str(c["lots"]), literal(quantity))  # fmt: skip
    console.print(table)
    # recall's JSON has no customers: the package's file and --format csv list them
    more_rows(TABLE_LIMIT, len(result.trace.customers), "customers",
              "customers.csv and --format csv list them all")  # fmt: skip
    print_totals(result.trace.totals)  # where the rest of the sources is
    # what to block in the plant: the list is in stock.csv and the workbook too
    render_stock(result.trace, listed_in=" (stock.csv)")
    located = located_text(result.trace.totals, result.trace.unmeasured_sources)
    # the recall id holds the lot ids: `DRILL-…-MK[red]1-…`
    console.print(f"{'Drill' if drill else 'Recall'} {literal(result.recall_id)}: "
                  f"{literal(located)}")  # fmt: skip
    console.print(f"Package: {literal(result.folder)} ({len(result.files)} files, "
                  "manifest.sha256)")  # fmt: skip
    note(f"package written in {result.seconds:.3f} s")


@app.command()
def history(
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP),
    verify: bool = typer.Option(
        False,
        "--verify",
        help="Trace the newest 5 recalls (not drills) taken before the last import ended "
        "again — a window's from its window, found again — and name the lots in the window now "
        "and not then, and the customers and shipments they reach now and did not name then "
        "(or no longer reach). Exit code 1 when one has changed.",
    ),
) -> None:
    """Past recall packages and drills, newest first: who, when, how long, how much located
    (unknown for a lot with no quantity of its own: `sources_without_quantity` names it), the
    import the recall was read after (`data_run_id`), and one taken while an import wrote the
    graph (`taken_during_import`)."""
    graph = open_graph()
    rows = recall_history(graph)
    checked = verify_recalls(graph, rows) if verify else []
    if output is ReportFormat.json:
        print_json({"recalls": rows, **({"verified": checked} if verify else {})})
    elif output is ReportFormat.csv:
        # the source lots readable in a cell (`R1; R2`), not as JSON text (`["R1", "R2"]`)
        print_csv(({**r, **{key: "; ".join(r.get(key) or [])
                            for key in ("source_lots", "sources_without_quantity")}}
                   for r in rows), HISTORY_COLUMNS)  # fmt: skip
    else:
        _history_table(rows)
    said = [text for text in map(_verified_text, checked) if text]
    for text in said:
        warn(text)
    if verify:
        note(f"--verify traced {counted(len(checked), 'recall')} taken before the last import "
             f"again: {counted(len(said), 'changed', 'changed')}"
             + (" (recall their lots again into a new folder: its customers.csv names whom to "
                "call)" if said else "") + _by_count_text(checked))  # fmt: skip
    if any(answer["stale"] for answer in checked):
        raise typer.Exit(1)


def _by_count_text(checked: list[dict[str, Any]]) -> str:
    """What --verify cannot see of the recalls it found unchanged by their counts alone (kept
    without their ids: before recalls kept them, or naming more than 1,000)."""
    unseen = sum(1 for answer in checked if answer.get("by_count") and not answer["stale"])
    if not unseen:
        return ""
    return (f"; {counted(unseen, 'unchanged one')} kept counts, not ids (recorded before recalls "
            "kept them, or naming more than 1,000): compared by count, a shipment removed and "
            "another added are not seen")  # fmt: skip


def _verified_text(answer: dict[str, Any]) -> str | None:
    """The warning for a recall that --verify found changed (or could not trace again)."""
    if answer["error"]:
        return f"{answer['recall_id']} could not be traced again: {answer['error']}"
    if not answer["stale"]:
        return None
    # lots its window holds now and did not then (a late step on the oven in its hours)
    parts = (
        [f"new lots in its window {', '.join(answer['new_lots'])}"]
        if answer.get("new_lots")
        else []
    )
    for kind in ("customers", "shipments"):
        new, gone = answer[f"new_{kind}"], answer[f"gone_{kind}"]
        if new is None and gone is None:  # kept counts alone: deliveries and returns alike
            parts.append(
                f"{kind} {answer[f'{kind}_counted']} now where it counted "
                f"{answer[f'{kind}_recorded']}, returns too (a late return counts)"
            )
            continue
        if new:
            parts.append(f"new {kind} {', '.join(new)}")
        if gone:
            parts.append(f"{kind} no longer reached {', '.join(gone)}")
    return (f"{answer['recall_id']} is out of date: an import since has changed what its lots "
            f"reach ({'; '.join(parts)})")  # fmt: skip


def _history_table(rows: list[dict[str, Any]]) -> None:
    """The history as a table; a recall taken during an import says so under its id."""
    title = counted(len(rows), "recall or drill", "recalls and drills")
    table = Table(title=title, title_justify="left")
    console = stdout()
    # On a narrow terminal (or a pipe given COLUMNS=80) the columns the recall id already
    # tells (DRILL-/RECALL-) and how long are left out, and who made the package and when
    # go under its id: an auditor asks who ran each drill. The id is what finds the
    # package, and it must not be cut; what it was asked by wraps instead — and the lots
    # and customers go under the id too: an id naming a window's device or a plant's
    # 8-character lot left the window 10 columns, its dates folded inside.
    wide = console.width >= 120
    table.add_column("recall", no_wrap=True)
    columns = ("drill", "when", "by", "sources", "lots", "customers", "located", "seconds")
    shown = columns if wide else ("sources", "located")
    for column in shown:
        sources = column == "sources"
        table.add_column(column, no_wrap=not sources, overflow="fold" if sources else "ellipsis")
    for r in rows:
        share = r.get("located_share")
        cells = dict(zip(columns, (
            "yes" if r.get("drill") else "no", when_text(r.get("created_at")),
            r.get("created_by") or "", _asked(r, short=not wide), str(r.get("lots", "")),
            str(r.get("customers", "")), _located(share, r),
            f"{r.get('duration_s', 0):.2f}",
        ), strict=True))  # fmt: skip
        made = (f"\n[dim]by {literal(cells['by'] or '?')}, {literal(cells['when'])}\n"
                f"{_reached(r)}[/]")  # fmt: skip
        # a recall read while an import wrote the graph may be of a half-written one
        during = r.get("taken_during_import")
        marked = f"\n[yellow]taken during import {literal(during)}[/]" if during else ""
        table.add_row(literal(r["recall_id"]) + ("" if wide else made) + marked,
                      *(literal(cells[column]) for column in shown))  # fmt: skip
    console.print(table)


def _reached(recall: dict[str, Any]) -> str:
    """`25 lots · 9 customers`: what a recall reached, under its id in a narrow table."""
    lots, customers = recall.get("lots"), recall.get("customers")
    if lots is None or customers is None:
        return ""
    return f"{counted(lots, 'lot')} · {counted(customers, 'customer')}"


def _located(share: float | None, recall: dict[str, Any]) -> str:
    """The located share as the history shows it: "unknown" for a recall of a lot with no
    quantity of its own (recorded null; it said "100.0%", by construction)."""
    if share is not None:
        return f"{share:.1%}"
    return "unknown" if recall.get("sources_without_quantity") else ""


def _asked(recall: dict[str, Any], short: bool = False) -> str:
    """What a past recall was asked by: its window (with how many lots it found), or its lots.
    `short`: the window as _short_window writes it, for a narrow table."""
    lots = recall.get("source_lots") or []
    if recall.get("window"):
        window = _short_window(recall) if short else None
        # the window's times without their zero seconds: the column stays readable
        window = window or _ZERO_SECONDS.sub(r"\1", recall["window"])
        return f"{window} ({counted(len(lots), 'lot')})"
    return ", ".join(lots)


def _short_window(recall: dict[str, Any]) -> str | None:
    """The window in parts that fit a narrow column — `device MIXER-1, 2026-11-03 07:30–08:30
    +00:00`: a space for the T, one date for a window within a day, the offset once when both
    ends have it — so that the table breaks it between date, time and offset. At 80 columns
    the ISO times (`2026-11-03T07:30+00:00`, wider than the column) were folded inside. None
    for a recall made before the window was kept in parts."""
    try:
        start, end = (datetime.fromisoformat(recall[f"window_{k}"]) for k in ("from", "to"))
    except (KeyError, TypeError, ValueError):
        return None
    clock = "%H:%M:%S" if start.second or end.second else "%H:%M"
    # +00:00, as the ISO text has it (None for a time without one: the text as it was)
    offsets = [t.isoformat(timespec="seconds")[19:] for t in (start, end)]
    if not all(offsets):
        return None
    begin, until = (f"{t:%Y-%m-%d} {t:{clock}}" for t in (start, end))
    if offsets[0] != offsets[1]:
        span = f"{begin}{offsets[0]} – {until}{offsets[1]}"
    elif start.date() == end.date():
        span = f"{begin}–{end:{clock}} {offsets[0]}"
    else:
        span = f"{begin} – {until} {offsets[0]}"
    return f"{recall.get('window_kind')} {recall.get('window_subject')}, {span}"
