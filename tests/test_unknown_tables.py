"""Files that name no canonical table, as a new user's first imports make them: a header-only
`export.csv`, an SAP folder imported without `--mapping sap`. Found by a new-user tester."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.resources import resource_path


def test_a_header_only_file_of_no_table_is_rejected_not_a_clean_import(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`printf 'a,b\\n' > export.csv; tracegraph import .` was exit 0, "clean", with a table
    `export` of 0 rows in the summary: a misnamed file passed unnoticed. It is one reject on
    line 1, its header (read 1, rejected 1: the counts reconcile), exit 1 — not "could not be
    read" (line 0)."""
    folder = tmp_path / "plant"
    folder.mkdir()
    (folder / "export.csv").write_text("a,b\n", encoding="utf-8")
    (folder / "materials.csv").write_text("material_id,name,uom\nM1,Flour,kg\n", "utf-8")
    result = runner.invoke(app, ["import", str(folder), "--format", "json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    export = summary["tables"]["export"]
    assert (export["read"], export["written"], export["rejected"]) == (1, 0, 1)
    with open(summary["reject_file"], encoding="utf-8-sig", newline="") as f:
        rejects = [(r["file"], r["line"], r["reason"]) for r in csv.DictReader(f)]
    assert rejects == [(str(folder / "export.csv"), "1", "unknown table 'export' (known: "
        "materials, suppliers, customers, locations, devices, operators, lots, steps, "
        "step_inputs, step_outputs, inspections, shipments, shipment_lines, device_events, "
        "lot_identifiers); the file holds a header and no row")]  # fmt: skip
    assert summary["tables"]["materials"]["written"] == 1


def test_an_sap_export_imported_without_its_mapping_says_which_mapping_reads_it(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """An SAP folder imported without `--mapping sap` gave 24,485 rejects "unknown table
    'mseg_movements' (known: …)", none saying that the bundled sap mapping reads the file.
    Each now ends with what to do."""
    folder = tmp_path / "sap"
    folder.mkdir()
    shutil.copy(resource_path("importers") / "sap" / "MSEG_movements.csv", folder)
    summary = import_paths(graph, [folder])
    assert summary.rejects and summary.tables["mseg_movements"].written == 0
    reasons = {r.reason for r in summary.rejects}
    assert reasons == {"unknown table 'mseg_movements' (known: materials, suppliers, customers, "
        "locations, devices, operators, lots, steps, step_inputs, step_outputs, inspections, "
        "shipments, shipment_lines, device_events, lot_identifiers); the bundled mapping reads "
        "it: import with --mapping sap"}  # fmt: skip
