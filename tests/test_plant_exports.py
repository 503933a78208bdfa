"""The generated plant as SAP-like and Chinese MES exports: imported through the bundled
mappings, each must be the same graph as the plant's canonical tables give — every lot, step,
link, quantity, time, inspection and shipment."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.mappings import load_mapping
from tracegraph.importing.run import check_paths, import_paths
from tracegraph.plant import generate_plant
from tracegraph.plant_exports import (
    MES_DEVICE_KINDS,
    MES_FILES,
    MES_TESTS,
    SAP_FILES,
    write_mes,
    write_sap,
)
from tracegraph.values import counted, were

# What the imports must agree on; times as instants (the shapes write local time without an
# offset, the canonical tables UTC). Not compared, because the SAP shape does not carry them:
# locations, expiry times (SAP keeps a date), operator names and device events; the MES shape
# has no locations either. Inspection values are compared: SAP writes 96,3, which its mapping's
# decimal comma reads as the canonical tables' 96.3 (it stayed the text "96,3").
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
                  [(i)-[:BY]->(o) | o.operator_id], i.value]) AS inspections
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


def _in_chinese(snapshot: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The canonical snapshot with the free text the MES keeps in Chinese (device kinds,
    inspection tests) as the MES writes it; operations are mapped to tracegraph's words."""
    steps = [[*s[:4], [[d, MES_DEVICE_KINDS[k]] for d, k in s[4]], *s[5:]]
             for s in snapshot["steps"]]  # fmt: skip
    inspections = [[i[0], MES_TESTS[i[1]], *i[2:]] for i in snapshot["inspections"]]
    return {**snapshot, "steps": sorted(steps, key=json.dumps),
            "inspections": sorted(inspections, key=json.dumps)}  # fmt: skip


_DEVICE_EVENTS = (
    "MATCH (e:DeviceEvent)-[:OF_DEVICE]->(d:Device) "
    "RETURN d.device_id AS device, e.event AS event, e.at.epochMillis AS at, e.result AS result, "
    "e.event_id AS event_id ORDER BY device, at"
)


