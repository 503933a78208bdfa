"""`tracegraph trace …`: forward blast radius, backward genealogy, and windows (device,
operator, supplier)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from rich.tree import Tree

from tracegraph import trace as tracing
from tracegraph.cli.context import open_graph
from tracegraph.cli.group import HELP_MARKUP, SummaryGroup
from tracegraph.cli.lots_file import given_lots, lots_file_option
from tracegraph.cli.render import (
    FORMAT_HELP,
    ReportFormat,
    literal,
    note,
    plant_time,
    print_csv,
    print_json,
    stdout,
    styled,
    warn,
    working,
)
from tracegraph.config import TIMEZONE_ENV, plant_zone, plant_zone_name, resolve_timezone
from tracegraph.errors import ConfigurationError
from tracegraph.gcpause import collector_paused
from tracegraph.graph import TraceGraph
from tracegraph.report import check_writable, write_html
from tracegraph.supplier_window import SupplierWindow, trace_supplier
from tracegraph.values import counted, skipped_locally, zone_name

app = typer.Typer(
    rich_markup_mode=HELP_MARKUP,
    cls=SummaryGroup,
    help="Follow lots downstream (blast radius) or upstream (genealogy).",
    no_args_is_help=True,
)

TREE_LIMIT = 60  # tree nodes shown on a terminal; json and csv always carry everything
TABLE_LIMIT = 40
FLAGGED_SHOWN = 20  # held or rejected lots named after a forward trace's tables

LOT_CSV = (
    "lot_id", "material_id", "depth", "quantity", "uom", "lot_quantity", "lot_uom", "status",
    "origin_known",
)  # fmt: skip
FORWARD_CSV = (
    *LOT_CSV, "shipment_id", "customer_id", "shipped_quantity", "shipped_uom", "shipped_at",
    "reference_doc", "source_quantity_shipped", "source_uom_shipped", "source_amounts",
    "source_amounts_shipped", "customer_name", "from_location_id", "is_return", "remaining",
    "remaining_uom", "stock_location_id", "stock_location_name", "stock_expires_at",
)  # fmt: skip
# A supplier window's rows: the forward trace's, then which of the window's receipts each row
# descends from (its source lots, their supplier lot numbers and receipt times, "; "-joined in
# the order received) — the CSV a recall works from had no supplier lot, only the JSON had it.
SUPPLIER_CSV = (*FORWARD_CSV, "source_lot_ids", "source_supplier_lots", "source_received_at")
# A device's or operator's window: the forward trace's rows, then the window's steps each row
# descends from (their ids, start and end times, and whether the end is unknown: such a step
# may only have run into the window) — the CSV held the trace alone.
WINDOW_CSV = (*FORWARD_CSV, "window_step_ids", "window_step_started_at",
              "window_step_ended_at", "window_step_end_unknown")  # fmt: skip
BACKWARD_CSV = (
    *LOT_CSV, "supplier_id", "supplier_lot", "received_at", "made_by_step", "operation",
    "device_id", "operator_id", "started_at", "record", "ended_at", "work_order_id",
    "step_location_id", "parameters", "device_name", "operator_name", "inspection_id",
    "inspected_at", "test", "result", "value", "unit",
)  # fmt: skip


def _format_option() -> Any:
    return typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP)


def _lots_argument() -> Any:
    return typer.Argument(
        None,
        help="Lot ids, supplier lot numbers or identity keys, or shipment|ID for the lots a "
        "shipment carried (or give them with --lots-file).",
    )


def _html_option() -> Any:
    return typer.Option(
        None, "--html", help="Also write a self-contained HTML picture of the trace to this file."
    )


@app.command()
def forward(
    lots: list[str] = _lots_argument(),
    lots_file: Path = lots_file_option(),
    output: ReportFormat = _format_option(),
    html: Path = _html_option(),
) -> None:
    """Everything downstream of LOTS: lots, shipments and customers, how much reached them,
    and what is still in stock to block.

    "of LOT" columns are how much of the source lots reached each lot or shipment line,
    weighed through splits and merges in the first source's unit (sources in kg and in pcs:
    each in its own) — not the lot's own quantity, which is shown beside it. "To block" lists
    the sources and lots with something left by their records (in the lot's own unit, as `lot
    show` counts it), where they are and how much of the sources they hold (`stock` in the
    JSON; `remaining`, `stock_location_id` on the lot rows). CSV: one row per lot and shipment line.
    Exit code 2 (and nothing on stdout) for an unknown lot.
    """
    lots = given_lots(lots, lots_file, "tracegraph trace forward")
    if html is not None:
        check_writable(html)
    graph = open_graph()
    with working("tracing downstream"):
        result = tracing.trace_forward(graph, lots)
    picture = (html, result, "Forward trace of " + ", ".join(lots)) if html else None
    _show(graph, result, output, picture, render_forward, forward_csv_rows, FORWARD_CSV)


@app.command()
def backward(
    lots: list[str] = _lots_argument(),
    lots_file: Path = lots_file_option(),
    output: ReportFormat = _format_option(),
    html: Path = _html_option(),
) -> None:
    """Everything upstream of LOTS: input lots, suppliers and their lot numbers, steps with
    device, operator and parameters, inspections, and hold/reject status.

    Each step on a device carries the device's events during it (alarms and failed
    calibrations warned of, one line each) and its last calibration before it
    (`device_events`, `calibrated_before`).

    A lot whose own quantity its records contradict is weighed as the largest of its quantity,
    what its steps made of it and what it gave, with a warning beyond check's 15 %.

    Quantities are how much of each input lot went into LOTS; with several LOTS the tree
    shows no amount under a step (it would be the total of all LOTS, not that branch's), and
    the received lots' table gives the total, labelled "used (all N traced)".

    CSV: one row per lot — LOTS
    first, at depth 0, then the upstream lots — and step that made it (`record` lot: the step's
    device and operator with their names, work order, location and parameters as
    `name=value; …`), then one row per inspection (`record` inspection: its lot, step, test,
    result and value). Exit code 2 for an unknown lot.
    """
    lots = given_lots(lots, lots_file, "tracegraph trace backward")
    if html is not None:
        check_writable(html)
    graph = open_graph()
    with working("tracing upstream"):
        result = tracing.trace_backward(graph, lots)
    picture = (html, result, "Backward trace of " + ", ".join(lots)) if html else None
    # warnings: alarms during the steps, steps after or during a failed calibration
    _show(graph, result, output, picture, render_backward, backward_csv_rows, BACKWARD_CSV)


def _from_option(example: str) -> Any:
    return typer.Option(..., "--from", help=f"Window start, ISO 8601 ({example}).")


def _to_option() -> Any:
    return typer.Option(..., "--to", help="Window end (exclusive), ISO 8601.")


def _timezone_option() -> Any:
    return typer.Option(
        None,
        "--timezone",
        help="Zone of times given without an offset (default: TRACEGRAPH_TIMEZONE, else UTC, "
        "as `import` reads them). A date alone is the day's first instant there; a time its "
        "clocks skip or show twice is refused: give it with its offset.",
    )


def _window_command(kind: str) -> Any:
    def command(
        subject: str = typer.Argument(..., metavar=kind.upper(), help=f"The {kind} id."),
        start: str = _from_option("2026-11-03T02:00"),
        end: str = _to_option(),
        timezone: str = _timezone_option(),
        output: ReportFormat = _format_option(),
        html: Path = _html_option(),
    ) -> None:
        window_start, window_end = window_bounds(start, end, timezone)
        if html is not None:
            check_writable(html)
        graph = open_graph()
        with working(f"tracing the {kind}'s window"):
            result = tracing.trace_window(graph, kind, subject, window_start, window_end)
        # warnings: steps with no end time, included as they may have run in the window
        _show_window(graph, result, output, html, render_window, window_csv_rows, WINDOW_CSV)

    command.__doc__ = (
        f"Lots the {kind} produced in a time window (steps overlapping [--from, --to)), "
        "with each step's process parameters (`parameters` in the JSON), "
        "and their blast radius downstream.\n\n"
        "A step with no end time is in the window when it started in it, or started less "
        f"than the {kind}'s longest step before --from (it may have run into the window): "
        "its end shows as unknown, with a warning (`end_unknown` and `warnings` in the JSON). "
        "The CSV has the forward trace's rows, each ending with the window's steps it descends "
        "from (window_step_ids, window_step_started_at, window_step_ended_at, "
        "window_step_end_unknown)."
    )
    return command


app.command("device")(_window_command("device"))
app.command("operator")(_window_command("operator"))


@app.command("supplier")
def supplier(
    subject: str = typer.Argument(..., metavar="SUPPLIER", help="The supplier id."),
    start: str = _from_option("2026-11-01T00:00"),
    end: str = _to_option(),
    timezone: str = _timezone_option(),
    output: ReportFormat = _format_option(),
    html: Path = _html_option(),
) -> None:
    """Lots received from SUPPLIER in a time window ([--from, --to), by receipt date), with
    their supplier lot numbers, and their blast radius downstream.

    For a supplier's notice that names a span of its deliveries, not our lot ids ("batches
    shipped to you from 1 to 5 November"). Lots of the supplier with no receipt date are in no
    window: a warning counts and names them (`undated_lots`, `undated_lot_ids` in the JSON).
    The CSV has the forward trace's rows, each ending with the receipts it descends from
    (source_lot_ids, source_supplier_lots, source_received_at)."""
    window_start, window_end = window_bounds(start, end, timezone)
    if html is not None:
        check_writable(html)
    graph = open_graph()
    with working("tracing the supplier's window"):
        result = trace_supplier(graph, subject, window_start, window_end)
    _show_window(graph, result, output, html, render_supplier_window, supplier_csv_rows,
                 SUPPLIER_CSV)  # fmt: skip


def _window_csv_rows(result: Any) -> list[dict[str, Any]]:
    return forward_csv_rows(result.forward) if result.forward else []


def _show_window(
    graph: TraceGraph,
    result: Any,
    output: ReportFormat,
    html: Path | None,
    render: Callable[[Any], None],
    csv_rows: Callable[[Any], list[dict[str, Any]]] = _window_csv_rows,
    csv_columns: tuple[str, ...] = FORWARD_CSV,
) -> None:
    """A window's answer (a device's, an operator's, a supplier's): its downstream as a
    picture, JSON, CSV (the forward trace's rows) or the terminal's tables; then its warnings."""
    picture = None
    if html is not None and result.forward is not None:
        picture = (html, result.forward, result.summary())
    _show(graph, result, output, picture, render, csv_rows, csv_columns)


def _show(
    graph: TraceGraph,
    result: Any,
    output: ReportFormat,
    picture: tuple[Path, Any, str] | None,
    render: Callable[[Any], None],
    csv_rows: Callable[[Any], list[dict[str, Any]]],
    csv_columns: tuple[str, ...],
) -> None:
    """An answer (read from `graph`) as every trace command gives it: the picture (file, trace,
    title) if asked for, then JSON, CSV or the terminal's tables, then its warnings on stderr."""
    # Collector paused as while tracing (see gcpause), for all of it: a wide trace's CSV rows
    # are tens of thousands of dicts, and the collector walked the whole trace again and again
    # as they were made (a 3,200-lot trace's rows took three times as long); the warnings,
    # computed (a property) outside it, left a 100k-lot trace 0.7 s slower at the terminal.
    with collector_paused():
        if picture is not None:
            path, drawn, title = picture
            write_html(path, drawn, title=title)
            note(f"picture written to {path}")
        running = graph.import_warnings()  # the answer is read: was an import writing meanwhile?
        if output is ReportFormat.json:
            answer = result.as_dict()
            print_json({**answer, "warnings": [*running, *answer.get("warnings", [])]})
        elif output is ReportFormat.csv:
            print_csv(csv_rows(result), csv_columns)
        else:
            render(result)
        for text in [*running, *result.warnings]:
            warn(text)


def window_bounds(start: str, end: str, timezone: str | None) -> tuple[str, str]:
    """--from and --to as ISO 8601 with an offset; an empty or reversed window is refused.
    Times without an offset are read in `timezone`, else TRACEGRAPH_TIMEZONE, else UTC — the
    zone `import` reads them in (the plant's): windows were read in this machine's zone, an
    hour from the times an import without the variable had stored as UTC, without a word. Read
    as UTC by default, a note says so, as the import's does. An unknown `timezone` is refused
    even when both times carry an offset (it was accepted silently then)."""
    if timezone:
        name, zone = timezone, resolve_timezone(timezone, "--timezone")
    else:
        name, zone = plant_zone() or ("UTC", ZoneInfo("UTC"))
    window_start, window_end = parse_time(start, zone, name), parse_time(end, zone, name)
    if not timezone and plant_zone_name() is None:
        local = [text for text, given in (("--from", start), ("--to", end))
                 if datetime.fromisoformat(_rfc3339(given.strip())).tzinfo is None]  # fmt: skip
        if local:
            note(
                f"{' and '.join(local)} without a UTC offset {'was' if len(local) == 1 else 'were'}"
                f" read as UTC time, as `import` reads times without one ({TIMEZONE_ENV} is not "
                "set: give --timezone ZONE, or set it to the plant's zone)"
            )
    # Instants, not text: 08:00+01:00 is before 07:30Z although it sorts after it.
    began, ends = datetime.fromisoformat(window_start), datetime.fromisoformat(window_end)
    if ends <= began:
        raise ConfigurationError(
            f"the window from {window_start} to {window_end} "
            + ("is empty: the two are the same moment" if ends == began else
               "ends before it starts"),
            hint="give a --to after --from" if ends == began else "swap --from and --to",
        )  # fmt: skip
    return window_start, window_end


def _rfc3339(text: str) -> str:
    """`text` with RFC 3339's lowercase `z` (and `t`) as ISO 8601's, which Python reads."""
    if len(text) > 10 and text[10] == "t":
        text = text[:10] + "T" + text[11:]
    return text[:-1] + "Z" if text.endswith("z") else text


def parse_time(text: str, zone: ZoneInfo, where: str) -> str:
    """ISO 8601 text with an offset; a time without one is read in `zone` (named `where`). A
    date alone is that day's first instant there, as `import` reads it (a day whose midnight
    the clocks skip, 6 September 2026 in Santiago, begins at 01:00: it was refused as a time
    that "did not happen"). A local time the clocks skipped or passed twice is refused, as is
    a time before year 1 or after 9999 in UTC (the window is sought in UTC)."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(_rfc3339(text))
    except ValueError:
        raise ConfigurationError(
            f"{text!r} is not a date and time", hint="write it as 2026-11-03T02:00 or with +01:00"
        ) from None
    try:
        if moment.tzinfo is None and _DATE_ONLY.fullmatch(text):
            moment = moment.replace(tzinfo=zone, fold=0)  # fold 0: the first of a day's midnights
            # a skipped midnight read with the offset before the change: the day's first instant
            moment = moment.astimezone(UTC).astimezone(zone)
        elif moment.tzinfo is None:
            moment = _local_moment(text, moment, zone, where)
        moment.astimezone(UTC)
    except (OverflowError, ValueError):  # a year 0 or 10000 somewhere on the way to UTC
        raise ConfigurationError(
            f"{text} is not a time in years 1 to 9999 in UTC, where windows are sought",
            hint="give a time inside them (0001-01-02T00:00 is early enough for any record)",
        ) from None
    return moment.isoformat()


_DATE_ONLY = re.compile(r"\d{4}-?\d{2}-?\d{2}")


def _local_moment(text: str, wall: datetime, zone: ZoneInfo, where: str) -> datetime:
    """`wall` (no offset) read in `zone`: both ways of reading it (fold 0 and 1) must name one
    instant. Read as either hour, a time the clocks passed twice missed what happened in the
    other without a word (02:35 on 25 October in Berlin); one they skipped was read as another
    hour and made a window "empty" (02:30 to 03:30 on 29 March)."""
    first, second = (wall.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
    offsets = [moment.isoformat()[-6:] for moment in (first, second)]
    if skipped_locally(wall, zone):
        raise ConfigurationError(
            f"{text} did not happen in {where}: the clocks went forward over it",
            hint=f"give the time with its offset ({offsets[0]} before the change, "
            f"{offsets[1]} after it), or a time outside the change",
        )
    if first.utcoffset() != second.utcoffset():
        raise ConfigurationError(
            f"{text} happened twice in {where}: the clocks went back over it",
            hint=f"give the time with its offset ({offsets[0]} the first time, {offsets[1]} "
            f"the second), or a time outside the change",
        )
    return first


# --- csv rows --------------------------------------------------------------------------------


def forward_csv_rows(result: tracing.ForwardTrace) -> list[dict[str, Any]]:
    """One row per reached lot and shipment line (a lot not shipped has one row, no shipment)."""
    lines: dict[str, list[dict[str, Any]]] = {}
    for shipped in result.shipments:
        lines.setdefault(shipped["lot_id"], []).append(shipped)
    rows = []
    no_shipment: list[dict[str, Any] | None] = [None]
    # a source's own quantity in lot_quantity too, as every other row has it (it was empty)
    sources = ({**s, "depth": 0, "lot_quantity": s["quantity"], "lot_uom": s["uom"]}
               for s in result.sources)  # fmt: skip
    for lot in [*sources, *result.lots]:
        for line in lines.get(lot["lot_id"], no_shipment):
            # amounts per unit: the only figures where the sources are in kg and in pcs
            row = {**lot, "source_amounts": tracing.amounts_text(lot.get("by_uom") or {})}
            if line:
                row.update(
                    shipment_id=line["shipment_id"],
                    customer_id=line["customer_id"],
                    shipped_quantity=line["quantity"],
                    shipped_uom=line["uom"],
                    shipped_at=line["shipped_at"],
                    reference_doc=line["reference_doc"],
                    source_quantity_shipped=line["source_quantity"],
                    source_uom_shipped=line["source_uom"],
                    source_amounts_shipped=tracing.amounts_text(line["source_by_uom"]),
                    customer_name=line["customer_name"],
                    from_location_id=line["from_location_id"],
                    is_return=line["is_return"],
                )
            rows.append(row)
    return rows


def _sources_of(row: dict[str, Any], window_lots: list[str]) -> list[str]:
    """The window's lots a CSV row descends from: a source row its own; a lot downstream those
    its quantity came from (`from_sources`), or the window's one lot; none for a lot of several
    sources the trace could not weigh (a step without quantities), rather than sources it may
    not hold."""
    sources = [row["lot_id"]] if row["depth"] == 0 else list(row.get("from_sources") or ())
    return sources if sources or len(window_lots) != 1 else window_lots


def window_csv_rows(result: tracing.WindowTrace) -> list[dict[str, Any]]:
    """The forward trace's rows, each with the window's steps that made the lots it descends
    from (see WINDOW_CSV)."""
    made_by: dict[str, list[dict[str, Any]]] = {}
    for step in result.steps:
        for lot in step["lots"]:
            made_by.setdefault(lot, []).append(step)
    window_lots = result.processed_lots  # a property that walks the steps: once
    rows = _window_csv_rows(result)
    for row in rows:
        steps = list({s["step_id"]: s for lot in _sources_of(row, window_lots)
                      for s in made_by.get(lot, ())}.values())  # fmt: skip
        row.update(
            window_step_ids="; ".join(s["step_id"] for s in steps),
            window_step_started_at="; ".join(str(s["started_at"] or "") for s in steps),
            window_step_ended_at="; ".join(str(s["ended_at"] or "") for s in steps),
            window_step_end_unknown="; ".join(
                "true" if s.get("end_unknown") else "false" for s in steps
            ),
        )
    return rows


def supplier_csv_rows(result: SupplierWindow) -> list[dict[str, Any]]:
    """The forward trace's rows, each with the receipts of the source lots it descends from
    (see _sources_of)."""
    # Every receipt of a lot, in the order received: the import writes one per lot (one lots
    # row, one SUPPLIED_BY), but the graph may hold more (a second delivery under the same lot
    # id added in Browser or by another loader), and `receipts` lists each; the CSV kept the
    # first and dropped the rest.
    receipts: dict[str, list[dict[str, Any]]] = {}
    for receipt in result.receipts:
        receipts.setdefault(receipt["lot_id"], []).append(receipt)
    rows = _window_csv_rows(result)
    for row in rows:
        of = [r for s in _sources_of(row, result.received_lots) for r in receipts.get(s, ())]
        row.update(
            source_lot_ids="; ".join(r["lot_id"] for r in of),
            source_supplier_lots="; ".join(str(r["supplier_lot"] or "") for r in of),
            source_received_at="; ".join(str(r["received_at"] or "") for r in of),
        )
    return rows


def backward_csv_rows(result: tracing.BackwardTrace) -> list[dict[str, Any]]:
    """One row per lot (the traced lots first, at depth 0, then the upstream lots) and step
    that made it (a lot reworked in place has two; a received lot one, without a step), with
    the step's device, operator, work order, location and parameters; then one row per
    inspection. The CSV had the upstream lot rows alone: the devices' and operators' names, the
    parameters, every inspection and the traced lots' own steps were in the JSON only."""
    made_by: dict[str, list[dict[str, Any]]] = {}
    for step in result.steps:
        for out in step["outputs"]:
            made_by.setdefault(out["lot_id"], []).append(step)
    names = {("device", d["device_id"]): d.get("name") for d in result.devices}
    names |= {("operator", o["operator_id"]): o.get("name") for o in result.operators}
    # the traced lots first, at depth 0 with their own quantity (as the forward CSV has its
    # sources) and receipt: the CSV began at their inputs, without the step that made the
    # complaint lot — its device, operator and parameters, the likeliest cause
    received: dict[str, dict[str, Any]] = {}
    for supplier in result.suppliers:  # a lot's first receipt, as its lot row has (supplied_by[0])
        for got in supplier["lots"]:
            received.setdefault(got["lot_id"], {"supplier_id": supplier["supplier_id"], **got})
    sources = [{**s, "depth": 0, "lot_quantity": s["quantity"], "lot_uom": s["uom"],
                "origin_known": s.get("origin_known") is not False,
                **{k: received.get(s["lot_id"], {}).get(k)
                   for k in ("supplier_id", "supplier_lot", "received_at")}}
               for s in result.sources]  # fmt: skip
    rows = []
    for lot in [*sources, *result.lots]:
        for step in made_by.get(lot["lot_id"]) or [{}]:
            parameters = step.get("parameters") or {}
            rows.append(
                {
                    **lot,
                    "record": "lot",
                    "made_by_step": step.get("step_id"),
                    "operation": step.get("operation"),
                    "device_id": step.get("device_id"),
                    "operator_id": step.get("operator_id"),
                    "started_at": step.get("started_at"),
                    "ended_at": step.get("ended_at"),
                    "work_order_id": step.get("work_order_id"),
                    "step_location_id": step.get("location_id"),
                    "parameters": "; ".join(f"{k}={v}" for k, v in sorted(parameters.items())),
                    "device_name": names.get(("device", step.get("device_id"))),
                    "operator_name": names.get(("operator", step.get("operator_id"))),
                }
            )
    for inspection in result.inspections:
        rows.append(
            {
                "record": "inspection",
                "lot_id": inspection.get("lot_id"),
                "made_by_step": inspection.get("step_id"),
                "device_id": inspection.get("device_id"),
                "operator_id": inspection.get("operator_id"),
                **{key: inspection.get(key) for key in (
                    "inspection_id", "inspected_at", "test", "result", "value", "unit")},
            }
        )  # fmt: skip
    return rows


# --- terminal --------------------------------------------------------------------------------


def when_text(text: str | None) -> str:
    """An ISO time, shortened for a table: minutes and the zone — UTC named, an offset, or the
    zone name Neo4j keeps for a time set with one (a bare 08:15 read as local time by a reader
    in Berlin is an hour off; the last six characters of `+01:00[Europe/Berlin]` read
    `erlin]`). In TRACEGRAPH_TIMEZONE when it is set (see render.plant_time)."""
    if not text:
        return ""
    text = plant_time(text)  # in TRACEGRAPH_TIMEZONE when it is set
    return f"{text[:16].replace('T', ' ')} {zone_name(text)}".rstrip()


def when(text: str | None) -> str:
    """when_text as console markup (a time from the data is data)."""
    return literal(when_text(text))


def _qty(value: Any, unit: Any) -> str:
    if value is None:
        return ""
    # three decimals at every size (as amounts_text): 1150.5 kg shown as "1,150 kg" (and
    # 1,217.167 beside it in the summary) did not add up for the people reading a recall
    return literal(tracing.amounts_text({unit: value}))


def _of_source(value: Any, unit: Any, by_uom: dict[str, Any] | None) -> str:
    """How much of the sources a row holds: one amount, or one per unit when the sources are
    counted in units that do not add up (kg and pcs)."""
    return _qty(value, unit) if value is not None else literal(tracing.amounts_text(by_uom or {}))


def more_rows(
    shown: int, total: int, what: str, listed: str = "--format json or csv lists them all"
) -> None:
    if total > shown:
        stdout().print(f"[dim]… {total - shown:,} more {what} ({listed})[/]")


def _forward_label(lot: dict[str, Any], share: str = "") -> str:
    """A lot in the downstream tree: its own quantity, then how much of the sources reached
    it (`P2 BREAD 100 pcs · 0.125 kg of B`: "18.75 pcs" of a panel lot beside a board lot was
    read as 18.75 boards); a stub has no material, quantity or status to show (it showed
    `OLD-1 None ·  · `): a source says its origin is unknown, a lot downstream — a step made
    it, so its origin is known — that it has no row in the lots table."""
    label = f"[bold]{literal(lot['lot_id'])}[/] {literal(lot.get('material_id'))}".rstrip()
    own = _qty(lot.get("lot_quantity"), lot.get("lot_uom"))
    if own and share:
        label += f" {own}"
    amount = _of_source(lot.get("quantity"), lot.get("uom"), lot.get("by_uom"))
    if amount:
        label += f" · {amount}{share}"
    if lot.get("status"):
        label += f" · {styled(lot['status'])}"
    if lot.get("origin_known") is False:
        label += " · [yellow]no lots row[/]" if share else " · [yellow]origin unknown[/]"
    return label


def _print_tree(
    tree: Tree, sources: list[dict[str, Any]], label: Callable[[dict[str, Any]], str],
    grow: Callable[[Tree, str], None], budget: list[int], shown: set[str], lots: int,
) -> None:  # fmt: skip
    """Each source a root, grown by `grow`, while the tree's budget of nodes lasts — the roots
    count in it: a device window over a plant's span has 54,000 sources, and each had its line
    (2.7 MB of terminal, under a footer saying the tree shows 60 nodes). `lots`: how many the
    trace holds, sources included, for the footer (a salt lot's tree ended "the tree shows the
    first 60 nodes", not saying that 1,590 of its 1,624 lots were not in it)."""
    out = stdout()
    roots = 0
    for source in sources:
        if budget[0] <= 0:
            break
        budget[0] -= 1
        roots += 1
        shown.add(source["lot_id"])
        grow(tree.add(label(source)), source["lot_id"])
    out.print(tree)
    if roots < len(sources):
        out.print(
            f"[dim]… the tree shows the first {TREE_LIMIT} nodes, {roots:,} of the "
            f"{len(sources):,} source lots (--format json or csv lists them all)[/]"
        )
    elif budget[0] <= 0:  # the lots all shown, steps may not be
        out.print(
            f"[dim]… the tree shows the first {TREE_LIMIT} nodes, {len(shown):,} of the "
            f"{lots:,} lots (--format json or csv lists them all)[/]"
        )


def render_forward(result: tracing.ForwardTrace, timed: bool = True) -> None:
    """The forward trace for people; `timed`: end with its time (a window's downstream part
    has none of its own: the window's line says how long all of it took)."""
    out = stdout()
    out.print(f"[bold]{literal(result.summary())}[/]")
    lots = {lot["lot_id"]: lot for lot in result.lots}
    steps_of: dict[str, list[dict[str, Any]]] = {}
    for step in result.steps:
        for lot in step["inputs"]:
            steps_of.setdefault(lot, []).append(step)
    tree = Tree("[bold]downstream[/]")
    budget = [TREE_LIMIT]
    shown: set[str] = set()

    def grow(branch: Tree, lot_id: str) -> None:
        for step in steps_of.get(lot_id, []):
            if budget[0] <= 0:
                return
            budget[0] -= 1
            child = branch.add(
                f"[cyan]{literal(step['step_id'])}[/] {literal(step['operation'])} "
                f"{when(step['started_at'])}"
            )
            for out_id in step["outputs"]:
                lot = lots.get(out_id)
                if lot is None or budget[0] <= 0:
                    continue
                budget[0] -= 1
                label = _forward_label(lot, f" of {literal(result.source_names)}")
                if out_id in shown:
                    child.add(label + " [dim](shown above)[/]")
                    continue
                shown.add(out_id)
                grow(child.add(label), out_id)

    reached = len(result.sources) + len(result.lots)
    _print_tree(tree, result.sources, _forward_label, grow, budget, shown, reached)

    of_sources = f"of {literal(result.source_names)}"
    if result.customers:
        table = Table(title="Customers to contact", title_justify="left")
        for column in ("customer", "name", "contact", "shipments", "lots", of_sources):
            table.add_column(
                column, justify="right" if column in ("shipments", "lots", of_sources) else "left"
            )
        for c in result.customers[:TABLE_LIMIT]:
            table.add_row(
                literal(c["customer_id"]),
                literal(c["name"]),
                literal(c["contact"]),
                shipment_count(c),
                str(c["lots"]),
                _of_source(c["source_quantity"], c["source_uom"], c["source_by_uom"]),
            )
        out.print(table)
        more_rows(TABLE_LIMIT, len(result.customers), "customers")
    if result.shipments:
        table = Table(title="Shipments", title_justify="left")
        for column in (
            "shipment",
            "shipped at",
            "customer",
            "lot",
            "shipped",
            of_sources,
            "document",
        ):
            table.add_column(column)
        for s in result.shipments[:TABLE_LIMIT]:
            quantity = _qty(s["quantity"], s["uom"]) + (
                " [yellow](return)[/]" if s["is_return"] else ""
            )
            table.add_row(
                literal(s["shipment_id"]),
                when(s["shipped_at"]),
                literal(s["customer_id"]),
                literal(s["lot_id"]),
                quantity,
                _of_source(s["source_quantity"], s["source_uom"], s["source_by_uom"]),
                literal(s["reference_doc"]),
            )
        out.print(table)
        more_rows(TABLE_LIMIT, len(result.shipments), "shipment lines")
    render_stock(result)
    flagged = [lot for lot in result.lots if lot["status"] in ("hold", "rejected")]
    if flagged:
        out.print(
            f"[bold yellow]{counted(len(flagged), 'downstream lot')} "
            f"{'is' if len(flagged) == 1 else 'are'} on hold or rejected:[/] "
            + ", ".join(
                f"{literal(lot['lot_id'])} ({styled(lot['status'])})"
                for lot in flagged[:FLAGGED_SHOWN]
            )
            + (
                f" and {len(flagged) - FLAGGED_SHOWN:,} more"
                if len(flagged) > FLAGGED_SHOWN
                else ""
            )
        )
    print_totals(result.totals)
    if timed:
        note(f"traced in {result.seconds:.3f} s")


def render_stock(result: tracing.ForwardTrace, listed_in: str = "") -> None:
    """What is still in stock to block: each lot's rest in its own unit, where it is, its
    status and how much of the sources it holds — six narrow columns, for an 80-column
    terminal (expiry is in the JSON, the CSV and the recall package)."""
    out = stdout()
    if result.stock:
        table = Table(title="To block (left in stock)", title_justify="left")
        columns = ("lot", "material", "left", "location", "status",
                   f"of {literal(result.source_names)}")  # fmt: skip
        for column in columns:
            table.add_column(column, justify="right" if column == "left" else "left")
        for row in result.stock[:TABLE_LIMIT]:
            table.add_row(
                literal(row["lot_id"]),
                literal(row["material_id"]),
                stock_left(row),
                literal(row["location_id"]) or "[yellow]unknown[/]",
                styled(row["status"]),
                _of_source(row["source_quantity"], row["source_uom"], row["source_by_uom"]),
            )
        out.print(table)
        more_rows(TABLE_LIMIT, len(result.stock), "lots in stock")
    out.print(f"[bold]{literal(result.stock_text() + listed_in)}[/]")


def stock_left(row: dict[str, Any]) -> str:
    """A lot's rest in its own unit; `unknown` for a lot without a quantity (nothing is made
    up), and a mark where records in another unit could not be counted."""
    if row["remaining"] is None:
        return "[yellow]unknown[/]"
    mark = " [yellow]+?[/]" if row["remaining_uncounted"] else ""
    return _qty(row["remaining"], row["remaining_uom"]) + mark


def print_totals(totals: dict[str, Any]) -> None:
    """Where the sources went, a line per unit (sources in kg and pcs do not add up)."""
    for line in tracing.totals_lines(totals):
        stdout().print("[dim]" + literal(line) + "[/]")


def shipment_count(customer: dict[str, Any]) -> str:
    """A customer's deliveries, and its returns beside them: `2 + 1 return`."""
    returns = customer.get("returns") or 0
    return f"{customer['shipments']:,}" + (f" + {counted(returns, 'return')}" if returns else "")


def render_backward(result: tracing.BackwardTrace) -> None:
    out = stdout()
    out.print(f"[bold]{literal(result.summary())}[/]")
    lots = {lot["lot_id"]: lot for lot in [*result.sources, *result.lots]}
    # every step that made a lot (a lot reworked in place has two: the one that made it and
    # the rework, whose input is the lot itself — one step per lot showed only the rework)
    made_by: dict[str, list[dict[str, Any]]] = {}
    for step in result.steps:
        for output in step["outputs"]:
            made_by.setdefault(output["lot_id"], []).append(step)
    tree = Tree("[bold]upstream[/]")
    budget = [TREE_LIMIT]
    shown: set[str] = set()

    # A lot's quantity is how much of it went into all the traced lots (JSON `quantity`). With
    # one lot traced that is the lot's share in it, shown under the step. With several it is
    # the trace's total, which under a branch read as that branch's (33 lots traced: `SALT ·
    # 15.565 kg` under a mix of 1 kg), and a step's whole intake is not the traced lots' share
    # either (a pack step split one batch into three lots): so no amount under a step then,
    # and the received lots' table gives the total, labelled so.
    several = len(result.sources) > 1

    def lot_label(lot: dict[str, Any], under_step: bool = False) -> str:
        label = f"[bold]{literal(lot['lot_id'])}[/] {literal(lot.get('material_id'))}"
        if lot.get("quantity") is not None and not (several and under_step):
            label += f" · {_qty(lot['quantity'], lot['uom'])}"
        if lot.get("supplier_id"):
            label += (f" · supplier {literal(lot['supplier_id'])} "
                      f"lot [bold]{literal(lot['supplier_lot'])}[/]")  # fmt: skip
        if lot.get("status") and lot["status"] != "released":
            label += f" · {styled(lot['status'])}"
        # by check's rule, as the summary counts them: a lot a step made without a lots row of
        # its own was "origin unknown" under the step that made it
        if lot.get("origin") == "unknown":
            label += " · [yellow]origin unknown[/]"
        return label

    def grow(branch: Tree, lot_id: str) -> None:
        for step in made_by.get(lot_id, ()):
            if budget[0] <= 0:
                return
            budget[0] -= 1
            add_step(branch, step)

    def add_step(branch: Tree, step: dict[str, Any]) -> None:
        params = parameters_text(step["parameters"])
        child = branch.add(
            f"[cyan]{literal(step['step_id'])}[/] {literal(step['operation'])} "
            f"{when(step['started_at'])} · {literal(step['device_id'] or '-')}"
            f"{_device_history(step)} · {literal(step['operator_id'] or '-')}"
            + (f" · {literal(params)}" if params else "")
        )
        for edge in step["inputs"]:
            lot = lots.get(edge["lot_id"])
            if lot is None or budget[0] <= 0:
                continue
            budget[0] -= 1
            if edge["lot_id"] in shown:
                child.add(lot_label(lot, under_step=True) + " [dim](shown above)[/]")
                continue
            shown.add(edge["lot_id"])
            grow(child.add(lot_label(lot, under_step=True)), edge["lot_id"])

    reached = len(result.sources) + len(result.lots)
    _print_tree(tree, result.sources, lot_label, grow, budget, shown, reached)
    if several and result.lots:  # lots under the steps, shown without an amount
        out.print(
            f"[dim]With {len(result.sources):,} lots traced the tree shows no amount under a "
            "step: the received lots' table gives what went into all of them[/]"
        )
    received = [lot for lot in result.lots if lot.get("supplier_id")]
    if received:
        table = Table(title="Received lots", title_justify="left")
        # with several lots traced, what went into all of them (see lot_label)
        used = f"used (all {len(result.sources):,} traced)" if several else "used"
        for column in ("lot", "material", "supplier", "supplier lot", "received", used, "status"):
            table.add_column(column)
        for lot in received[:TABLE_LIMIT]:
            table.add_row(
                literal(lot["lot_id"]),
                literal(lot["material_id"]),
                literal(lot["supplier_id"]),
                literal(lot["supplier_lot"]),
                when(lot["received_at"]),
                _qty(lot["quantity"], lot["uom"]),
                styled(lot["status"]),
            )
        out.print(table)
        more_rows(TABLE_LIMIT, len(received), "received lots")
    if result.inspections:
        table = Table(title="Inspections", title_justify="left")
        for column in ("inspection", "at", "lot", "step", "test", "result", "value", "by", "on"):
            table.add_column(column)
        for i in result.inspections[:TABLE_LIMIT]:
            value = f"{i.get('value') or ''} {i.get('unit') or ''}".strip()
            table.add_row(
                literal(i["inspection_id"]),
                when(i.get("inspected_at")),
                literal(i.get("lot_id")),
                literal(i.get("step_id")),
                literal(i.get("test")),
                styled(i.get("result")),
                literal(value),
                literal(i.get("operator_id")),  # the inspector
                literal(i.get("device_id")),  # the inspection device
            )
        out.print(table)
        more_rows(TABLE_LIMIT, len(result.inspections), "inspections")
    note(f"traced in {result.seconds:.3f} s")


