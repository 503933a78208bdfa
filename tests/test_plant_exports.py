"""The generated plant as SAP-like exports: imported through the bundled mapping, it must be the
same graph as the plant's canonical tables give — every lot, step, link, quantity, time,
inspection and shipment."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.mappings import load_mapping
from tracegraph.importing.run import check_paths, import_paths
from tracegraph.plant import generate_plant
from tracegraph.plant_exports import SAP_FILES, write_sap

# What both imports must agree on; times as instants (the SAP shape writes local time without
# an offset, the canonical tables UTC). Not compared, because the SAP shape does not carry
# them: locations, expiry times (SAP keeps a date), operator names, device events, and the
# text of inspection values (SAP writes 96,3).
_SNAPSHOT = """
CALL () {
  MATCH (l:Lot)
  OPTIONAL MATCH (l)-[s:SUPPLIED_BY]->(supplier:Supplier)
  RETURN collect([l.lot_id, l.material_id, l.quantity, l.uom, l.status, l.origin_known,
                  l.created_at.epochMillis, supplier.supplier_id, s.supplier_lot,
                  s.received_at.epochMillis,
                  [(i:Identifier)-[:IDENTIFIES]->(l) | i.key]]) AS lots
}
CALL () {
  MATCH (a)-[r:INPUT_TO|PRODUCED|SHIPPED]->(b)
  RETURN collect([type(r), coalesce(a.lot_id, a.step_id), coalesce(b.step_id, b.lot_id,
                  b.shipment_id), r.quantity, r.uom]) AS links
}
CALL () {
  MATCH (s:ProcessStep)
  RETURN collect([s.step_id, s.operation, s.started_at.epochMillis, s.ended_at.epochMillis,
                  [(s)-[:ON]->(d:Device) | [d.device_id, d.kind]],
                  [(s)-[:BY]->(o:Operator) | o.operator_id],
                  [(s)-[:FOR]->(w:WorkOrder) | w.work_order_id],
                  s.mix_min, s.oven_temp_c, s.bake_min]) AS steps
}
CALL () {
  MATCH (i:Inspection)
  RETURN collect([i.inspection_id, i.test, i.result, i.inspected_at.epochMillis,
                  [(i)-[:OF_LOT]->(l) | l.lot_id], [(i)-[:DURING]->(s) | s.step_id],
                  [(i)-[:BY]->(o) | o.operator_id]]) AS inspections
}
CALL () {
  MATCH (s:Shipment)
  RETURN collect([s.shipment_id, s.shipped_at.epochMillis, s.carrier, s.reference_doc,
                  [(s)-[:TO]->(c:Customer) | [c.customer_id, c.name, c.contact, c.country]]])
         AS shipments
}
CALL () {
  MATCH (m:Material)
  RETURN collect([m.material_id, m.name, m.uom, m.kind]) AS materials
}
RETURN lots, links, steps, inspections, shipments, materials
"""


def _snapshot(graph: TraceGraph) -> dict[str, list[Any]]:
    records, _, _ = graph.driver.execute_query(_SNAPSHOT, database_=graph.database)
    return {key: sorted(value, key=json.dumps) for key, value in records[0].data().items()}


def _same(a: Any, b: Any) -> bool:
    """Equal, floats within rounding: salt travels as grams in the SAP shape (×1000, ×0.001)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_the_sap_shape_imports_as_the_same_graph_as_the_canonical_tables(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    plant = generate_plant(600, 5, tmp_path / "canonical")
    rows = write_sap(plant.out, tmp_path / "sap")
    assert rows["MSEG_movements.csv"] > plant.lots  # receipts, issues and transfers
    canonical = import_paths(graph, [plant.out], reject_file=tmp_path / "r1.csv")
    assert canonical.rejected == 0
    expected = _snapshot(graph)
    graph.reset(keep_schema=True)

    args = ["--mapping", "sap", "--rejects", str(tmp_path / "r2.csv"), "--format", "json"]
    result = runner.invoke(app, ["import", str(tmp_path / "sap"), *args])
    assert result.exit_code == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["rejected"] == 0
    assert summary["tables"]["lots"]["read"] == plant.lots
    # The transfer postings (311) are the rows no section takes: said, not imported.
    transfers = rows["MSEG_movements.csv"] - plant.lots - plant.rows["step_inputs"]
    assert transfers > 0
    assert any(f"{transfers} row(s) that no [[file]] section's `where` takes" in note
               and "BWART='311'" in note for note in summary["notes"])  # fmt: skip
    # The dry run reads the files in the same order: every issue's order is known by then.
    dry = check_paths([tmp_path / "sap"], timezone="Europe/Berlin", mapping=load_mapping(
        Path("sap")), reject_file=tmp_path / "r3.csv")  # fmt: skip
    assert (dry.read, dry.written, dry.rejected) == (summary["read"], summary["written"], 0)
    assert not [note for note in dry.notes if "no valid row of these files" in note]
    got = _snapshot(graph)
    for key, want in expected.items():
        assert len(got[key]) == len(want), key
        differing = [(w, g) for w, g in zip(want, got[key], strict=True) if not _same(w, g)]
        assert not differing, (key, differing[:3])


def test_readme_sap_shape_commands_generate_the_same_bytes_and_import_cleanly(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    readme_command = ["demo", "generate", "--lots", "5000", "--seed", "1", "--shape", "sap", "--out", "plant-sap"]  # noqa: E501  # fmt: skip
    generated = runner.invoke(app, readme_command)
    assert generated.exit_code == 0, generated.stderr
    assert "Import it with: tracegraph import plant-sap --mapping sap" in generated.stdout
    first = {p.name: p.read_bytes() for p in sorted((tmp_path / "plant-sap").iterdir())}
    assert sorted(first) == sorted(SAP_FILES)
    assert first["MSEG_movements.csv"].startswith(b"MBLNR;ZEILE;BWART;")
    again = runner.invoke(app, [*readme_command[:-1], "again"])
    assert again.exit_code == 0, again.stderr
    assert {p.name: p.read_bytes() for p in sorted((tmp_path / "again").iterdir())} == first
    imported = runner.invoke(app, ["import", "plant-sap", "--mapping", "sap"])
    assert imported.exit_code == 0, imported.stderr
    assert "+ 0 rejected" in imported.stdout.splitlines()[0]
