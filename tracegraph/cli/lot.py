"""`tracegraph lot show`: one lot's dossier on one screen."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from tracegraph.cli.context import open_graph
from tracegraph.cli.group import HELP_MARKUP, SummaryGroup
from tracegraph.cli.render import FORMAT_HELP, ReportFormat, print_csv, print_json, stdout, styled
from tracegraph.cli.trace import when
from tracegraph.lots import show_lot

app = typer.Typer(
    rich_markup_mode=HELP_MARKUP,
    cls=SummaryGroup,
    help="Look at single lots.",
    no_args_is_help=True,
)

HISTORY_LIMIT = 40  # events shown on a terminal; csv and json carry them all
TIMELINE_CSV = ("at", "event", "reference", "quantity", "uom", "detail")


@app.command()
def show(
    lot: str = typer.Argument(..., help="A lot id, supplier lot number or identity key."),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """The lot's dossier: identity and aliases, origin, process, inspections, where it went.

    Ambiguous or unknown ids exit with code 2 and list the close candidates.
    """
    dossier = show_lot(open_graph(), lot)
    if output is ReportFormat.json:
        print_json(dossier)
    elif output is ReportFormat.csv:
        print_csv(timeline(dossier), TIMELINE_CSV)
    else:
        render(dossier)


def timeline(dossier: dict[str, Any]) -> list[dict[str, Any]]:
    """Everything that happened to the lot, one row per event, in time order."""
    events: list[dict[str, Any]] = []
    for r in dossier["received"]:
        events.append(
            {
                "at": r["received_at"],
                "event": "received",
                "reference": r["supplier_id"],
                "detail": f"supplier lot {r['supplier_lot']}",
            }
        )
    for s in dossier["made_by"]:
        inputs = ", ".join(i["lot_id"] for i in s["lots"])
        events.append(
            {
                "at": s["started_at"],
                "event": f"produced ({s['operation']})",
                "reference": s["step_id"],
                "quantity": s["quantity"],
                "uom": s["uom"],
                "detail": f"from {inputs}; {s['device_id'] or '-'}, {s['operator_id'] or '-'}",
            }
        )
    for i in dossier["inspections"]:
        events.append(
            {
                "at": i.get("inspected_at"),
                "event": f"inspected: {i.get('result')}",
                "reference": i["inspection_id"],
                "detail": f"{i.get('test')} {i.get('value') or ''} {i.get('unit') or ''}",
            }
        )
    for s in dossier["used_in"]:
        outputs = ", ".join(o["lot_id"] for o in s["lots"])
        events.append(
            {
                "at": s["started_at"],
                "event": f"used ({s['operation']})",
                "reference": s["step_id"],
                "quantity": s["quantity"],
                "uom": s["uom"],
                "detail": f"into {outputs}",
            }
        )
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
                "event": "changed by import",
                "reference": c["run_id"],
                "detail": f"{c['table']} {c['key']}: {what}",
            }
        )
    return sorted(events, key=lambda e: e["at"] or "")  # fmt: skip


def render(dossier: dict[str, Any]) -> None:
    out = stdout()
    lot = dossier["lot"]
    material = lot.get("material") or {}
    name = f"{material.get('material_id') or ''} {material.get('name') or ''}".strip()
    quantity = "" if lot.get("quantity") is None else f"{lot['quantity']} {lot.get('uom') or ''}"
    # a stub has no material, quantity or status: shown as nothing, not "? · None ·  ·"
    parts = [name, quantity.strip(), styled(lot["status"]) if lot.get("status") else ""]
    out.print(" · ".join([f"[bold]{lot['lot_id']}[/]", *(p for p in parts if p),
                          f"origin {dossier['origin']}"]))  # fmt: skip
    aliases = [f"{a['scheme']} {a.get('issuer') or ''} [bold]{a['value']}[/]"
               for a in dossier["aliases"]]  # fmt: skip
    if aliases:
        out.print("also known as: " + "; ".join(aliases))
    if dossier["recalls"]:
        out.print(f"[bold magenta]in recalls:[/] {', '.join(dossier['recalls'])}")
    table = Table(title="History", title_justify="left")
    for column in TIMELINE_CSV:
        table.add_column(column)
    events = timeline(dossier)
    for event in events[:HISTORY_LIMIT]:
        kind = event["event"]
        if kind.startswith("inspected: "):
            kind = "inspected: " + styled(kind.removeprefix("inspected: "))
        quantity = "" if event.get("quantity") is None else f"{event['quantity']:g}"
        table.add_row(when(event["at"]), kind, event["reference"] or "", quantity,
                      event.get("uom") or "", escape(event["detail"]))  # fmt: skip
    out.print(table)
    if len(events) > HISTORY_LIMIT:
        more = len(events) - HISTORY_LIMIT
        out.print(f"[dim]… {more:,} more events (--format csv or json has them all)[/]")