def parameters_text(parameters: dict[str, Any]) -> str:
    """A step's process parameters, compact: "oven_temp_c=239, bake_min=25"."""
    return ", ".join(f"{k}={v}" for k, v in parameters.items())


def _device_history(step: dict[str, Any]) -> str:
    """A backward step's device history, compact, after the device id: its last calibration
    before the step ("cal 2026-01-05 pass"; failed in red; none recorded in yellow) and, in red, the
    alarms and failed calibrations during it (each also a warning line below the answer)."""
    if step["device_id"] is None or "calibrated_before" not in step:
        return ""
    calibration = step["calibrated_before"]
    if calibration is None:
        text = " [yellow](no calibration recorded)[/]"
    else:
        result = literal(calibration.get("result") or "no result")
        # the year too: a calibration thirteen months old (overdue) read as last month's
        day = literal((calibration.get("at") or "")[:10])
        style = "red" if tracing.failed_calibration(calibration) else "dim"
        text = f" [{style}](cal {day} {result})[/]"
    for event in step["device_events"]:
        if event.get("event") == "alarm":
            kind = literal(event.get("result"))
            text += f" [bold red]ALARM {kind} {when(event['at'])}[/]"
        elif event.get("event") == "calibration" and tracing.failed_calibration(event):
            # found out of tolerance while the step ran: shown as an alarm is
            result = literal(event.get("result"))
            text += f" [bold red]CALIBRATION FAILED ({result}) {when(event['at'])}[/]"
    return text


