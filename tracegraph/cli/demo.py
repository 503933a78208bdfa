"""`tracegraph demo generate`: a synthetic plant for demos, tests and benchmarks."""

from __future__ import annotations

import tempfile
import time
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from tracegraph.cli.group import HELP_MARKUP, SummaryGroup
from tracegraph.cli.render import literal, stdout
from tracegraph.errors import ConfigurationError
from tracegraph.folders import check_creatable, removed_on_failure
from tracegraph.plant import PLANT_TABLES, alarm_log_capacity, generate_plant
from tracegraph.plant_exports import EXPORT_SHAPES

app = typer.Typer(
    rich_markup_mode=HELP_MARKUP,
    cls=SummaryGroup,
    help="Sample data: a synthetic plant for demos, tests and benchmarks.",
    no_args_is_help=True,
)


class Shape(StrEnum):
    canonical = "canonical"
    sap = "sap"
    mes = "mes"


@app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="Folder for the generated files."),
    lots: int = typer.Option(2000, "--lots", help="About how many lots (±5 %)."),
    # min 0: Python seeds by the number's size, and --seed -1 made --seed 1's plant
    seed: int = typer.Option(
        1, "--seed", min=0, help="Same lots and seed, same files, byte for byte."
    ),
    shape: Shape = typer.Option(
        Shape.canonical,
        "--shape",
        help="canonical: tracegraph's tables; sap: the same plant as SAP-like exports "
        "(MSEG goods movements, AFRU, QALS, LIKP, …) for the bundled mapping `sap`; mes: as a "
        "Chinese MES's GB18030 exports (生产记录, 来料记录, …) for the bundled mapping `mes_gbk`.",
    ),
    alarms: int = typer.Option(
        0,
        "--alarms-per-device",
        help="Add this many alarms per device, spread over the plant's time span (a real "
        "plant's alarm log, for benchmarks); 0 adds none, and the plant is the same without it.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite tables already in --out."),
) -> None:
    """Write a bakery plant: receipts with supplier lot numbers, mixes that merge raw lots and a
    commodity (salt), baking with rework, packing splits, partial and multi-lot shipments,
    returns, device events. Import it with `tracegraph import OUT` (`--shape sap`: with
    `--mapping sap`, and without locations, operator names or device events; `--shape mes`:
    with `--mapping mes_gbk`, without locations)."""
    if lots < 50:
        raise ConfigurationError(f"--lots {lots} is too small", hint="use at least 50")
    most = alarm_log_capacity(lots)
    if not 0 <= alarms <= most:
        raise ConfigurationError(
            f"--alarms-per-device {alarms} does not fit a plant of {lots:,} lots",
            hint=f"use 0 to {most:,} (one alarm a second at most), or more --lots",
        )
    check_creatable(out, "the plant's folder", "--out")
    if out.exists() and any(out.glob("*.csv")) and not force:
        raise ConfigurationError(
            f"{out} already holds CSV tables", hint="choose another --out, or add --force"
        )
    # --force overwrites this shape's files; others left beside them would be imported too.
    exported = EXPORT_SHAPES.get(shape)
    written = set(exported.files) if exported else {f"{t}.csv" for t in PLANT_TABLES}
    others = sorted(p.name for p in out.glob("*.csv") if p.name not in written)
    if others:
        raise ConfigurationError(
            f"{out} holds CSV files that --shape {shape} does not write ({', '.join(others[:3])}"
            f"{' …' if len(others) > 3 else ''}): an import of the folder would read them too",
            hint="choose another --out, or an empty folder",
        )
    began = time.perf_counter()
    # a full disk left all 14 tables, 7 empty and the rest cut mid-row: a plant that imports
    with removed_on_failure(out, rewritten=written):
        if exported is None:
            summary = generate_plant(lots, seed, out, alarms)
            rows = summary.rows
        else:
            with tempfile.TemporaryDirectory(prefix="tracegraph-plant-") as canonical:
                summary = generate_plant(lots, seed, Path(canonical), alarms)
                rows = exported.write(Path(canonical), out)
    seconds = time.perf_counter() - began
    edges = sum(summary.rows[t] for t in ("step_inputs", "step_outputs", "shipment_lines"))
    console = stdout()
    console.print(
        f"Generated {summary.lots:,} lots, {summary.rows['steps']:,} steps, {edges:,} lot edges "
        f"in {seconds:.1f} s → {literal(out)}"
    )
    table = Table(box=None, show_edge=False, pad_edge=False)
    table.add_column("file" if exported else "table")
    table.add_column("rows", justify="right")
    for name, count in rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    if exported:
        console.print(f"Import it with: tracegraph import {literal(out)} --mapping "
                      f"{exported.mapping}")  # fmt: skip
