"""Two sources that disagree about the same row: the ERP's and the MES's spelling of one
supplier lot (`000123` and `123`), two inspections under one id, values that flip back and
forth every night. Each source's rows keep their sources (`_sources`, see
test_import_provenance); here, what happens when their content differs."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.restore import RESTORED_SHAS

from test_import_sources import _folder, _import  # isort: skip

LOTS = "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"


def _lots(tmp_path: Path, name: str, supplier_lot: str, quantity: int = 10) -> str:
    """A folder holding lot L1 of FLOUR, received from supplier V7 as `supplier_lot`."""
    rows = f"L1,FLOUR,{quantity},kg,V7,{supplier_lot}\n"
    return str(_folder(tmp_path, name, {"lots.csv": LOTS + rows}))


def _show(runner: CliRunner, name: str) -> dict[str, Any]:
    result = runner.invoke(app, ["lot", "show", name, "--format", "json"])
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


def _identities(graph: TraceGraph) -> dict[str, Any]:
    """Every supplier-lot identity: its key -> (the lots it names, the sources that sent it)."""
    records, _, _ = graph.driver.execute_query(
        "MATCH (i:Identifier {scheme: 'supplier_lot'}) "
        "OPTIONAL MATCH (i)-[r:IDENTIFIES]->(l:Lot) "
        "RETURN i.key AS key, collect([l.lot_id, r._sources]) AS named",
        database_=graph.database,
    )
    return {r["key"]: sorted(tuple(n) for n in r["named"] if n[0] is not None) for r in records}


def test_two_sources_spellings_of_one_supplier_lot_both_find_the_lot(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP's lots row gives L1 supplier lot V7 `000123` (the number on the supplier's
    certificate), the MES's `123` (it drops leading zeros). The MES's import replaced the lot's
    identity (`supplier_lot|V7|000123` → `supplier_lot|V7|123`): `lot show 000123`, a trace or
    a recall by the certificate's number found nothing. Now each source's spelling stays while
    that source sends it, whichever import ran last; `lot show` names who sent which. A
    source's next row with another number takes its old one away (a row equal to the lot's
    too), not the other source's; so does its --full without the lot the other still sends."""
    _import(runner, _lots(tmp_path, "erp", "000123"), "--source", "erp")
    _import(runner, _lots(tmp_path, "mes", "123"), "--source", "mes")
    assert _identities(graph) == {
        "supplier_lot|V7|000123": [("L1", "erp")], "supplier_lot|V7|123": [("L1", "mes")],
    }  # fmt: skip
    for name in ("000123", "123"):
        assert _show(runner, name)["lot"]["lot_id"] == "L1"
    shown = _show(runner, "L1")
    assert [(a["value"], a["sources"]) for a in shown["aliases"]] == [
        ("000123", ["erp"]), ("123", ["mes"]),
    ]  # fmt: skip
    # the lot's receipt holds the number of the row written last, the MES's
    assert [r["supplier_lot"] for r in shown["received"]] == ["123"]
    text = runner.invoke(app, ["lot", "show", "L1"]).output
    assert "supplier_lot V7 000123 (erp); supplier_lot V7 123 (mes)" in text, text
    traced = runner.invoke(app, ["trace", "forward", "000123", "--format", "json"])
    assert traced.exit_code == 0, traced.output
    # the ERP's next night, the same number: both stay
    _import(runner, _lots(tmp_path, "erp-2", "000123", quantity=11), "--source", "erp")
    assert set(_identities(graph)) == {"supplier_lot|V7|000123", "supplier_lot|V7|123"}
    # the MES sends the ERP's spelling now, a row equal to the lot's: the identity gains it,
    # and the MES's 123 goes (no source sends it any more)
    _import(runner, _lots(tmp_path, "mes-2", "000123", quantity=11), "--source", "mes")
    assert _identities(graph) == {"supplier_lot|V7|000123": [("L1", "erp mes")]}
    # the ERP corrects its number: its 000123 stays, the MES still sends it
    _import(runner, _lots(tmp_path, "erp-3", "000124", quantity=11), "--source", "erp")
    assert _identities(graph) == {
        "supplier_lot|V7|000123": [("L1", "mes")], "supplier_lot|V7|000124": [("L1", "erp")],
    }  # fmt: skip
    # the ERP's full dump without L1, which the MES still sends: the ERP's 000124 goes
    empty = str(_folder(tmp_path, "erp-full", {"lots.csv": LOTS}))
    _import(runner, empty, "--source", "erp", "--full", "--max-removals", "100%")
    assert _identities(graph) == {"supplier_lot|V7|000123": [("L1", "mes")]}


