"""Import benchmark: generate a plant, import it into an empty database, import it again.

    python -m tracegraph.bench_import --lots 100000 --out bench [--shape sap|mes]

Measures node rows/s and relationship rows/s of the first import (tables that create nodes vs
tables that only link lots), the time of an unchanged re-import (files skipped by content hash)
and of a forced one (every row read, validated and hash-checked, nothing written), as ratios of
the first import's time. Results are appended to OUT/import-results.json and written as
OUT/import-results.md. Uses the configured server (`tracegraph db up`); the database is emptied.
`--shape sap` or `mes` imports the same plant as SAP-like or Chinese MES exports through the
bundled mapping (rows are the canonical rows the mapping makes).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tracegraph.bench_results import described
from tracegraph.config import find_home, load_settings
from tracegraph.db import connect
from tracegraph.errors import TracegraphError
from tracegraph.graph import TraceGraph
from tracegraph.health import local_server
from tracegraph.importing.mappings import load_mapping
from tracegraph.importing.run import ImportSummary, import_paths
from tracegraph.plant import generate_plant
from tracegraph.plant_exports import EXPORT_SHAPES

RELATIONSHIP_TABLES = ("step_inputs", "step_outputs", "shipment_lines")


def _rates(summary: ImportSummary) -> dict[str, float]:
    node = [t for n, t in summary.tables.items() if n not in RELATIONSHIP_TABLES]
    rel = [t for n, t in summary.tables.items() if n in RELATIONSHIP_TABLES]
    node_rows, node_s = sum(t.read for t in node), sum(t.seconds for t in node)
    rel_rows, rel_s = sum(t.read for t in rel), sum(t.seconds for t in rel)
    return {
        "node_rows": node_rows, "node_seconds": round(node_s, 2),
        "node_rows_per_s": round(node_rows / node_s) if node_s else 0,
        "relationship_rows": rel_rows, "relationship_seconds": round(rel_s, 2),
        "relationship_rows_per_s": round(rel_rows / rel_s) if rel_s else 0,
    }  # fmt: skip


def _import_in_child(source: Path, options: dict[str, Any]) -> tuple[ImportSummary, int]:
    """One import in this (child) process: its summary and the process's peak RSS in kB
    (Linux's ru_maxrss)."""
    settings = load_settings()
    graph = TraceGraph(connect(settings), settings.database, settings.server)
    try:
        summary = import_paths(graph, [source], **options)
    finally:
        graph.driver.close()
    return summary, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _measured_import(source: Path, **options: Any) -> tuple[ImportSummary, float]:
    """An import run in a fresh spawned process, so that its peak RSS is the import's own
    (the Python runtime and tracegraph's modules included, the plant generation not): its
    summary and that peak in MB."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
        summary, peak_kb = child.submit(_import_in_child, source, options).result()
    return summary, round(peak_kb / 1024, 1)


def run(lots: int, seed: int, out: Path, shape: str = "canonical") -> dict[str, Any]:
    settings = load_settings()
    graph = TraceGraph(connect(settings), settings.database, settings.server)
    graph.reset(keep_schema=True)
    graph.init_schema()
    with tempfile.TemporaryDirectory() as work:
        began = time.perf_counter()
        plant = generate_plant(lots, seed, Path(work) / "plant")
        source, mapping = plant.out, None
        if shape in EXPORT_SHAPES:
            source = Path(work) / shape
            EXPORT_SHAPES[shape].write(plant.out, source)
            mapping = load_mapping(Path(EXPORT_SHAPES[shape].mapping))
        generated = time.perf_counter() - began
        options: dict[str, Any] = {
            "reject_file": Path(work) / "rejects.csv", "mapping": mapping,
            "timezone": (mapping.timezone if mapping else None) or "UTC",
        }  # fmt: skip
        first, first_peak = _measured_import(source, **options)
        unchanged = import_paths(graph, [source], **options)
        forced, forced_peak = _measured_import(source, force=True, **options)
    status = graph.status()
    graph.driver.close()
    return {
        **described(status, local_server(find_home(), settings.uri)),
        "lots": plant.lots, "seed": seed, "shape": shape, "rows": first.read,
        "rejected": first.rejected,
        "generate_seconds": round(generated, 2),
        "first_import_seconds": round(first.seconds, 2),
        "first_import_peak_rss_mb": first_peak,
        **_rates(first),
        "unchanged_reimport_seconds": round(unchanged.seconds, 2),
        "unchanged_ratio": round(unchanged.seconds / first.seconds, 4),
        # what makes it fast: every file skipped by its content hash, no row read
        "unchanged_rows_read": unchanged.read,
        "unchanged_files_skipped": len(unchanged.unchanged_files),
        "forced_reimport_seconds": round(forced.seconds, 2),
        "forced_ratio": round(forced.seconds / first.seconds, 4),
        "forced_rows_changed": sum(t.changed for t in forced.tables.values()),
        "forced_reimport_peak_rss_mb": forced_peak,
    }  # fmt: skip


def _peaks(result: dict[str, Any]) -> str:
    """The import processes' peak RSS of a row, blank for rows recorded before it was measured."""
    if "first_import_peak_rss_mb" not in result:
        return ""
    return f"{result['first_import_peak_rss_mb']:,} / {result['forced_reimport_peak_rss_mb']:,}"


def write_results(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    history_path = out / "import-results.json"
    history = json.loads(history_path.read_text()) if history_path.exists() else []
    history.append(result)
    history_path.write_text(json.dumps(history, indent=2) + "\n")
    lines = [
        "# Import benchmark", "",
        "`./scripts/bench-import --lots N` (see tracegraph/bench_import.py). Targets from the",
        "design brief: ≥ 50k node rows/s, ≥ 20k relationship rows/s, unchanged re-import",
        "≤ 10 % of the first import.", "",
        "Client peak RSS: the peak memory of the process that ran the first import, and the",
        "forced re-import (each in a fresh spawned process, its own getrusage maximum; the",
        "Python runtime and tracegraph's modules, ~100 MB, included). Blank: not measured then.",
        "",
        "| when | lots | shape | rows | node rows/s | rel rows/s | first import s "
        "| unchanged re-import (ratio) | forced re-import (ratio) "
        "| client peak RSS MB (first / forced) | machine |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in history:
        lines.append(
            f"| {r['when']} | {r['lots']:,} | {r.get('shape', 'canonical')} | {r['rows']:,} "
            f"| {r['node_rows_per_s']:,} "
            f"| {r['relationship_rows_per_s']:,} | {r['first_import_seconds']} "
            f"| {r['unchanged_reimport_seconds']} s ({r['unchanged_ratio']:.1%}) "
            f"| {r['forced_reimport_seconds']} s ({r['forced_ratio']:.1%}) | {_peaks(r)} "
            f"| {r['machine']}"
            + (f"; {r['server_memory']}" if r.get("server_memory") else "")
            + " |"
        )
    noted = [r for r in history if r.get("note")]
    if noted:  # what a run measured (a change, before and after): said under the table
        lines += ["", *(f"- {r['when']} ({r.get('shape', 'canonical')}): {r['note']}"
                        for r in noted)]  # fmt: skip
    (out / "import-results.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench"))
    parser.add_argument("--shape", choices=("canonical", *EXPORT_SHAPES), default="canonical")
    parser.add_argument("--note", default="", help="what the run measures, said under the table")
    args = parser.parse_args()
    try:
        result = run(args.lots, args.seed, args.out, args.shape)
    except TracegraphError as error:
        raise SystemExit(f"error: {error}") from None
    if args.note:
        result["note"] = args.note
    write_results(result, args.out)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
