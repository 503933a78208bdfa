"""`tracegraph lot show`: one lot's dossier on one screen."""

from __future__ import annotations

from collections import Counter
from typing import Any

import typer
from rich.table import Table

from tracegraph.cli.context import open_graph
from tracegraph.cli.group import HELP_MARKUP, SummaryGroup
from tracegraph.cli.render import (
    FORMAT_HELP,
    ReportFormat,
    literal,
    print_csv,
    print_json,
    stdout,
    styled,
    warn,
)
from tracegraph.cli.trace import when
from tracegraph.importing.tables import TABLES
from tracegraph.lots import show_lot
from tracegraph.trace import amounts_text
from tracegraph.values import counted, instant_key

app = typer.Typer(
    rich_markup_mode=HELP_MARKUP,
    cls=SummaryGroup,
    help="Look at single lots.",
    no_args_is_help=True,
)

HISTORY_LIMIT = 40  # events shown on a terminal; csv and json carry them all
HISTORY_FIRST = 10  # of them, the lot's first (its origin); the rest its newest
# a step's other lots named in a history row on a terminal; csv and json name them all (a
# step with 20,000 input lots printed every id in one cell)
IDS_SHOWN = 20
TIMELINE_CSV = ("at", "event", "reference", "quantity", "uom", "detail")

# what an inspection's detail names besides test and value: its step, inspector and device
_INSPECTION_LINKS = (("during", "step_id"), ("by", "operator_id"), ("on", "device_id"))


# the lots table's own columns, and what the import keeps beside them
LOT_COLUMNS = frozenset({c.name for c in TABLES["lots"].columns} | {"origin_known"})


