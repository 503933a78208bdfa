"""`tracegraph rootcause`: rank what complaint lots share against comparable good lots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from tracegraph.cli.context import open_graph
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
from tracegraph.config import TIMEZONE_ENV, plant_zone
from tracegraph.rootcause import (
    DEFAULT_MAX_CONTROLS,
    DEFAULT_PERIOD_DAYS,
    SHIFT_KINDS,
    p_text,
    rank_common_causes,
)

FACTOR_CSV = (
    "kind", "value", "complaints_with", "complaints", "controls_with", "controls",
    "complaint_share", "control_share", "odds_ratio", "p_value", "p_adjusted", "verdict",
)  # fmt: skip
VERDICT_STYLE = {
    "strong common cause": "bold red", "strong": "bold red", "likely": "yellow",
    "possible": "yellow",  # the most one complaint lot is given
}  # fmt: skip


COLUMNS = ("kind", "value", "complaints", "controls", "p", "p adj.", "verdict")
# headers broken at a syllable when their column is narrower than the word: at 80 columns the
# tester's table needed 59 characters for 58 (`complaints` alone 10 over counts of 5), and
# every ordinary ranking fell back to paragraphs
HYPHENATED = {"complaints": "com-\nplaints", "controls": "con-\ntrols"}
VALUE = 1  # the column that gets the width left over
# the heavy-headed box: a border left of every column and at the right edge, and a space each
# side of every cell
BORDERS_AND_PADDING = 3


def factor_table(factors: list[dict[str, Any]], width: int) -> Any:
    """The ranking's factors as a table whose cells wrap only between words: each column at
    least as wide as its longest word (a count, a p-value, a date, a shift's hours never split:
    at 80 columns `2026-01-0`/`9` and `9.4e-3`/`4`, read as 0.0094, did), a header as wide as
    its hyphenated lines (`com-`/`plaints`), the width left going to the counts (one line each)
    and then the value. On a terminal too narrow for those widths (60 columns: seven columns
    of numbers and dates need some 60 characters besides the borders), each factor is a
    numbered paragraph instead."""
    header = list(COLUMNS)
    rows = [[f["kind"], f["value"],
             f"{f['complaints_with']}/{f['complaints']} ({f['complaint_share']:.0%})",
             f"{f['controls_with']}/{f['controls']} ({f['control_share']:.0%})",
             p_text(f["p_value"]), p_text(f["p_adjusted"]), f["verdict"]]
            for f in factors]  # fmt: skip
    shortest = [HYPHENATED.get(name, name) for name in header]  # a header at its narrowest
    cells = list(zip(shortest, *rows, strict=True))
    # p-values never break ("< 1e-300" has a space): their whole text is their shortest line
    least = [max(map(len, column)) if i in (4, 5)
             else max(len(word) for cell in column for word in cell.split())
             for i, column in enumerate(cells)]  # fmt: skip
    most = [max(map(len, column)) for column in zip(header, *rows, strict=True)]
    room = width - BORDERS_AND_PADDING * len(header) - 1
    styles = [VERDICT_STYLE.get(f["verdict"], "dim") for f in factors]
    if sum(least) > room:
        return _Paragraphs(header, rows, styles)
    widths, left = least[:], room - sum(least)
    for i in (2, 3, VALUE, 0, 6):  # counts on one line (a few characters), then the value
        grown = min(left, most[i] - widths[i])
        widths[i] += grown
        left -= grown
    table = Table(title="Factors, most suspicious first", title_justify="left")
    for i, name in enumerate(header):
        table.add_column(name if widths[i] >= len(name) else shortest[i], width=widths[i],
                         no_wrap=i in (4, 5))  # fmt: skip
    for row, style in zip(rows, styles, strict=True):
        table.add_row(*map(literal, row[:-1]), f"[{style}]{literal(row[-1])}[/]")
    return table


class _Paragraphs:
    """The factors as numbered paragraphs, for a terminal too narrow for their table: the
    factor, its verdict and p-values, its counts, wrapped between words, each line without the
    trailing spaces a grid pads it with (a copied paragraph carried them)."""

    def __init__(self, header: list[str], rows: list[list[str]], styles: list[str]) -> None:
        # a line each for the verdict with its p-values and for the counts: a line that wraps
        # does so between figures, not between "p adj." and its number
        self.texts = [Text.from_markup(
            f"{literal(row[0])} [bold]{literal(row[1])}[/]\n[{style}]{literal(row[6])}[/] · "
            f"p {literal(row[4])} · p adj. {literal(row[5])}\n{header[2]} {literal(row[2])} · "
            f"{header[3]} {literal(row[3])}"
        ) for row, style in zip(rows, styles, strict=True)]  # fmt: skip

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("Factors, most suspicious first")
        indent = len(f"{len(self.texts)}. ")
        for number, text in enumerate(self.texts, 1):
            # a word wider than the terminal: folded, never cut
            lines = text.wrap(console, max(options.max_width - indent, 1), overflow="fold")
            for k, line in enumerate(lines):
                line.rstrip()
                yield Text.assemble(f"{number}. ".rjust(indent) if k == 0 else " " * indent, line)


def rootcause_command(
    lots: list[str] = typer.Argument(
        None,
        help="The complaint lots (any identity, or shipment|ID for a complained delivery's lots); "
        "or give them with --lots-file.",
    ),
    lots_file: Path = lots_file_option(),
    controls: list[str] = typer.Option(
        None,
        "--controls",
        help="Good lots to compare with (repeat, or separate with commas), kept as given. "
        "Default: lots of the same materials made in the same period, less those made from or "
        "into a complaint lot (named in the notes).",
    ),
    period_days: int = typer.Option(
        DEFAULT_PERIOD_DAYS,
        "--period-days",
        min=0,
        max=36500,  # a century, far past any plant's records: refused before Neo4j's date
        # arithmetic overflows (99999999999999 days was its EpochDay error)
        help="Default controls: lots of the same materials made within this many days of a "
        "complaint lot of their material (a window around each complaint lot, overlapping "
        "ones merged; lots made between complaints far apart are not compared).",
    ),
    max_controls: int = typer.Option(
        DEFAULT_MAX_CONTROLS,
        "--max-controls",
        min=1,
        max=1_000_000,  # far above any plant's comparable lots: refused before a 20-digit
        # number overflows the driver's 64-bit integers (it was exit 3, OverflowError)
        help="Default controls: at most this many, each material its share, evenly spaced in "
        "creation order (the output says so).",
    ),
    shift_start: int = typer.Option(
        0,
        "--shift-start",
        min=0,
        max=23,
        help="The hour the first of the three 8-hour shifts begins (6: 06-14, 14-22 and "
        "22-06, a night shift counted on the day it began), in --shift-timezone.",
    ),
    shift_timezone: str = typer.Option(
        None,
        "--shift-timezone",
        help="The plant's time zone for shifts, e.g. Europe/Berlin (default: "
        "TRACEGRAPH_TIMEZONE, else the offset each step's start was imported with, UTC for "
        "exports in UTC). The output names the zone "
        "(JSON: shift_timezone).",
    ),
    inspections: bool = typer.Option(
        False,
        "--inspections",
        help="Also rank the inspections of the lots and of every lot upstream, and checks "
        "recorded against the step that made a lot (values out of range, failed inspections "
        "upstream, inspectors, inspection devices): a third more time on a large plant.",
    ),
    top: int = typer.Option(15, "--top", min=1, help="Factors shown in the table (json/csv: all)."),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """Rank the upstream factors — received lots, suppliers, devices, operators, operations,
    shifts (of a date, and of any day), a device's alarms during a step, process parameters
    outside the controls' 5th-95th percentile, and with --inspections the inspections — that
    the complaint lots share more than good lots do (Fisher's exact test).

    --inspections counts them per test: a value outside the controls' 5th-95th percentile of
    the same test and unit, a failed inspection of a lot used all the same (a lot's own
    failure is no factor), the inspector and the inspection device ("inspector OP07
    (core_temp)").

    Factors tied with the first (the same p-value) are named in the summary and the
    explanation. One complaint lot cannot show what complaints share (each of its factors is
    in 1 of 1): it is warned of, and no verdict goes beyond "possible". A complaint lot that
    another complaint lot is made from is left out of the tests (its factors are all the
    other's; it stays their factor), and a note names it.

    Exit code 2 for an
    unknown lot, a --lots-file that lists none, or --controls that names none."""
    # given but naming nothing (`--controls ",,,"`) is refused by the library, not taken as
    # "no --controls": None only when the option is absent
    control_ids = (
        [c.strip() for value in controls for c in value.split(",") if c.strip()]
        if controls else None
    )  # fmt: skip
    complaints = given_lots(lots, lots_file, "tracegraph rootcause")
    # the plant's shifts are in the plant's zone: TRACEGRAPH_TIMEZONE when no flag names one
    # (it was ignored: shifts in UTC for a Berlin plant whose night shift starts at 22:00)
    source = "--shift-timezone"
    if not shift_timezone and (plant := plant_zone()):  # an unknown zone is refused, named
        shift_timezone, source = plant[0], TIMEZONE_ENV
    graph = open_graph()
    with working("ranking common causes"):
        ranking = rank_common_causes(
            graph, complaints, control_ids, period_days=period_days,
            max_controls=max_controls, shift_start=shift_start, shift_zone=shift_timezone,
            inspections=inspections, shift_zone_source=source,
        )  # fmt: skip
    for line in ranking.notes:  # on stderr in every format (JSON also has them)
        note(f"note: {line}")
    ranking.warnings[:0] = graph.import_warnings()  # an import writing the graph meanwhile
    for line in ranking.warnings:
        warn(line)
    if output is ReportFormat.json:
        print_json(ranking.as_dict())
        return
    if output is ReportFormat.csv:
        print_csv(ranking.factors, FACTOR_CSV)
        return
    out = stdout()
    out.print(f"[bold]{literal(ranking.summary())}[/]")
    out.print(factor_table(ranking.factors[:top], out.width))
    if any(f["kind"] in SHIFT_KINDS for f in ranking.factors[:top]):
        said = ranking.shifts_in()
        out.print(literal(said[0].upper() + said[1:]))
    if ranking.factors:  # the first factor's, and those tied with it named
        out.print(literal(ranking.explanation()))
    if len(ranking.factors) > top:
        out.print(
            f"[dim]… {len(ranking.factors) - top:,} more factors (--top, or --format json)[/]"
        )
    note(f"ranked in {ranking.seconds:.3f} s")