def _inspection(graph: TraceGraph, inspection_id: str) -> dict[str, Any]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (i:Inspection {inspection_id: $id}) "
        "RETURN i.test AS test, i._sources AS sources, "
        "COLLECT { MATCH (i)-[:OF_LOT]->(l) RETURN l.lot_id } AS lots, "
        "COLLECT { MATCH (i)-[:DURING]->(s) RETURN s.step_id } AS steps",
        {"id": inspection_id},
        database_=graph.database,
    )
    return records[0].data()


def test_another_sources_record_under_the_same_id_is_rejected_not_merged(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """QC's inspection I-1001 (lot L1) and the MES's I-1001 (step S9, its own numbering) are two
    inspections. The MES's import merged them into one neither wrote: lot L1 (kept from the
    graph, the MES's file has no lot_id) during step S9, the MES's test, 1 row changed, exit 0.
    Now the MES's row is rejected (exit 1), naming QC's record and the hint to prefix the ids;
    QC's inspection stays as QC sent it. A row of the other source naming the same lot is the
    same inspection, written as before. Steps too: the ERP's S1 of work order WO1 and the MES's
    S1 of WO7 are two steps — the MES's row rejected, and its step_inputs row naming S1 too
    (it linked its lot into the ERP's step)."""
    qc = {"lots.csv": "lot_id,material_id\nL1,FLOUR\nL2,FLOUR\n",
          "inspections.csv": "inspection_id,test,result,inspected_at,lot_id\n"
                             "I-1001,incoming,pass,2026-11-04T08:00:00Z,L1\n"
                             "I-1002,incoming,pass,2026-11-04T08:00:00Z,L1\n"}  # fmt: skip
    _import(runner, str(_folder(tmp_path, "qc", qc)), "--source", "qc")
    erp = {"steps.csv": "step_id,operation,started_at,work_order_id\n"
                        "S1,mix,2026-11-04T08:00:00Z,WO1\n"}  # fmt: skip
    _import(runner, str(_folder(tmp_path, "erp", erp)), "--source", "erp")
    mes = {
        "steps.csv": "step_id,operation,started_at,work_order_id\n"
        "S9,bake,2026-11-04T09:00:00Z,WO7\nS1,bake,2026-11-04T09:00:00Z,WO7\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nS1,L2,1,kg\nS9,L2,1,kg\n",
        "inspections.csv": "inspection_id,test,result,inspected_at,step_id\n"
        "I-1001,oven temperature,fail,2026-11-04T09:30:00Z,S9\n",
    }
    summary = _import(runner, str(_folder(tmp_path, "mes", mes)), "--source", "mes", code=1)
    assert _inspection(graph, "I-1001") == {
        "test": "incoming", "sources": "qc", "lots": ["L1"], "steps": [],
    }  # fmt: skip
    text = Path(summary["reject_file"]).read_text(encoding="utf-8")
    assert (
        "inspection_id I-1001 is qc's record of lot_id L1, this mes row's of step_id S9: another "
        "record under the same id, not merged into it (hint: if the sources number their "
        "inspections apart, give this source's ids a prefix in its mapping: inspection_id = "
        '{ template = ""mes-{COLUMN}"" }, COLUMN the column it takes inspection_id from)'
    ) in text, text
    assert (
        "step_id S1 is erp's record of work_order_id WO1, this mes row's of work_order_id WO7"
    ) in text, text
    # the hint names the row's own id column, and the tables naming those ids too
    assert (
        'step_id = { template = ""mes-{COLUMN}"" }, COLUMN the column it takes step_id from, and '
        "the same prefix in its step_inputs, step_outputs and inspections files)"
    ) in text, text
    assert "step_id names a step whose own row was rejected as another source's record" in text
    assert summary["tables"]["steps"]["rejected"] == 1
    assert summary["tables"]["step_inputs"]["rejected"] == 1
    assert summary["tables"]["inspections"]["rejected"] == 1
    records, _, _ = graph.driver.execute_query(
        "MATCH (s:ProcessStep {step_id: 'S1'}) RETURN s.operation AS operation, "
        "COLLECT { MATCH (s)-[:FOR]->(w) RETURN w.work_order_id } AS orders, "
        "COLLECT { MATCH (l)-[:INPUT_TO]->(s) RETURN l.lot_id } AS inputs",
        database_=graph.database,
    )
    assert records[0].data() == {"operation": "mix", "orders": ["WO1"], "inputs": []}
    # the MES's row of the same inspection (lot L1, during its S9): one record, written
    same = {"inspections.csv": "inspection_id,test,result,inspected_at,lot_id,step_id\n"
                               "I-1002,incoming,pass,2026-11-04T08:00:00Z,L1,S9\n"}  # fmt: skip
    _import(runner, str(_folder(tmp_path, "mes-2", same)), "--source", "mes")
    assert _inspection(graph, "I-1002") == {
        "test": "incoming", "sources": "mes qc", "lots": ["L1"], "steps": ["S9"],
    }  # fmt: skip


def test_values_two_sources_disagree_about_are_noted_at_each_change(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """QC names inspection I-1 of lot L1 `incoming`, the MES `来料检验`: each night both imports
    changed it (1 row changed each, exit 0), the ledger filling with changes back and forth,
    and nothing said why. Now each run that changes a row another source sent too says so, per
    table, with the change; a source changing only what it alone sent is not noted. A source's
    row unchanged since it last sent it changes nothing (test_source_last_rows): QC's second
    `incoming` is no change, its `incoming check` is."""
    header = "inspection_id,test,result,inspected_at,lot_id\n"

    def night(name: str, source: str, test: str) -> list[str]:
        # each night's export holds that night's inspection too (an unchanged file is skipped)
        rows = f"I-1,{test},pass,2026-11-04T08:00:00Z,L1\nI-{name},x,pass,2026-11-05T08:00:00Z,L1\n"
        files = {"inspections.csv": header + rows}
        summary = _import(runner, str(_folder(tmp_path, name, files)), "--source", source)
        notes: list[str] = summary["notes"]
        return [n for n in notes if "values replace" in n]

    assert night("qc-1", "qc", "incoming") == []
    noted = night("mes-1", "mes", "来料检验")
    assert len(noted) == 1 and noted[0].endswith(
        "inspections.csv: 1 inspections row qc sent too: mes's values replace the graph's (I-1: "
        "test incoming → 来料检验). Where sources disagree about a column, the newest change of "
        "either wins (not the last import): make their exports agree, or leave the column to "
        "one of them"
    ), noted
    assert night("qc-2", "qc", "incoming") == []
    assert night("qc-3", "qc", "incoming check") == [
        f"{tmp_path / 'qc-3' / 'inspections.csv'}: 1 inspections row mes sent too: qc's values "
        "replace the graph's (I-1: test 来料检验 → incoming check). Where sources disagree about "
        "a column, the newest change of either wins (not the last import): make their exports "
        "agree, or leave the column to one of them"
    ]


FULL_LOTS = "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,status\n"


def _r1(runner: CliRunner, tmp_path: Path) -> list[list[str]]:
    """The ERP sends L1 (V7 `000123`, released), QC its status (`lot_id,material_id,status`:
    no supplier lot), the ERP corrects the number to `000124`; each run's notes."""
    erp1 = {"lots.csv": FULL_LOTS + "L1,FLOUR,10,kg,V7,000123,released\n"}
    qc1 = {"lots.csv": "lot_id,material_id,status\nL1,FLOUR,hold\n"}
    erp2 = {"lots.csv": FULL_LOTS + "L1,FLOUR,10,kg,V7,000124,hold\n"}
    notes = []
    for name, files, source in (("erp1", erp1, "erp"), ("qc1", qc1, "qc"), ("erp2", erp2, "erp")):
        summary = _import(runner, str(_folder(tmp_path, name, files)), "--source", source)
        notes.append(summary["notes"])
    return notes


def test_status_only_file_does_not_keep_a_corrected_supplier_lot(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """QC's status update gives no supplier lot: the importer completed its row from the graph,
    and QC became a sender of the ERP's `000123`. When the ERP corrected it to `000124`, only
    the ERP was taken off `000123`, and QC kept the wrong number finding the lot for good
    (`supplier_lot V7 000123 (qc); supplier_lot V7 000124 (erp)`). A file without supplier_lot
    and supplier_id now leaves the lot's supplier-lot identities as they are."""
    _r1(runner, tmp_path)
    assert _identities(graph) == {"supplier_lot|V7|000124": [("L1", "erp")]}
    assert runner.invoke(app, ["lot", "show", "000123"]).exit_code != 0


def test_partial_updates_note_only_the_columns_they_change_and_name_only_their_senders(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """QC's status update of the ERP's lot (`lot_id,material_id,status`) was noted as `qc's
    values replace those erp sent too … make their exports agree`, naming the quantity QC does
    not carry; the fix left out every row a file gives "in part" — a file lacking ANY column
    the graph held — so the MES, whose lots file lacks the ERP's columns, was never noted,
    whatever it changed. Now a note lists the columns the run changes (per-column rule: only
    those its source changed) that the file has, naming the senders whose files carry them:
    QC's hold is noted for its status alone, the MES's partial row for what it changed."""
    _, qc_notes, _ = _r1(runner, tmp_path)
    noted = [n for n in qc_notes if "sent too" in n]
    assert len(noted) == 1 and (
        "1 lots row erp sent too: qc's values replace the graph's (L1: status released → hold)"
        in noted[0]
    ), noted
    assert "quantity" not in noted[0]
    # the MES's file lacks the quantity: its status change of the row is noted all the same
    mes = {"lots.csv": "lot_id,material_id,uom,supplier_id,supplier_lot,status\n"
                       "L1,FLOUR,kg,V7,000124,rejected\n"}  # fmt: skip
    notes = _import(runner, str(_folder(tmp_path, "mes1", mes)), "--source", "mes")["notes"]
    noted = [n for n in notes if "sent too" in n]
    assert len(noted) == 1 and (
        "1 lots row erp and qc sent too: mes's values replace the graph's (L1: status hold → "
        "rejected)" in noted[0]
    ), noted
    # the MES's whole row, another quantity, its status as before: only the quantity changes,
    # and only the ERP's files carry a quantity
    mes = {"lots.csv": FULL_LOTS + "L1,FLOUR,12,kg,V7,000124,rejected\n"}
    notes = _import(runner, str(_folder(tmp_path, "mes2", mes)), "--source", "mes")["notes"]
    noted = [n for n in notes if "sent too" in n]
    assert len(noted) == 1 and (
        "1 lots row erp sent too: mes's values replace the graph's (L1: quantity 10.0 → 12.0)"
        in noted[0]
    ), noted


def test_unchanged_reimport_of_two_spellings_writes_no_identities(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    """The ERP sends V7 `000123`, the MES `123`: lots_shas gave the element id of every lot with
    two sources and two spellings, and each unchanged MES re-import rewrote every such lot's
    supplier-lot links (lots_identity_sources, five Eager operators a row). Now it is written
    only when the identities naming the source are not the row's."""
    _import(runner, _lots(tmp_path, "erp", "000123"), "--source", "erp")
    _import(runner, _lots(tmp_path, "mes", "123"), "--source", "mes")
    written: list[str] = []
    write, write_all = TraceGraph.write, TraceGraph.write_all

    def spy(self: TraceGraph, name: str, /, **params: Any) -> Any:
        written.append(name)
        return write(self, name, **params)

    def spy_all(self: TraceGraph, statements: list[tuple[str, dict[str, Any]]]) -> None:
        written.extend(name for name, _ in statements)
        write_all(self, statements)

    monkeypatch.setattr(TraceGraph, "write", spy)
    monkeypatch.setattr(TraceGraph, "write_all", spy_all)
    # the same row again, in a file that is not the same bytes (an unchanged file is skipped)
    again = {"lots.csv": LOTS + "L1,FLOUR,10,kg,V7,123\nL2,FLOUR,1,kg,V7,9\n"}
    _import(runner, str(_folder(tmp_path, "mes-2", again)), "--source", "mes")
    assert "import/lots_identity_sources" not in written, written


def test_a_source_missing_from_its_spelling_is_repaired_by_the_next_run(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A run killed after the MES joined the lot's sources but before it joined its spelling's
    IDENTIFIES edge (two transactions) left the edge without it, and no re-run repaired it:
    lots_shas gave no element id for a lot with the source and one spelling. Now the next run
    finds the source on none of the lot's spellings and writes it."""
    _import(runner, _lots(tmp_path, "erp", "000123"), "--source", "erp")
    _import(runner, _lots(tmp_path, "mes", "000123"), "--source", "mes")
    assert _identities(graph) == {"supplier_lot|V7|000123": [("L1", "erp mes")]}
    graph.driver.execute_query(  # as the killed run left it
        "MATCH (:Identifier {scheme: 'supplier_lot'})-[r:IDENTIFIES]->(:Lot {lot_id: 'L1'}) "
        "SET r._sources = 'erp'",
        database_=graph.database,
    )
    again = {"lots.csv": LOTS + "L1,FLOUR,10,kg,V7,000123\nL2,FLOUR,1,kg,V7,9\n"}
    _import(runner, str(_folder(tmp_path, "mes-2", again)), "--source", "mes")
    assert _identities(graph)["supplier_lot|V7|000123"] == [("L1", "erp mes")]


def test_supplier_lot_of_a_lot_without_supplier_flipping_between_sources_is_recorded(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A lot without a supplier that the ERP spells `000123` and the MES `123`: the number the
    graph held before a change was read from whichever supplier-lot identity came last (a lot
    without a supplier has no receipt to hold its last row's), so the ERP's row taking it back
    to `000123` was written but neither recorded on the ledger nor noted. The last row's number
    is now kept on the lot for such lots. (Each source's second row changes its quantity too:
    a row unchanged since its source last sent it changes nothing, test_source_last_rows.)"""
    header = "lot_id,material_id,quantity,uom,supplier_lot\n"
    runs = (("erp1", "erp", "000123", 10), ("mes1", "mes", "123", 10),
            ("erp2", "erp", "000123", 11), ("mes2", "mes", "123", 11))  # fmt: skip
    changed = []
    for name, source, number, quantity in runs:
        files = {"lots.csv": header + f"L1,FLOUR,{quantity},kg,{number}\n"}
        summary = _import(runner, str(_folder(tmp_path, name, files)), "--source", source)
        notes = [n for n in summary["notes"] if "sent too" in n]
        noted = notes[0].split(": ", 1)[1].split(". ")[0] if notes else None
        changed.append((summary["tables"]["lots"]["updated"], noted))
    assert changed[2:] == [
        (1, "1 lots row mes sent too: erp's values replace the graph's (L1: quantity 10.0 → "
            "11.0; supplier_lot 123 → 000123)"),
        (1, "1 lots row erp sent too: mes's values replace the graph's (L1: supplier_lot 000123 "
            "→ 123)"),
    ], changed  # fmt: skip


def test_full_run_taking_the_last_supplier_lot_spelling_away_leaves_no_stale_number(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A lot without a supplier keeps its last row's supplier lot on itself (the MES's `123`);
    the MES's --full without the lot, which the ERP still sends (`000123`), took the MES's
    identity away but left `123` on the lot: the ERP's next import of its unchanged row was a
    change `supplier_lot 123 → 000123` on the ledger and in `lot show`, of a number no source
    sends. The number now follows the identities left; none left, none kept."""
    header = "lot_id,material_id,quantity,uom,supplier_lot\n"
    erp = header + "L1,FLOUR,10,kg,000123\n"
    _import(runner, str(_folder(tmp_path, "erp1", {"lots.csv": erp})), "--source", "erp")
    mes = {"lots.csv": header + "L1,FLOUR,10,kg,123\nL2,FLOUR,1,kg,77\n"}
    _import(runner, str(_folder(tmp_path, "mes1", mes)), "--source", "mes")
    full = {"lots.csv": header + "L2,FLOUR,1,kg,77\n"}
    _import(runner, str(_folder(tmp_path, "mes-full", full)), "--source", "mes", "--full")
    assert _identities(graph) == {
        "supplier_lot||000123": [("L1", "erp")], "supplier_lot||77": [("L2", "mes")],
    }  # fmt: skip
    changes = len(_show(runner, "L1")["changes"])
    again = {"lots.csv": erp + "L3,FLOUR,1,kg,\n"}
    summary = _import(runner, str(_folder(tmp_path, "erp2", again)), "--source", "erp")
    assert summary["tables"]["lots"]["updated"] == 0, summary["tables"]["lots"]
    assert _show(runner, "L1")["changes"][changes:] == []
    # the ERP's row without a number now: none kept, and the MES's full dump of a lot only it
    # sent a number for leaves the lot none either
    _import(runner, str(_folder(tmp_path, "erp3", {"lots.csv": header + "L2,FLOUR,1,kg,\n"})),
            "--source", "erp")  # fmt: skip
    _import(runner, str(_folder(tmp_path, "mes-full2", {"lots.csv": header})), "--source",
            "mes", "--full", "--max-removals", "100%")  # fmt: skip
    held, _, _ = graph.driver.execute_query(
        "MATCH (n:Lot) RETURN n.lot_id AS lot, n._supplier_lot AS number ORDER BY lot",
        database_=graph.database,
    )
    assert [(r["lot"], r["number"]) for r in held] == [("L1", "000123"), ("L2", None),
                                                        ("L3", None)]  # fmt: skip


def test_values_replace_note_names_only_the_sources_whose_files_carry_a_changed_column(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """QC sends L1's status only (`lot_id,material_id,status`); the MES's row changing the ERP's
    quantity named QC too (`erp and qc sent too`), though no QC file ever had a quantity: who
    sent which column was not kept. Each run now records its files' columns per table on its
    ledger entry, and the note names a source only for a column its files carry — for every
    column when a run of it did not record them (a run before they were kept)."""
    _r1(runner, tmp_path)

    def noted(name: str, row: str) -> list[str]:
        files = {"lots.csv": FULL_LOTS + row}
        notes = _import(runner, str(_folder(tmp_path, name, files)), "--source", "mes")["notes"]
        return [n.split(": ", 1)[1].split(". ")[0] for n in notes if "sent too" in n]

    assert noted("mes1", "L1,FLOUR,12,kg,V7,000124,hold\n") == [
        "1 lots row erp sent too: mes's values replace the graph's (L1: quantity 10.0 → 12.0)"
    ]
    assert noted("mes2", "L1,FLOUR,10,kg,V7,000124,released\n") == [
        "1 lots row erp and qc sent too: mes's values replace the graph's (L1: quantity 12.0 → "
        "10.0; status hold → released)"
    ]
    graph.driver.execute_query(  # QC's runs as a version before runs kept their columns left them
        "MATCH (run:ImportRun {source: 'qc'}) REMOVE run.table_columns", database_=graph.database
    )
    assert noted("mes3", "L1,FLOUR,11,kg,V7,000124,released\n") == [
        "1 lots row erp and qc sent too: mes's values replace the graph's (L1: quantity 10.0 → "
        "11.0)"
    ]


def test_a_restore_gives_each_source_its_own_spelling_of_the_supplier_lot(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends L1 as supplier lot `000123`, the MES as `123`; a bad MES dump with --full
    --remove-other-sources removes L1. removed-RUN.csv kept one supplier_lot, the last row's
    (the MES's), and the restore wrote it in both folders: imported under each source, the
    ERP's `000123` was gone (`lot show 000123`: no lot is known) and `123` was sent by `erp
    mes`. The file keeps each spelling with its sources (`supplier_lots`); each folder gets its
    source's own, and both find L1 again, each with its own source. A file written before the
    column restores the last row's spelling, as before."""
    _import(runner, _lots(tmp_path, "erp", "000123"), "--source", "erp")
    _import(runner, _lots(tmp_path, "mes", "123"), "--source", "mes")
    before = _identities(graph)
    empty = str(_folder(tmp_path, "mes-bad", {"lots.csv": LOTS}))
    done = _import(runner, empty, "--source", "mes", "--full", "--remove-other-sources",
                   "--max-removals", "100%")  # fmt: skip
    assert done["removed"] == 1 and _identities(graph) == {}
    with open(done["removed_file"], encoding="utf-8-sig", newline="") as file:
        header, line = list(csv.reader(file))
    assert json.loads(dict(zip(header, line, strict=True))["supplier_lots"]) == [
        {"sources": "erp", "supplier_id": "V7", "supplier_lot": "000123"},
        {"sources": "mes", "supplier_id": "V7", "supplier_lot": "123"},
    ]
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    _import(runner, str(folder), "--source", "mes")
    _import(runner, str(folder / "erp"), "--source", "erp")
    assert _identities(graph) == before == {
        "supplier_lot|V7|000123": [("L1", "erp")], "supplier_lot|V7|123": [("L1", "mes")],
    }  # fmt: skip
    for name in ("000123", "123"):
        assert _show(runner, name)["lot"]["lot_id"] == "L1"
    # a file written before the supplier_lots column: the lot's values as they are
    from tracegraph.importing.restore import read_removed_by_source

    older = tmp_path / "removed-older.csv"
    with older.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header[:4], line[:4]])
    record = json.loads(line[2])
    assert read_removed_by_source(older, "mes")[0] == {"mes": {"lots": [record]},
                                                    "erp": {"lots": [record]}}  # fmt: skip


def _as_folder(folder: Path) -> list[str]:
    return [str(folder)]


def _files_one_by_one(folder: Path) -> list[str]:
    return [str(f) for f in sorted(folder.iterdir()) if f.is_file() and f.name != RESTORED_SHAS]


def _through_a_link(folder: Path) -> list[str]:
    """The folder through a symlink in the working folder, as a relative path (`./link-erp/`),
    and its files again by their own paths: a file named twice is read once, spelled as named
    last, so the files imported are not under the folder as given. The link alone was no test:
    its files' paths are under it as written, and compared as written they matched before
    paths were resolved (d76ab0e); so spelled, the folder put back nothing."""
    link = Path.cwd() / f"link-{folder.name}"
    link.symlink_to(folder, target_is_directory=True)
    return [f"./{link.name}/", *_files_one_by_one(folder)]


def _remove_and_restore(
    runner: CliRunner,
    tmp_path: Path,
    *senders: str,
    given: Callable[[Path], list[str]] = _as_folder,
) -> tuple[Path, str]:
    """L1 removed by an empty MES dump (--full --remove-other-sources), restored into a folder
    and each source's folder imported under its source (the MES's, the run's, is the folder
    itself), as `given` names it; the folder and the restore's stderr."""
    empty = str(_folder(tmp_path, "mes-bad", {"lots.csv": LOTS}))
    done = _import(runner, empty, "--source", "mes", "--full", "--remove-other-sources",
                   "--max-removals", "100%")  # fmt: skip
    assert done["removed"] == 1
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    for name in senders:
        _import(runner, *given(folder if name == "mes" else folder / name), "--source", name)
    return folder, restored.stderr


@pytest.mark.parametrize("given", [_as_folder, _files_one_by_one, _through_a_link])
def test_a_restore_puts_back_each_sources_last_row(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: Callable[[Path], list[str]],
) -> None:
    """The ERP and the MES send L1 released, QC holds it; a bad MES dump (--full
    --remove-other-sources) removes it, and the restore's folders are imported under each
    source. Each source's last row was then the restored one — the graph's, QC's hold in it —
    and the ERP's next unchanged export was a change that released the hold. The restore's
    folders put back the removed row's `_source_shas`: the ERP's row as before is no news.
    The same for a folder's files given one by one (a folder was told from the files its
    import read by `f.parent == path`: they put nothing back) or the folder through a symlink
    as a relative path with its files named again (see _through_a_link)."""
    monkeypatch.chdir(tmp_path)  # where _through_a_link makes its link
    erp_l1 = "L1,FLOUR,10,kg,V7,000123,released\n"
    for name, files in (("erp", FULL_LOTS + erp_l1), ("mes", FULL_LOTS + erp_l1),
                        ("qc", "lot_id,material_id,status\nL1,FLOUR,hold\n")):  # fmt: skip
        _import(runner, str(_folder(tmp_path, name, {"lots.csv": files})), "--source", name)
    query = "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas, l.status"
    before = graph.driver.execute_query(query, database_=graph.database).records[0]
    assert before[1] == "hold"
    _remove_and_restore(runner, tmp_path, "mes", "erp", "qc", given=given)
    assert list(graph.driver.execute_query(query, database_=graph.database).records[0]) == [*before]
    # the ERP's export as before: no change, and no older export ("a hold released")
    again = FULL_LOTS + erp_l1
    erp = _import(runner, str(_folder(tmp_path, "erp2", {"lots.csv": again})), "--source", "erp")
    assert erp["tables"]["lots"]["updated"] == 0
    assert _show(runner, "L1")["lot"]["status"] == "hold"
    assert not [n for n in erp["notes"] if "older export" in n], erp["notes"]


def test_a_restore_folder_imported_again_puts_back_no_entry_over_a_newer_one(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """After a restore's folders were imported, QC released L1 for real; QC's restore folder
    imported again (its file skipped as unchanged) put QC's removed entry — its hold — back
    over the release, and QC's real hold the next night was no news (`changed 0`, the lot
    released): lost. A folder puts back only what its own import recorded."""
    erp_l1 = "L1,FLOUR,10,kg,V7,000123,released\n"
    for name, files in (("erp", FULL_LOTS + erp_l1), ("mes", FULL_LOTS + erp_l1),
                        ("qc", "lot_id,material_id,status\nL1,FLOUR,hold\n")):  # fmt: skip
        _import(runner, str(_folder(tmp_path, name, {"lots.csv": files})), "--source", name)
    folder, _ = _remove_and_restore(runner, tmp_path, "mes", "erp", "qc")
    released = {"lots.csv": "lot_id,material_id,status\nL1,FLOUR,released\n"}
    _import(runner, str(_folder(tmp_path, "qc2", released)), "--source", "qc")
    assert _show(runner, "L1")["lot"]["status"] == "released"
    again = _import(runner, str(folder / "qc"), "--source", "qc")
    assert again["tables"] == {} or again["tables"]["lots"]["changed"] == 0
    held = {"lots.csv": "lot_id,material_id,status\nL1,FLOUR,hold\n"}
    qc = _import(runner, str(_folder(tmp_path, "qc3", held)), "--source", "qc")
    assert qc["tables"]["lots"]["changed"] == 1
    assert _show(runner, "L1")["lot"]["status"] == "hold"


def test_a_restore_gives_each_source_its_own_supplier_of_the_supplier_lot(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP names L1's supplier V7 and its lot `000123`, the MES V8 and `123`. The restore
    swapped only the number into each folder's row, which kept the last row's (the MES's)
    supplier: imported, the ERP's number was `supplier_lot|V8|000123`, under a supplier it
    never named. Each spelling is kept with its supplier, and each folder gets both its own."""
    for name, supplied in (("erp", "V7,000123"), ("mes", "V8,123")):
        files = {"lots.csv": LOTS + f"L1,FLOUR,10,kg,{supplied}\n"}
        _import(runner, str(_folder(tmp_path, name, files)), "--source", name)
    before = _identities(graph)
    _remove_and_restore(runner, tmp_path, "mes", "erp")
    assert _identities(graph) == before == {
        "supplier_lot|V7|000123": [("L1", "erp")], "supplier_lot|V8|123": [("L1", "mes")],
    }  # fmt: skip


def test_a_restore_gives_a_source_that_sent_no_supplier_lot_none(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """QC sends L1 too, as a status file without supplier columns. The restore wrote QC's row
    with the last row's supplier and number (the MES's `123`): imported, QC was a sender of a
    spelling it never sent (`mes qc`). Its row comes back without them, in a part of lots of
    its own (`lots_2.csv`: a file's header says for all its rows whether it gives them) —
    and without the receipt's time, which lives on the link to the supplier: with it, every
    such row was rejected (`a receipt needs its supplier_id`, a tester's month: QC's held lot
    and 27 MES rows), QC no sender of its lot again."""
    received = "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at\n"
    for name, spelled in (("erp", "000123"), ("mes", "123")):
        row = f"L1,FLOUR,10,kg,V7,{spelled},2026-01-05T04:00:00Z\n"
        _import(runner, str(_folder(tmp_path, name, {"lots.csv": received + row})),
                "--source", name)  # fmt: skip
    status = {"lots.csv": "lot_id,material_id,status\nL1,FLOUR,released\n"}
    _import(runner, str(_folder(tmp_path, "qc", status)), "--source", "qc")
    before = _identities(graph)
    folder, _ = _remove_and_restore(runner, tmp_path, "mes", "erp", "qc")
    assert _identities(graph) == before == {
        "supplier_lot|V7|000123": [("L1", "erp")], "supplier_lot|V7|123": [("L1", "mes")],
    }  # fmt: skip
    # (and the restore's file of the row's senders' last rows, put back when it is imported)
    assert sorted(p.name for p in (folder / "qc").iterdir()) == [RESTORED_SHAS, "lots_2.csv"]
    assert _show(runner, "L1")["lot"]["status"] == "released"
    senders = "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources AS sources"
    assert graph.driver.execute_query(senders, database_=graph.database).records[0][0] == (
        "erp mes qc"
    )


def test_an_edited_file_of_restored_hashes_is_an_error_naming_its_line(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The restore's record of the sources' last rows (`.restored-source-shas.csv`), edited or
    cut off, made the folder's import end in "unexpected failure: ValueError" (a bug to
    report). It is one line naming the file and its line, with what to do, exit 2."""
    _import(runner, _lots(tmp_path, "erp", "000123"), "--source", "erp")
    _import(runner, _lots(tmp_path, "mes", "123"), "--source", "mes")
    folder, _ = _remove_and_restore(runner, tmp_path)
    shas = folder / RESTORED_SHAS
    lines = shas.read_text(encoding="utf-8-sig").splitlines()
    shas.write_text("\n".join([*lines[:1], lines[1].split(",")[0] + ",{cut"]) + "\n",
                    encoding="utf-8")  # fmt: skip
    error = _import(runner, str(folder), "--source", "mes", code=2)["error"]
    assert error.startswith(f"error: {shas} line 2 is not a restored row's table"), error
    assert "run the restore again into an empty folder" in error


def test_a_restore_names_a_spelling_no_folder_gets(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A spelling sent by none of the sources its lot is restored under (the ERP's, its edge
    written before identities kept their sources) went into no folder, unsaid. The restore
    names it; the ERP's row comes back without a spelling rather than with the MES's."""
    _import(runner, _lots(tmp_path, "erp", "000123"), "--source", "erp")
    _import(runner, _lots(tmp_path, "mes", "123"), "--source", "mes")
    graph.driver.execute_query(
        "MATCH (:Identifier {value: '000123'})-[r:IDENTIFIES]->() REMOVE r._sources",
        database_=graph.database,
    )
    _, said = _remove_and_restore(runner, tmp_path, "mes", "erp")
    assert (
        "1 supplier-lot spelling sent by no source its lot is restored under, written to no "
        "folder: lot L1: supplier lot V7 000123 (no source recorded)" in " ".join(said.split())
    )
    assert _identities(graph) == {"supplier_lot|V7|123": [("L1", "mes")]}


def test_the_note_names_each_examples_own_senders_when_several_others_sent_the_table(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """QC sent inspection I-1, the ERP I-2; the MES changing both was noted as `2 inspections
    rows erp and qc sent too … (I-1: …, I-2: …)`, as if the ERP had sent I-1 (a tester's
    month: I0000001, which the ERP never sent). Each example names its own senders."""
    header = "inspection_id,test,result,inspected_at,lot_id\n"
    one = "I-1,{},pass,2026-11-04T08:00:00Z,L1\n"
    two = "I-2,{},pass,2026-11-04T09:00:00Z,L1\n"
    for name, rows in (("qc", one.format("incoming")), ("erp", two.format("incoming"))):
        files = {"inspections.csv": header + rows}
        _import(runner, str(_folder(tmp_path, name, files)), "--source", name)
    files = {"inspections.csv": header + one.format("来料检验") + two.format("来料检验")}
    notes = _import(runner, str(_folder(tmp_path, "mes", files)), "--source", "mes")["notes"]
    (noted,) = [n for n in notes if "values replace" in n]
    assert noted.split(": ", 1)[1].split(". ")[0] == (
        "2 inspections rows erp and qc sent too: mes's values replace the graph's (I-1 (qc): test "
        "incoming → 来料检验, I-2 (erp): test incoming → 来料检验)"
    )
