"""Mappings for real export shapes: the bundled SAP-like and GBK MES samples, and bad input."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph

ROOT = Path(__file__).resolve().parent.parent
SAP = ROOT / "importers" / "sap"
MES = ROOT / "importers" / "mes_gbk"


def _one(graph: TraceGraph, query: str, **params: Any) -> dict[str, Any]:
    records, _, _ = graph.driver.execute_query(query, params, database_=graph.database)
    assert len(records) == 1, records
    return records[0].data()


def test_readme_mapping_commands_load_both_samples_as_one_graph(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    sap = runner.invoke(app, ["import", "importers/sap", "--mapping", "importers/sap/mapping.toml"])
    assert sap.exit_code == 0, sap.stderr
    assert "+ 0 rejected" in sap.stdout.splitlines()[0]
    mes = runner.invoke(
        app, ["import", "importers/mes_gbk", "--mapping", "importers/mes_gbk/mapping.toml"]
    )
    assert mes.exit_code == 0, mes.stderr
    assert "+ 0 rejected" in mes.stdout.splitlines()[0]

    # One physical lot: internal batch R-2024-0815 = supplier lot 000123 of vendor V7.
    lot = _one(
        graph,
        "MATCH (:Identifier {key: 'supplier_lot|V7|000123'})-[:IDENTIFIES]->(l:Lot) "
        "MATCH (l)-[r:SUPPLIED_BY]->(:Supplier {supplier_id: 'V7'}) "
        "RETURN l.lot_id AS lot, l.quantity AS qty, l.uom AS uom, r.supplier_lot AS supplier_lot, "
        "toString(l.created_at) AS created, l.sap_document AS document",
    )
    assert lot == {"lot": "R-2024-0815", "qty": 1250.0, "uom": "kg", "supplier_lot": "000123",
                   "created": "2026-11-03T00:00:00+01:00", "document": 5000001234.0}  # fmt: skip
    assert _one(graph, "MATCH (l:Lot {lot_id: 'R-2024-0817'}) RETURN l.quantity AS q") == {
        "q": 25.0  # 25.000 G with a decimal comma: 25,000 g = 25 kg
    }
    # The MES consumed the SAP lot: the two systems' records meet in one chain.
    chain = _one(
        graph,
        "MATCH (:Lot {lot_id: 'R-2024-0815'})-[:INPUT_TO]->(s:ProcessStep)-[:PRODUCED]->"
        "(out:Lot)-[:INPUT_TO]->(bake:ProcessStep)-[:PRODUCED]->(final:Lot) "
        "MATCH (s)-[:ON]->(d:Device) MATCH (s)-[:BY]->(o:Operator) "
        "RETURN s.operation AS op, d.device_id AS device, o.operator_id AS operator, "
        "toString(s.started_at) AS started, out.lot_id AS out, final.lot_id AS final",
    )
    assert chain == {"op": "和面", "device": "搅拌机-1", "operator": "张伟",
                     "started": "2026-11-03T08:15:00+08:00", "out": "B20261103-01",
                     "final": "B20261103-02"}  # fmt: skip
    assert _one(graph, "MATCH (m:Material {material_id: 'M-FLOUR'}) RETURN m.name AS n") == {
        "n": "面粉"
    }


def _import_json(runner: CliRunner, folder: Path, mapping: Path) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["import", str(folder), "--mapping", str(mapping),
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    summary = json.loads(result.stdout)
    for table in summary["tables"].values():
        assert table["read"] == table["written"] + table["rejected"]
    return result.exit_code, summary


def _rejects(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    with open(summary["reject_file"], encoding="utf-8-sig", newline="") as f:
        return [(Path(r["file"]).name, r["line"], r["column"], r["reason"])
                for r in csv.DictReader(f)]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "column", "reason"),
    [
        (";03.11.2026\n", ";2026-11-03\n", "BUDAT", "not a date/time like %d.%m.%Y"),
        (";KG;03.11.2026", ";LB;03.11.2026", "MEINS", "unit 'LB' is not in the mapping's [units]"),
        (";1.250,000;", ";viel;", "MENGE", "not a number"),
    ],
)
def test_cells_the_mapping_cannot_convert_are_rejected_with_the_source_column(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    old: str, new: str, column: str, reason: str,
) -> None:  # fmt: skip
    folder = tmp_path / "sap"
    shutil.copytree(SAP, folder)
    receipts = folder / "MSEG_receipts.csv"
    text = receipts.read_bytes().decode("cp1252")
    assert old in text
    receipts.write_bytes(text.replace(old, new, 1).encode("cp1252"))
    code, summary = _import_json(runner, folder, folder / "mapping.toml")
    assert code == 1
    assert _rejects(summary) == [("MSEG_receipts.csv", "2", column, reason)]
    assert summary["tables"]["lots"] == {**summary["tables"]["lots"], "read": 3, "rejected": 1}


def test_a_bad_mapping_file_is_one_line_and_exit_2(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[[file]]\nmatch = "*.csv"\ntable = "widgets"\n')
    result = runner.invoke(app, ["import", str(SAP), "--mapping", str(mapping)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"error: mapping {mapping}: [[file]] 1 names unknown table 'widgets' "
        "(hint: see importers/README.md for the mapping format)"
    )