def _device_events(result: tracing.WindowTrace) -> None:
    """The device's calibrations, maintenance and alarms in the window, and its last
    calibration before it."""
    out = stdout()
    before = result.calibrated_before
    if before is None:
        out.print("[yellow]no calibration of the device before the window[/]")
    else:
        result_text = f" ({literal(before['result'])})" if before.get("result") else ""
        out.print(f"last calibration before the window: {when(before['at'])}{result_text}")
    if not result.events:
        out.print("no calibration, maintenance or alarm of the device in the window")
        return
    table = Table(title=f"Events of device {literal(result.subject)} in the window",
                  title_justify="left")  # fmt: skip
    for column in ("at", "event", "result", "detail"):
        table.add_column(column)
    shown = ("at", "event", "result", "device_id")
    for event in result.events[:TABLE_LIMIT]:
        detail = "; ".join(f"{k} {v}" for k, v in sorted(event.items())
                           if k not in shown and v is not None)  # fmt: skip
        table.add_row(when(event["at"]), styled(event["event"]), styled(event.get("result")),
                      literal(detail))  # fmt: skip
    out.print(table)
    more_rows(TABLE_LIMIT, len(result.events), "events")


def _ended(step: dict[str, Any], assumed: bool) -> str:
    """A window step's end; with none, says so (and, for one begun before the window, that
    it is in the answer because it may have run into the window)."""
    if not step["end_unknown"]:
        return when(step["ended_at"])
    return "[yellow]unknown: may have run in the window[/]" if assumed else "unknown"