@app.command()
def show(
    lot: str = typer.Argument(..., help="A lot id, supplier lot number or identity key."),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """The lot's dossier: identity and aliases, origin, process, inspections, where it went.

    "Left by its records" is its quantity less what went into steps and was shipped, plus
    returns, in its own unit: what may still be in stock to block (the CSV's last row, after
    the history it sums). A rework in place that gave back less than it took used the rest; a
    lot two steps or more booked more into than its quantity (a rework loop's return) holds
    that too ("+ 1 booked back").

    Ambiguous or unknown ids exit with code 2 and list the close candidates.
    """
    graph = open_graph()
    dossier = show_lot(graph, lot)
    running = graph.import_warnings()  # an import writing the graph meanwhile
    for text in running:
        warn(text)
    if output is ReportFormat.json:
        print_json({**dossier, "warnings": running})
    elif output is ReportFormat.csv:
        print_csv([*timeline(dossier), *balance_rows(dossier)], TIMELINE_CSV)
    else:
        render(dossier)


def _parameters(parameters: dict[str, Any]) -> str:
    """A step's process parameters (extra columns of steps) for a history line: they were in
    the JSON only (an oven's temperature is what a complaint investigation looks for)."""
    return "".join(f"; {name} {value}" for name, value in sorted(parameters.items()))


def extra_properties(lot: dict[str, Any]) -> dict[str, Any]:
    """The lot's extra columns (a test report number, a grade): what is not a lots column."""
    return {k: v for k, v in sorted(lot.items())
            if k not in LOT_COLUMNS and k not in ("material", "location")
            and v is not None}  # fmt: skip


def timeline(dossier: dict[str, Any], ids_shown: int | None = None) -> list[dict[str, Any]]:
    """Everything that happened to the lot, one row per event, in time order. `ids_shown`:
    how many of a step's other lots a row names (the rest counted); None: all of them."""
    events: list[dict[str, Any]] = []
    for r in dossier["received"]:
        events.append(
            {
                "at": r["received_at"],
                "event": "received",
                "reference": r["supplier_id"],
                # a receipt without the supplier's lot number printed "supplier lot None"
                "detail": f"supplier lot {r['supplier_lot']}"
                if r["supplier_lot"] is not None
                else "no supplier lot recorded",
            }
        )
    # A rework in place takes the lot in, then gives it back, both at the step's start: its
    # use goes just before what it produced (the history listed "produced" first), after what
    # other steps produced then. Other uses keep their place, after inspections of that time.
    uses = {s["step_id"]: _use(s, ids_shown) for s in dossier["used_in"]}
    for s in sorted(dossier["made_by"], key=lambda s: s["step_id"] in uses):  # stable
        if s["step_id"] in uses:
            events.append(uses.pop(s["step_id"]))
        inputs = _lot_ids(s["lots"], ids_shown)
        events.append(
            {
                "at": s["started_at"],
                "event": f"produced ({s['operation']})",
                "reference": s["step_id"],
                "quantity": s["quantity"],
                "uom": s["uom"],
                "detail": f"from {inputs}; {s['device_id'] or '-'}, {s['operator_id'] or '-'}"
                + _parameters(s["parameters"]),
            }
        )
    for i in dossier["inspections"]:  # a check of the step that made the lot has its step_id
        events.append(
            {
                "at": i.get("inspected_at"),
                "event": f"inspected: {i.get('result')}",
                "reference": i["inspection_id"],
                # only what is recorded: "incoming  " had two spaces after it in the CSV
                "detail": " ".join(
                    str(v)
                    for v in (i.get("test"), i.get("value"), i.get("unit"))
                    if v is not None and v != ""
                )
                + "".join(f"; {word} {i[key]}" for word, key in _INSPECTION_LINKS if i.get(key)),
            }
        )
    events += uses.values()
    for s in dossier["shipments"]:
        kind = "returned" if (s["quantity"] or 0) < 0 else "shipped"
        events.append(
            {
                "at": s["shipped_at"],
                "event": kind,
                "reference": s["shipment_id"],
                "quantity": s["quantity"],
                "uom": s["uom"],
                "detail": " ".join(
                    str(v) for v in (s["customer_id"], s["customer_name"], s["reference_doc"]) if v
                ),
            }
        )
    for c in dossier["changes"]:
        what = "; ".join(f"{x['column']} {x['before'] or '-'} → {x['after'] or '-'}"
                         for x in c["columns"])  # fmt: skip
        events.append(
            {
                "at": c["at"],
                "event": ("removed by import (--full)" if c.get("removed") else "changed by import")
                + (" (interrupted: see its re-run)" if c["run_status"] == "interrupted" else ""),
                "reference": c["run_id"],
                "detail": f"{c['table']} {c['key']}: {what}",
            }
        )
    return sorted(events, key=lambda e: instant_key(e["at"]))  # as instants, not as text


def _use(step: dict[str, Any], ids_shown: int | None) -> dict[str, Any]:
    """The history's row of a step that used the lot."""
    # a step with no outputs printed "into " and nothing after it
    outputs = _lot_ids(step["lots"], ids_shown) or "nothing recorded"
    return {
        "at": step["started_at"],
        "event": f"used ({step['operation']})",
        "reference": step["step_id"],
        "quantity": step["quantity"],
        "uom": step["uom"],
        "detail": f"into {outputs}" + _parameters(step["parameters"]),
    }


def _lot_ids(lots: list[dict[str, Any]], shown: int | None) -> str:
    """`A, B, C` or, beyond `shown` (None: no limit), `A, B, … and 19,980 more`."""
    ids = [lot["lot_id"] for lot in lots]
    if shown is None or len(ids) <= shown:
        return ", ".join(ids)
    return ", ".join(ids[:shown]) + f", … and {len(ids) - shown:,} more"


def balance_text(balance: dict[str, Any]) -> str:
    """`left by its records: 100 kg − 60 used − 30 shipped + 5 returned = 15 kg` (`+ 1 booked
    back` after the quantity where a rework loop gave some back) — what may still be in stock
    to block, and how that figure was reached (plain text)."""
    unit = balance["uom"]
    terms = [amounts_text({unit: balance["quantity"]})]
    terms += [f"{sign} {amounts_text({None: balance[kind]})} {kind.replace('_', ' ')}"
              for sign, kind in (("+", "booked_back"), ("−", "used"), ("−", "shipped"),
                                 ("+", "returned")) if balance.get(kind)]  # fmt: skip
    text = f"left by its records: {' '.join(terms)} = {amounts_text({unit: balance['remaining']})}"
    if balance["remaining"] < 0:
        # by check's rule (the dossier's beyond_tolerance): the pointer is never to nothing
        slack = balance.get("tolerance")
        if balance.get("beyond_tolerance"):
            beyond = f", beyond check's {slack * 100:g} % tolerance" if slack else ""
            if not balance["quantity"]:  # a lot recorded as 0: no tolerance makes room
                beyond = ", recorded as 0"
            text += f" (more went out than the lot holds{beyond}: see `tracegraph check`)"
        elif slack:
            text += (f" (more went out than the lot holds, within the {slack * 100:g} % "
                     "`tracegraph check` tolerates by default)")  # fmt: skip
        else:  # a unit the check does not weigh
            text += " (more went out than the lot holds)"
    if balance["uncounted"]:
        text += (f"; {counted(balance['uncounted'], 'record')} in a unit of another dimension "
                 "or without a quantity not counted")  # fmt: skip
    return text


def balance_rows(dossier: dict[str, Any]) -> list[dict[str, Any]]:
    """The balance as the CSV's last row, after the events it sums (`--format csv` dropped
    it): event `left by its records`, the rest in the lot's unit, the sum as its detail."""
    balance = dossier["balance"]
    if balance is None:
        return []
    return [{"at": None, "event": "left by its records", "reference": dossier["lot"]["lot_id"],
             "quantity": balance["remaining"], "uom": balance["uom"],
             "detail": balance_text(balance)}]  # fmt: skip


def render(dossier: dict[str, Any]) -> None:
    out = stdout()
    lot = dossier["lot"]
    material = lot.get("material") or {}
    name = f"{material.get('material_id') or ''} {material.get('name') or ''}".strip()
    quantity = "" if lot.get("quantity") is None else f"{lot['quantity']} {lot.get('uom') or ''}"
    # a stub has no material, quantity or status: shown as nothing, not "? · None ·  ·"
    parts = [literal(name), literal(quantity.strip()),
             styled(lot["status"]) if lot.get("status") else ""]  # fmt: skip
    out.print(" · ".join([f"[bold]{literal(lot['lot_id'])}[/]", *(p for p in parts if p),
                          f"origin {literal(dossier['origin'])}"]))  # fmt: skip
    if dossier["sources"]:  # which import sources sent its row (--source)
        out.print("Sent by: " + literal(", ".join(dossier["sources"])))
    elif dossier["sources"] is None:
        out.print("[dim]Sent by: not recorded (its row was imported before rows kept their "
                  "sources)[/]")  # fmt: skip
    extras = extra_properties(lot)
    if extras:
        out.print(literal("properties: " + "; ".join(f"{k} {v}" for k, v in extras.items())))
    # `tlc TLC-1`, `gtin_lot 09506000134352 L1`: an identity without an issuer names none
    # two sources' spellings of one name (the ERP's supplier lot 000123, the MES's 123) each
    # say which sources sent them
    named = Counter((a["scheme"], a.get("issuer")) for a in dossier["aliases"])
    aliases = [" ".join([literal(a["scheme"]), *([literal(a["issuer"])] if a.get("issuer") else []),
                         f"[bold]{literal(a['value'])}[/]",
                         *([literal(f"({', '.join(a['sources'])})")]
                           if named[(a["scheme"], a.get("issuer"))] > 1 and a.get("sources")
                           else [])])
               for a in dossier["aliases"]]  # fmt: skip
    if aliases:
        out.print("also known as: " + "; ".join(aliases))
    if dossier["balance"] is not None:
        out.print(literal(balance_text(dossier["balance"])))
    if dossier["recalls"]:
        out.print(f"[bold magenta]in recalls:[/] {literal(', '.join(dossier['recalls']))}")
    table = Table(title="History", title_justify="left")
    for column in TIMELINE_CSV:
        table.add_column(column)
    events = timeline(dossier, IDS_SHOWN)
    for event in _shown_events(events):
        if event is None:  # the events left out between the first and the newest
            between = len(events) - HISTORY_LIMIT
            table.add_row("…", f"[dim]{between:,} events between[/]", "", "", "",
                          "[dim]--format csv or json has them all[/]")  # fmt: skip
            continue
        kind = event["event"]  # `produced (mix)`: the step's operation is the plant's text
        if kind.startswith("inspected: "):
            kind = "inspected: " + styled(kind.removeprefix("inspected: "))
        else:
            kind = literal(kind)
        quantity = "" if event.get("quantity") is None else f"{event['quantity']:g}"
        table.add_row(when(event["at"]), kind, literal(event["reference"]), quantity,
                      literal(event.get("uom")), literal(event["detail"]))  # fmt: skip
    out.print(table)


def _shown_events(events: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """The events a terminal shows of a long history: its first HISTORY_FIRST (where the lot
    came from) and its newest, None where the others are left out. The first 40 alone hid the
    newest: a lot whose status 305 hourly imports flipped showed its oldest changes, and last
    night's hold, its status now, only in csv."""
    if len(events) <= HISTORY_LIMIT:
        return list(events)
    newest = HISTORY_LIMIT - HISTORY_FIRST
    return [*events[:HISTORY_FIRST], None, *events[-newest:]]
