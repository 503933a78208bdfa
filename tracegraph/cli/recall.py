"""`tracegraph recall …`: write a recall package (or run a drill) and list past ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tracegraph.cli.context import open_graph
from tracegraph.cli.group import HELP_MARKUP, SummaryGroup
from tracegraph.cli.render import FORMAT_HELP, ReportFormat, note, print_csv, print_json, stdout
from tracegraph.cli.trace import print_totals, print_warnings, render_stock, shipment_count
from tracegraph.recall import CUSTOMER_COLUMNS, build_package, customer_rows, recall_history
from tracegraph.trace import amounts_text, located_text
from tracegraph.values import counted

HISTORY_COLUMNS = (
    "recall_id", "drill", "created_at", "created_by", "source_lots", "lots", "shipments",
    "customers", "quantity", "uom", "located_share", "duration_s", "package",
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
    help="Recall packages and mock-recall drills: `recall LOT... --out DIR`, `recall history`.",
    no_args_is_help=True,
)


@app.command()
def package(
    lots: list[str] = typer.Argument(..., help="The bad lots (any identity)."),
    out: Path = typer.Option(..., "--out", help="New folder for the package."),
    drill: bool = typer.Option(False, "--drill", help="A mock recall: record it as a drill."),
    html: bool = typer.Option(False, "--html", help="Add report.html, an interactive picture."),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """Write the recall package of LOTS into --out and record it in the graph (with --drill,
    as a mock recall with its duration).

    The package: customers.csv; stock.csv, the affected lots still in stock to block (what is
    left of each in its own unit, where, status, expiry, and how much of LOTS it holds);
    tracking_events.xlsx/.csv (FSMA 204-style, one row per event; the workbook also has the
    customers and the stock to block); recall.json; summary.txt; and manifest.sha256."""
    result = build_package(open_graph(), lots, out, drill=drill, html=html)
    print_warnings(result.trace)
    if output is ReportFormat.json:
        print_json({k: v for k, v in result.as_dict().items() if k != "trace"})
        return
    if output is ReportFormat.csv:
        print_csv(customer_rows(result.trace), CUSTOMER_COLUMNS)  # as customers.csv has them
        return
    console = stdout()
    console.print(f"[bold]{result.trace.summary()}[/]")
    table = Table(title="Customers to contact", title_justify="left")
    for column in ("customer", "name", "contact", "shipments", "lots",
                   f"of {result.trace.source_names}"):  # fmt: skip
        table.add_column(column)
    for c in result.trace.customers:
        quantity = amounts_text(c["source_by_uom"])
        table.add_row(c["customer_id"], c["name"] or "", c["contact"] or "",
                      shipment_count(c), str(c["lots"]), quantity)  # fmt: skip
    console.print(table)
    print_totals(result.trace.totals)  # where the rest of the sources is
    # what to block in the plant: the list is in stock.csv and the workbook too
    render_stock(result.trace, listed_in=" (stock.csv)")
    located = located_text(result.trace.totals)
    console.print(f"{'Drill' if drill else 'Recall'} {result.recall_id}: {located}")
    console.print(f"Package: {result.folder} ({len(result.files)} files, manifest.sha256)")
    note(f"package written in {result.seconds:.3f} s")


@app.command()
def history(
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """Past recall packages and drills, newest first: who, when, how long, how much located."""
    rows = recall_history(open_graph())
    if output is ReportFormat.json:
        print_json({"recalls": rows})
    elif output is ReportFormat.csv:
        # the source lots readable in a cell (`R1; R2`), not as JSON text (`["R1", "R2"]`)
        print_csv(({**r, "source_lots": "; ".join(r.get("source_lots") or [])} for r in rows),
                  HISTORY_COLUMNS)  # fmt: skip
    else:
        title = counted(len(rows), "recall or drill", "recalls and drills")
        table = Table(title=title, title_justify="left")
        for column in ("recall", "drill", "when", "by", "sources", "lots", "customers",
                       "located", "seconds"):  # fmt: skip
            table.add_column(column)
        for r in rows:
            share = r.get("located_share")
            table.add_row(r["recall_id"], "yes" if r.get("drill") else "no",
                          str(r.get("created_at", ""))[:16], r.get("created_by") or "",
                          ", ".join(r.get("source_lots") or []), str(r.get("lots", "")),
                          str(r.get("customers", "")), "" if share is None else f"{share:.1%}",
                          f"{r.get('duration_s', 0):.2f}")  # fmt: skip
        stdout().print(table)