def render_supplier_window(result: SupplierWindow) -> None:
    out = stdout()
    out.print(f"[bold]{literal(result.summary())}[/]")
    table = Table(title=f"Lots received from {literal(result.supplier_id)}", title_justify="left")
    for column in ("lot", "material", "supplier lot", "received", "quantity", "status"):
        table.add_column(column)
    for receipt in result.receipts[:TABLE_LIMIT]:
        table.add_row(
            literal(receipt["lot_id"]),
            literal(receipt["material_id"]),
            literal(receipt["supplier_lot"]),
            when(receipt["received_at"]),
            _qty(receipt["quantity"], receipt["uom"]),
            styled(receipt["status"]),
        )
    out.print(table)
    more_rows(TABLE_LIMIT, len(result.receipts), "lots")
    if result.forward:
        render_forward(result.forward, timed=False)
    note(f"traced in {result.seconds:.3f} s")


def render_window(result: tracing.WindowTrace) -> None:
    out = stdout()
    out.print(f"[bold]{literal(result.summary())}[/]")
    table = Table(title=f"Steps on {result.kind} {literal(result.subject)}", title_justify="left")
    for column in (
        "step",
        "operation",
        "started",
        "ended",
        "device" if result.kind == "operator" else "operator",
        "parameters",
        "lots produced",
    ):
        table.add_column(column)
    other = "device_id" if result.kind == "operator" else "operator_id"
    assumed = set(result.assumed)
    for step in result.steps[:TABLE_LIMIT]:
        table.add_row(
            literal(step["step_id"]),
            literal(step["operation"]),
            when(step["started_at"]),
            _ended(step, step["step_id"] in assumed),
            literal(step[other]),
            literal(parameters_text(step["parameters"])),
            literal(", ".join(step["lots"])),
        )
    out.print(table)
    more_rows(TABLE_LIMIT, len(result.steps), "steps")
    if result.kind == "device":
        _device_events(result)
    if result.forward:
        render_forward(result.forward, timed=False)
    note(f"traced in {result.seconds:.3f} s")