@pytest.mark.parametrize(
    ("write", "mapping", "zone", "translate"),
    [(write_sap, "sap", "Europe/Berlin", None),
     (write_mes, "mes_gbk", "Asia/Shanghai", _in_chinese)],
    ids=["sap", "mes"],
)  # fmt: skip
def test_an_export_shape_imports_as_the_same_graph_as_the_canonical_tables(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    write: Callable[[Path, Path], dict[str, int]], mapping: str, zone: str,
    translate: Callable[[dict[str, list[Any]]], dict[str, list[Any]]] | None,
) -> None:  # fmt: skip
    plant = generate_plant(600, 5, tmp_path / "canonical")
    # A step without inputs (a record of it, say, older than the export): still a step.
    inputs = (plant.out / "step_inputs.csv").read_text(encoding="utf-8").splitlines()
    first_step = inputs[1].split(",")[0]
    kept = [line for line in inputs if not line.startswith(first_step + ",")]
    (plant.out / "step_inputs.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    write(plant.out, tmp_path / "export")
    canonical = import_paths(graph, [plant.out], reject_file=tmp_path / "r1.csv")
    assert canonical.rejected == 0
    expected = _snapshot(graph)
    expected = translate(expected) if translate else expected
    events = graph.driver.execute_query(_DEVICE_EVENTS, database_=graph.database).records
    graph.reset(keep_schema=True)

    args = ["--mapping", mapping, "--rejects", str(tmp_path / "r2.csv"), "--format", "json"]
    result = runner.invoke(app, ["import", str(tmp_path / "export"), *args])
    assert result.exit_code == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["rejected"] == 0
    # Both shapes write local times without an offset, read in the mapping's timezone, which
    # is a choice: no note of them (the canonical tables carry offsets: none there either).
    assert all("without a UTC offset" not in n for n in [*summary["notes"], *canonical.notes])
    if mapping == "sap":
        movements = tmp_path / "export" / "MSEG_movements.csv"
        with movements.open(encoding="cp1252", newline="") as handle:
            kinds = Counter(row["BWART"] for row in csv.DictReader(handle, delimiter=";"))
        # Issues in parts and reversed issues are summed into the plant's links; the transfer
        # postings (311) are the rows no section takes: said, not imported.
        added = kinds["261"] + kinds["262"] - (len(kept) - 1)
        assert added > kinds["262"] > 0 and kinds["311"] > 0
        assert summary["notes"][:2] == [
            f"{movements}: {added} step_inputs rows were added to an earlier row of the same "
            'link (combine = "sum")',
            f"{movements}: {counted(kinds['311'], 'row')} that no [[file]] section's `where` "
            f"takes {were(kinds['311'])} not imported (AUFNR='' BWART='311' ×{kinds['311']})",
        ]
        # SAP's exports carry no storage locations and no operator master: both are made from
        # the references (plant and storage location of a movement, the confirming user).
        assert [note.split(" named by")[0].split()[1] for note in summary["notes"][2:]] == [
            "locations", "operators",
        ]  # fmt: skip
    else:
        assert summary["notes"] == []
        assert graph.driver.execute_query(_DEVICE_EVENTS, database_=graph.database).records == (
            events
        )
    # The dry run reads the files in the same order: every step a link names is known by then.
    dry = check_paths([tmp_path / "export"], timezone=zone, mapping=load_mapping(Path(mapping)),
                      reject_file=tmp_path / "r3.csv")  # fmt: skip
    assert (dry.read, dry.written, dry.rejected) == (summary["read"], summary["written"], 0)
    assert not [note for note in dry.notes if "no valid row of these files" in note]
    got = _snapshot(graph)
    for key, want in expected.items():
        assert len(got[key]) == len(want), key
        differing = [(w, g) for w, g in zip(want, got[key], strict=True) if not _same(w, g)]
        assert not differing, (key, differing[:3])


@pytest.mark.parametrize(
    ("readme_commands", "files"),
    [
        ([["demo", "generate", "--lots", "5000", "--seed", "1", "--shape", "sap", "--out", "plant-sap"],  # noqa: E501
          ["import", "plant-sap", "--mapping", "sap"]], SAP_FILES),
        ([["demo", "generate", "--lots", "5000", "--seed", "1", "--shape", "mes", "--out", "plant-mes"],  # noqa: E501
          ["import", "plant-mes", "--mapping", "mes_gbk"]], MES_FILES),
    ],
    ids=["sap", "mes"],
)  # fmt: skip
def test_readme_export_shape_commands_generate_the_same_bytes_and_import_cleanly(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, readme_commands: list[list[str]], files: dict[str, Any],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    generate, load = readme_commands
    generated = runner.invoke(app, generate)
    assert generated.exit_code == 0, generated.stderr
    assert f"Import it with: tracegraph import {' '.join(load[1:])}" in generated.stdout
    first = {p.name: p.read_bytes() for p in sorted((tmp_path / generate[-1]).iterdir())}
    assert sorted(first) == sorted(files)
    again = runner.invoke(app, [*generate[:-1], "again"])
    assert again.exit_code == 0, again.stderr
    assert {p.name: p.read_bytes() for p in sorted((tmp_path / "again").iterdir())} == first
    imported = runner.invoke(app, load)
    assert imported.exit_code == 0, imported.stderr
    assert "+ 0 rejected" in imported.stdout.splitlines()[0]


def test_a_shape_is_not_written_beside_another_shapes_files(
    runner: CliRunner, tmp_path: Path
) -> None:
    """--force overwrites a shape's own files; the canonical lots.csv left beside SAP files
    would be imported too (and rejected whole by the SAP mapping)."""
    out = str(tmp_path / "plant")
    assert runner.invoke(app, ["demo", "generate", "--lots", "60", "--out", out]).exit_code == 0
    result = runner.invoke(app, ["demo", "generate", "--lots", "60", "--shape", "sap", "--force",
                                 "--out", out])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {out} holds CSV files that --shape sap does not write (customers.csv, "
        "device_events.csv, devices.csv …): an import of the folder would read them too"
    )
    assert not (tmp_path / "plant" / "MSEG_movements.csv").exists()


def test_the_mes_export_of_a_plants_device_events_finds_the_canonical_ones(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The same plant's device events imported from the canonical tables, then from the MES
    export: each alarm's kind is part of its key, and the MES's 超温 was kept as written, so its
    over-temperature alarms were new events beside the canonical ones (1 new, 14 changed). Each
    event is found now; what differs is its time as written — the instant the canonical tables
    give in UTC, the MES's in China Standard Time — the same instant, kept as stored and no
    change (a note counts them)."""
    plant = generate_plant(1500, 5, tmp_path / "canonical")  # 15 events, one an alarm
    write_mes(plant.out, tmp_path / "export")
    assert import_paths(graph, [plant.out], reject_file=tmp_path / "r1.csv").rejected == 0
    alarms = graph.driver.execute_query(
        "MATCH (e:DeviceEvent {event: 'alarm', result: 'over_temperature'}) RETURN count(e) AS n",
        database_=graph.database,
    ).records[0]["n"]
    assert alarms > 0
    before = graph.driver.execute_query(_DEVICE_EVENTS, database_=graph.database).records
    mes = import_paths(graph, [tmp_path / "export" / "设备事件.csv"],
                       mapping=load_mapping(Path("mes_gbk")),
                       reject_file=tmp_path / "r2.csv")  # fmt: skip
    events = mes.tables["device_events"]
    assert (events.read, events.rejected) == (len(before), 0)
    # 0 new, and none changed: the same instant in another offset is no change (it was one
    # change of `at` per event until the import kept instants as stored; a note counts them)
    assert (events.changed, events.updated) == (0, 0)
    changes = graph.driver.execute_query(
        "MATCH (c:RowChange {run_id: $run}) RETURN count(c) AS n",
        run=mes.run_id, database_=graph.database,
    ).records  # fmt: skip
    assert changes[0]["n"] == 0
    assert any(f"{len(before)} device_events rows gave times the graph holds as the same instants"
               in note for note in mes.notes), mes.notes  # fmt: skip
    assert graph.driver.execute_query(_DEVICE_EVENTS, database_=graph.database).records == before
