"""The newest change wins: a source's row changes the graph only when that source's own row
changed since it last sent it, and only in the columns it changed. Rows two or more sources
send keep each one's last row and column hashes (`_source_shas`); a source's unchanged row is
skipped even where the graph holds another source's values — the ERP's unchanged lot row no
longer undoes QC's hold, nor does its corrected quantity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing import run
from tracegraph.importing.ledger import import_runs
from tracegraph.importing.run import RUN_NOTES, import_paths

from test_import_sources import _folder, _import  # isort: skip

LOTS = "lot_id,material_id,quantity,uom,created_at,status\n"
L1 = "L1,FLOUR,10,kg,2026-01-05T04:00:00Z,released\n"
L2 = "L2,FLOUR,5,kg,2026-01-06T04:00:00Z,released\n"
STATUS = "lot_id,material_id,status\n"


def _night(runner: CliRunner, tmp_path: Path, name: str, source: str, **files: str) -> Any:
    """Import one night's export of `source` (files by table name); its lots and inspections
    counts and its notes."""
    folder = _folder(tmp_path, name, {f"{table}.csv": text for table, text in files.items()})
    return _import(runner, str(folder), "--source", source)


def _value(graph: TraceGraph, query: str, **params: Any) -> Any:
    records, _, _ = graph.driver.execute_query(query, params, database_=graph.database)
    return records[0][0] if records else None


def _status(graph: TraceGraph, lot_id: str) -> Any:
    return _value(graph, "MATCH (l:Lot {lot_id: $id}) RETURN l.status", id=lot_id)


def _qc_holds(runner: CliRunner, tmp_path: Path) -> Any:
    """QC's status file holds lot L1 (`lot_id,material_id,status`, a partial row)."""
    return _night(runner, tmp_path, "qc1", "qc", lots=STATUS + "L1,FLOUR,hold\n")


def test_an_unchanged_erp_row_does_not_undo_a_qc_hold(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Night 1 the ERP sends L1 released, QC's status file holds it; night 2 the ERP's lots file
    changed (L2 added) and its L1 row is byte for byte night 1's: it was written, as it
    differed from the graph's (QC's hold), and L1 was released again, noted only among rows
    "qc sent too". Now it is unchanged for the ERP: not written, not a change, not noted. QC
    sending its unchanged partial row again is unchanged for QC too."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1)
    assert _qc_holds(runner, tmp_path)["tables"]["lots"]["updated"] == 1
    erp = _night(runner, tmp_path, "erp2", "erp", lots=LOTS + L1 + L2)
    assert _status(graph, "L1") == "hold"
    assert erp["tables"]["lots"]["updated"] == 0
    assert [n for n in erp["notes"] if "sent too" in n] == []
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "erp qc"
    # QC's same L1 row with a new one: only L2 changes
    qc = _night(runner, tmp_path, "qc2", "qc", lots=STATUS + "L1,FLOUR,hold\nL2,FLOUR,hold\n")
    assert qc["tables"]["lots"]["updated"] == 1
    # the ERP's own change of L1 is written, only the column it changed: the newest change
    # of each column wins (the row's whole file replaced QC's hold with the ERP's `released`)
    _night(runner, tmp_path, "erp3", "erp", lots=LOTS + L1.replace("10,", "12,") + L2)
    assert _status(graph, "L1") == "hold"
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l.quantity") == 12
    erp = _night(
        runner,
        tmp_path,
        "erp4",
        "erp",
        lots=LOTS + L1.replace("10,", "12,").replace("released", "rejected") + L2,
    )
    assert _status(graph, "L1") == "rejected"
    assert erp["tables"]["lots"]["updated"] == 1


def test_an_unchanged_mes_inspection_does_not_undo_qc_result(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES sends I1 pass, QC I1 fail; the next night the MES's file changed (I2 added), its
    I1 row did not: I1 went back to pass, and QC's identical file was skipped as unchanged, so
    the graph kept pass though QC's last word was fail. Now the MES's I1 row is skipped."""
    header = "inspection_id,test,result,inspected_at,lot_id\n"
    i1 = "I1,incoming,pass,2026-01-05T04:00:00Z,L1\n"
    _night(runner, tmp_path, "mes1", "mes", inspections=header + i1)
    _night(runner, tmp_path, "qc1", "qc", inspections=header + i1.replace("pass", "fail"))
    i2 = "I2,incoming,pass,2026-01-06T04:00:00Z,L1\n"
    mes = _night(runner, tmp_path, "mes2", "mes", inspections=header + i1 + i2)
    assert mes["tables"]["inspections"]["updated"] == 0
    assert _value(graph, "MATCH (i:Inspection {inspection_id: 'I1'}) RETURN i.result") == "fail"


def test_two_disagreeing_sources_do_not_flip_a_row_every_night(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends L1 with 10 kg, the MES with 11 kg, each every night (each night's file
    holds a new lot too: an unchanged file is skipped): each import changed L1, a ledger change
    every night. Now only the first night's changes are recorded; the MES's value stays."""
    updated = []
    for night in (1, 2, 3):
        more = f"N{night},FLOUR,1,kg,2026-01-0{night}T04:00:00Z,released\n"
        for source, row in (("erp", L1), ("mes", L1.replace("10,", "11,"))):
            summary = _night(runner, tmp_path, f"{source}{night}", source, lots=LOTS + row + more)
            updated.append(summary["tables"]["lots"]["updated"])
    # night 1: the MES's row changes the ERP's L1 (its N1 is the ERP's too: the same row)
    assert updated == [0, 1, 0, 0, 0, 0]
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l.quantity") == 11


def test_a_renamed_source_keeps_its_last_rows(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`imports --rename-source erp plant` renames the source in each row's last hashes too:
    the plant's unchanged L1 row, the ERP's last one, does not undo QC's hold."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1)
    _qc_holds(runner, tmp_path)
    renamed = runner.invoke(app, ["imports", "--rename-source", "erp", "plant"])
    assert renamed.exit_code == 0, renamed.output
    shas = _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas")
    assert [pair.split(":")[0] for pair in shas.split(" ")] == ["plant", "qc"]
    # each entry renamed whole, its column hashes with it (the rename kept the row hash alone)
    assert all(len(entry.split(":")) == 3 for entry in shas.split(" ")), shas
    plant = _night(runner, tmp_path, "plant2", "plant", lots=LOTS + L1 + L2)["tables"]["lots"]
    assert (plant["updated"], _status(graph, "L1")) == (0, "hold")


def test_only_rows_several_sources_send_keep_their_hashes(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A single-source import writes no `_source_shas` at all; a second source joining a row
    records the first one's hash from the graph's `_row_sha` (with its columns' hashes from
    the graph's values); a --full run that leaves one source on the row keeps the entry of
    the source it took off (it took them all off: see the test of a bad dump's source back)
    and marks the one left, to vouch for the row again (writer.TO_VOUCH)."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1 + L2)
    _night(runner, tmp_path, "erp2", "erp", lots=LOTS + L1.replace("10,", "12,") + L2)
    count = "MATCH (n) WHERE n._source_shas IS NOT NULL RETURN count(n)"
    assert _value(graph, count) == 0
    assert _value(graph, "MATCH ()-[r]->() WHERE r._source_shas IS NOT NULL RETURN count(r)") == 0
    erp_sha = _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._row_sha")
    _qc_holds(runner, tmp_path)
    shas = _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas")
    assert shas.startswith(f"erp:{erp_sha}:") and " qc:" in shas and _value(graph, count) == 1
    full = _folder(tmp_path, "erp-full", {"lots.csv": LOTS + L2})
    _import(runner, str(full), "--source", "erp", "--full")
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "qc"
    # the ERP's entry kept, QC's marked: QC, left alone on the row, vouches for it again
    erp_entry, qc_entry = shas.split(" ")
    marked = f"{erp_entry} {qc_entry.replace('qc:', 'qc:!', 1)}"
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas") == marked


def test_a_source_back_after_its_bad_full_brings_no_news(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES's --full of a short dump took it off L1; the next night it sent L1 as it always
    had, and, new to the row again (its last hash went with it), its values replaced the
    graph's: QC's hold released, the ERP's newer quantity undone. Its entry stays on the row
    now: its row as it sent it before is no news."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1)
    mes_l1 = L1.replace("kg,", "KG,")  # the MES writes the unit its own way
    _night(runner, tmp_path, "mes1", "mes", lots=LOTS + mes_l1)
    _qc_holds(runner, tmp_path)
    _night(runner, tmp_path, "erp2", "erp", lots=LOTS + L1.replace("10,", "12,"))
    assert (_status(graph, "L1"), _value(graph, "MATCH (l:Lot) RETURN l.quantity")) == ("hold", 12)
    _import(runner, str(_folder(tmp_path, "mes-bad", {"lots.csv": LOTS + L2})), "--source",
            "mes", "--full", "--max-removals", "100%")  # fmt: skip
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "erp qc"
    mes = _night(runner, tmp_path, "mes2", "mes", lots=LOTS + mes_l1 + L2)
    assert mes["tables"]["lots"]["updated"] == 0
    assert _status(graph, "L1") == "hold"
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l.quantity") == 12
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "erp mes qc"


def test_rows_held_without_hashes_behave_as_before_once_then_record(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A row several sources sent before rows kept their last hashes has none: each source's
    first row is compared with the graph's as before, then its hash is recorded."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1)
    _qc_holds(runner, tmp_path)
    graph.driver.execute_query("MATCH (l:Lot) REMOVE l._source_shas", database_=graph.database)
    _night(runner, tmp_path, "erp2", "erp", lots=LOTS + L1 + L2)
    assert _status(graph, "L1") == "released"  # as before: the graph's hash differed
    _night(runner, tmp_path, "qc2", "qc", lots=STATUS + "L1,FLOUR,hold\nL2,FLOUR,hold\n")
    assert _status(graph, "L1") == "hold"
    # both hashes recorded now: the ERP's unchanged L1 row is unchanged for the ERP
    _night(runner, tmp_path, "erp3", "erp", lots=LOTS + L1 + L2 + L2.replace("L2", "L3"))
    assert _status(graph, "L1") == "hold"


def test_a_full_run_dropping_the_source_whose_values_the_graph_holds_lets_the_others_back(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A, B and C send L1 at 10, 11 and 12 kg; C's --full without L1 took C off it but kept the
    graph's 12 — C's — and A's and B's unchanged rows were skipped night after night: a row
    held the values of a source that no longer sends it, for good. The hashes go with C's
    values: A's next row is compared with the graph again and written."""
    for name, kg in (("a", "10"), ("b", "11"), ("c", "12")):
        row = f"L1,FLOUR,{kg},kg,2026-01-05T04:00:00Z,released\n"
        _night(runner, tmp_path, f"{name}1", name, lots=LOTS + row)

    def quantity() -> Any:
        return _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l.quantity")

    assert quantity() == 12.0
    _import(runner, str(_folder(tmp_path, "c-full", {"lots.csv": LOTS + L2})), "--source", "c",
            "--full", "--max-removals", "100%")  # fmt: skip
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "a b"
    assert quantity() == 12.0
    _night(runner, tmp_path, "a2", "a", lots=LOTS + L1 + L2)  # A's L1 as before, L2 new
    assert quantity() == 10.0


def test_a_source_under_a_new_name_sending_its_rows_as_before_lifts_no_hold(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP's mapping file renamed: its first run as `plant_erp` sent L1 as the ERP always
    had, and, as a source new to the row, it replaced the graph's — QC's hold released, for
    good (QC's unchanged row was no news from QC; a tester's month: 4 holds released and 4
    failed inspections passed). A row another source sent as it is is no news either."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1)
    _qc_holds(runner, tmp_path)
    renamed = _night(runner, tmp_path, "erp2", "plant_erp", lots=LOTS + L1 + L2)
    assert _status(graph, "L1") == "hold"
    assert renamed["tables"]["lots"]["updated"] == 0
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "erp plant_erp qc"
    # its own row changed since: news from it, written as any change
    changed = LOTS + L1.replace(",10,", ",12,") + L2
    _night(runner, tmp_path, "erp3", "plant_erp", lots=changed)
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l.quantity") == 12.0


def test_a_changed_column_whose_hash_equals_another_columns_is_written(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP's quantity 1303172 hashed (24 bits) as its material FLOUR did, and a column was
    compared with every column's hash of the ERP's last row: taken for sent as before, the
    change was dropped (`changed 0`, the quantity 12 for good). Each column is compared with
    its own last value's hash now."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1)
    _qc_holds(runner, tmp_path)
    _night(runner, tmp_path, "erp2", "erp", lots=LOTS + L1.replace(",10,", ",12,"))
    erp = _night(runner, tmp_path, "erp3", "erp", lots=LOTS + L1.replace(",10,", ",1303172,"))
    assert erp["tables"]["lots"]["changed"] == 1
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l.quantity") == 1303172
    assert _status(graph, "L1") == "hold"
    entry = _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas").split(" ")[0]
    assert len(entry.split(":")[2]) == 10 * 5  # material, quantity, uom, created_at, status


def test_a_quantity_and_its_unit_change_together(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends S1's input L1 as 4 kg, the MES as 5 kg (its newer change wins), then the
    ERP corrects its unit to g: only its changed column was written, and the graph held 5 g,
    which no source said (1000x off). A change of a quantity or its unit writes both as its
    source sent them: 4 g. A lot's quantity and unit alike."""
    steps = "step_id,operation,started_at\nS1,mix,2026-01-05T04:00:00Z\n"
    inputs = "step_id,lot_id,quantity,uom\n"
    _night(runner, tmp_path, "erp1", "erp", steps=steps, step_inputs=inputs + "S1,L1,4,kg\n",
           lots=LOTS + L1)  # fmt: skip
    _night(runner, tmp_path, "mes1", "mes", step_inputs=inputs + "S1,L1,5,kg\n",
           lots=LOTS + L1.replace(",10,", ",11,"))  # fmt: skip
    _night(runner, tmp_path, "erp2", "erp", steps=steps, step_inputs=inputs + "S1,L1,4,g\n",
           lots=LOTS + L1.replace(",kg,", ",g,"))  # fmt: skip
    link = "MATCH (:Lot {lot_id: 'L1'})-[r:INPUT_TO]->() RETURN [r.quantity, r.uom]"
    assert _value(graph, link) == [4, "g"]
    lot = "MATCH (l:Lot {lot_id: 'L1'}) RETURN [l.quantity, l.uom]"
    assert _value(graph, lot) == [10, "g"]


def test_a_steps_start_and_end_change_apart(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES sends S1 06:00-08:00, a correction source its end as 07:00 (newer); the MES then
    corrects only the start. Grouped with the start, the MES's end as it sent it before undid
    the correction (review): each end is the newest change of it."""
    header = "step_id,operation,started_at,ended_at\n"
    _night(runner, tmp_path, "mes1", "mes",
           steps=header + "S1,mix,2026-01-05T06:00:00Z,2026-01-05T08:00:00Z\n")  # fmt: skip
    _night(runner, tmp_path, "cor1", "cor",
           steps=header + "S1,mix,2026-01-05T06:00:00Z,2026-01-05T07:00:00Z\n")  # fmt: skip
    _night(runner, tmp_path, "mes2", "mes",
           steps=header + "S1,mix,2026-01-05T05:30:00Z,2026-01-05T08:00:00Z\n")  # fmt: skip
    span = "MATCH (s:ProcessStep {step_id: 'S1'}) RETURN [toString(s.started_at), " + (
        "toString(s.ended_at)]"
    )
    assert _value(graph, span) == ["2026-01-05T05:30:00Z", "2026-01-05T07:00:00Z"]


def test_a_rename_renames_the_entry_a_full_run_kept(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP's --full without L1 took it off the row and kept its entry; the rename matched
    only rows whose sources name the ERP, so the entry stayed `erp`'s, and the plant back with
    L1, its quantity corrected, was a source new to the row: its `released` replaced QC's
    hold. The kept entry is renamed too (the row's sources left alone)."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1)
    _qc_holds(runner, tmp_path)
    _import(runner, str(_folder(tmp_path, "erp-full", {"lots.csv": LOTS + L2})), "--source",
            "erp", "--full", "--max-removals", "100%")  # fmt: skip
    renamed = runner.invoke(app, ["imports", "--rename-source", "erp", "plant"])
    assert renamed.exit_code == 0, renamed.output
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "qc"
    shas = _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas")
    assert [pair.split(":")[0] for pair in shas.split(" ")] == ["plant", "qc"]
    _night(runner, tmp_path, "plant2", "plant", lots=LOTS + L1.replace(",10,", ",12,") + L2)
    assert _status(graph, "L1") == "hold"
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l.quantity") == 12


def test_an_older_export_that_writes_nothing_back_is_not_said_to(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """QC's L1 hold; the ERP changed the quantity; QC's --full without L1 took it off the
    row; QC's first file sent again byte for byte (before the ERP's next import, which would
    vouch for the row alone) changes nothing (each row no news for QC), but the warning said
    its rows were written back (a hold released). Told only when the run wrote a row of the
    file's tables; an older export that does write is still told."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1)
    qc_file = _qc_holds(runner, tmp_path)
    assert qc_file["tables"]["lots"]["changed"] == 1
    _night(runner, tmp_path, "erp2", "erp", lots=LOTS + L1.replace(",10,", ",12,"))
    _import(runner, str(_folder(tmp_path, "qc-full", {"lots.csv": STATUS + "L2,FLOUR,hold\n"})),
            "--source", "qc", "--full", "--max-removals", "100%")  # fmt: skip
    again = _night(runner, tmp_path, "qc1b", "qc", lots=STATUS + "L1,FLOUR,hold\n")
    assert again["tables"]["lots"]["changed"] == 0
    assert [n for n in again["notes"] if "older export" in n] == []
    # the ERP's first file again: its L1 row is news for no one, but its quantity 10 is
    # written back over its own 12 — told
    erp = _night(runner, tmp_path, "erp1b", "erp", lots=LOTS + L1)
    assert erp["tables"]["lots"]["changed"] == 1
    assert [n for n in erp["notes"] if "older export" in n]


def test_an_older_file_that_changed_nothing_beside_a_new_part_is_not_named(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Night 1's lots.csv (L1), night 2's with a lot added (L1's row as it was), then a folder
    with night 1's lots.csv beside a new lots_2.csv of another lot: the files of one table
    count together, and the warning counted the table's changes (L2's, lots_2.csv's) where it
    said lots.csv's rows were written back. Once night 1's file does write a row back (L1's
    quantity changed since), it is named."""
    _night(runner, tmp_path, "n1", "erp", lots=LOTS + L1)
    _night(runner, tmp_path, "n2", "erp", lots=LOTS + L1 + L2.replace("L2", "L3"))
    folder = _folder(tmp_path, "n3", {"lots.csv": LOTS + L1, "lots_2.csv": LOTS + L2})
    third = _import(runner, str(folder), "--source", "erp")
    assert third["tables"]["lots"]["changed"] == 1  # L2
    assert [n for n in third["notes"] if "older export" in n] == []
    _night(runner, tmp_path, "n4", "erp", lots=LOTS + L1.replace(",10,", ",12,"))
    folder = _folder(tmp_path, "n5", {"lots.csv": LOTS + L1, "lots_2.csv": LOTS + L2})
    (older,) = [n for n in _import(runner, str(folder), "--source", "erp")["notes"]
                if "older export" in n]  # fmt: skip
    assert older.startswith("1 file is an older export sent again: lots.csv (")
    assert "its rows were written back over the newer ones" in older


def test_an_older_export_is_told_by_a_run_that_stops_part_way(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The warning that an older export's rows were written back was told after the writes:
    a run that then failed (here an unexpected error, exit 3, after the rows were written)
    kept it on its ledger entry alone — not in its log or the summary file — and one killed
    outright (kill -9) lost it. On the ledger entry before the writes now (not in the log:
    whether any row is written back is not known yet), and told by a failed run: in its log
    and summary file, "may have been" for the file it was writing when it stopped."""
    _night(runner, tmp_path, "n1", "erp", lots=LOTS + L1)
    _night(runner, tmp_path, "n2", "erp", lots=LOTS + L1.replace(",10,", ",12,"))
    again = _folder(tmp_path, "n1b", {"lots.csv": LOTS + L1})

    def killed(*_: Any) -> None:  # what a kill -9 while writing leaves on the ledger
        ledger.extend(import_runs(graph, limit=1)[0]["notes"] or [])
        raise RuntimeError("killed")

    ledger: list[str] = []
    logged: list[str] = []
    with monkeypatch.context() as patched:
        patched.setattr(run, "_import_file", killed)
        with pytest.raises(RuntimeError) as stopped:
            import_paths(graph, [again], source="erp", log=logged.append)
    (said,) = ledger
    assert said.startswith("1 file is an older export sent again: lots.csv (")
    assert "its rows that are news for their source may be written back over the newer" in said
    # the file being written when the run stopped may have written rows back
    (told,) = getattr(stopped.value, RUN_NOTES)
    assert "its rows may have been written, up to where the run stopped, back over the" in told
    assert [line for line in logged if "older export" in line] == [f"warning: {told}"]
    assert told in import_runs(graph, limit=1)[0]["notes"]

    def failed(*_: Any) -> None:
        raise RuntimeError("a bug after the writes")

    # night 2 again: the run that stopped was the last to import lots.csv
    _import(runner, str(tmp_path / "n2"), "--source", "erp", "--force")
    monkeypatch.setattr(run, "put_back_shas", failed)
    summary_file = tmp_path / "summary.json"
    result = runner.invoke(app, ["import", str(again), "--source", "erp", "--force", "--format",
                                 "json", "--summary-file", str(summary_file)])  # fmt: skip
    assert isinstance(result.exception, RuntimeError), result.output
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l.quantity") == 10  # written back
    written = json.loads(summary_file.read_text(encoding="utf-8"))
    (note,) = written["notes"]
    assert "lots.csv" in note and "its rows were written back over the newer ones" in note
    assert written["exit_code"] == 3 and f"warning: {note}" in result.stderr
    assert result.stdout == ""  # a failed run's stdout is empty, as without the note


def test_a_quantity_without_its_unit_is_not_noted_when_the_unit_is_the_sources_own(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends L1 as 10 kg, QC its status (the row has two senders): the ERP's quantity
    alone is completed with its own kg — no note (it said "another source sent" the unit). After
    the MES's 5 g it is noted, with the quantity as the file gave it (`:g` wrote 1.5e+06)."""
    _night(runner, tmp_path, "erp1", "erp", lots=LOTS + L1)
    _qc_holds(runner, tmp_path)
    erp = _night(
        runner, tmp_path, "erp2", "erp", lots="lot_id,material_id,quantity\nL1,FLOUR,1500000\n"
    )
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN [l.quantity, l.uom]") == [
        1500000,
        "kg",
    ]
    assert [n for n in erp["notes"] if "without its unit" in n] == []
    _night(runner, tmp_path, "mes1", "mes", lots=LOTS + L1.replace(",10,kg,", ",5,g,"))
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN [l.quantity, l.uom]") == [5, "g"]
    erp = _night(
        runner, tmp_path, "erp3", "erp", lots="lot_id,material_id,quantity\nL1,FLOUR,2500000\n"
    )
    (note,) = [n for n in erp["notes"] if "without its unit" in n]
    assert "(e.g. L1: 2500000 g)" in note


def test_a_quantity_without_its_unit_completed_from_another_sources_is_noted(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES sends L1 as 5 kg; the ERP's file gives the quantity alone, 4: written as 4 kg,
    the unit the graph holds (the MES's) — as before, and now said in a note per file and
    table, counted, with an example. Not for the ERP's quantity sent as before, nor for a lot
    of the ERP's own."""
    _night(runner, tmp_path, "mes1", "mes", lots=LOTS + L1.replace(",10,", ",5,"))
    _night(runner, tmp_path, "erp0", "erp", lots="lot_id,material_id,quantity\nL3,FLOUR,7\n")
    erp = _night(runner, tmp_path, "erp1", "erp",
                 lots="lot_id,material_id,quantity\nL1,FLOUR,4\nL3,FLOUR,8\n")  # fmt: skip
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN [l.quantity, l.uom]") == [4, "kg"]
    (note,) = [n for n in erp["notes"] if "without its unit" in n]
    assert note == (
        f"{tmp_path / 'erp1' / 'lots.csv'}: 1 lots row gave a quantity without its unit, "
        "completed with the unit the graph holds, which another source sent (e.g. L1: 4 kg): "
        "if the file means another unit, give its unit column too"
    )
    again = _night(runner, tmp_path, "erp2", "erp",
                   lots="lot_id,material_id,quantity\nL1,FLOUR,4\nL3,FLOUR,9\n")  # fmt: skip
    assert [n for n in again["notes"] if "without its unit" in n] == []
    # an inspection's value alike (a step input's unit is a required column)
    head = "inspection_id,test,result,inspected_at,lot_id"
    _night(
        runner,
        tmp_path,
        "mes2",
        "mes",
        inspections=f"{head},value,unit\nI1,moisture,pass,2026-01-05T05:00:00Z,L1,12,%\n",
    )
    lab = _night(
        runner,
        tmp_path,
        "lab1",
        "erp",
        inspections=f"{head},value\nI1,moisture,pass,2026-01-05T05:00:00Z,L1,12.5\n",
    )
    (note,) = [n for n in lab["notes"] if "without its unit" in n]
    assert "1 inspections row gave a value without its unit" in note and "(e.g. I1: 12.5 %)" in note


# Lots with a location (the AT edge): the ERP's L1 at A, the MES's at B.
LOCATED = "lot_id,material_id,quantity,uom,created_at,status,location_id\n"
ERP_L1 = "L1,FLOUR,10,kg,2026-01-05T04:00:00Z,released,A\n"
MES_L1 = "L1,FLOUR,11,kg,2026-01-05T04:00:00Z,released,B\n"
L3 = "L3,FLOUR,3,kg,2026-01-07T04:00:00Z,released,B\n"


def _located(graph: TraceGraph, lot_id: str) -> Any:
    """A lot's location (its AT edge) and quantity."""
    return _value(graph, "MATCH (l:Lot {lot_id: $id}) OPTIONAL MATCH (l)-[:AT]->(p:Location) "
                         "RETURN [p.location_id, l.quantity]", id=lot_id)  # fmt: skip


def _mes_full(runner: CliRunner, tmp_path: Path, name: str, rows: str) -> Any:
    """The MES's --full of a lots dump (`rows`), however much of its rows it lacks."""
    folder = _folder(tmp_path, name, {"lots.csv": LOCATED + rows})
    return _import(runner, str(folder), "--source", "mes", "--full", "--max-removals", "100%")


def _changed(runner: CliRunner, run_id: str) -> list[tuple[str, str, str, str]]:
    """A run's changed columns on the ledger: (key, column, before, after)."""
    listed = runner.invoke(app, ["imports", run_id, "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    lines = [line.split(",") for line in listed.stdout.splitlines()[1:]]
    return [(line[1], line[4], line[5], line[6]) for line in lines]


def test_the_sender_left_after_a_full_gives_the_row_its_values_again(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends L1 at A every night, the MES at B, last: the graph holds B. The MES's
    --full without L1 took it off the row (sources `erp`), and the graph kept B, which no
    sender vouches for, for good: the ERP's file, unchanged, was skipped, and so was its row
    (its hash unchanged). Now the ERP's next import reads the file again and writes L1 as it
    sends it (A, 10 kg), on the ledger as the ERP's change, with a note; the import after is
    skipped as unchanged again. The MES sending L1 again is a sender again: its B a change."""
    erp_lots = LOCATED + ERP_L1 + L2.replace("released", "released,A")
    _night(runner, tmp_path, "erp1", "erp", lots=erp_lots)
    _night(runner, tmp_path, "mes1", "mes", lots=LOCATED + MES_L1)
    assert _located(graph, "L1") == ["B", 11]
    _mes_full(runner, tmp_path, "mes-full", L3)
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "erp"
    assert _located(graph, "L1") == ["B", 11]
    erp = _night(runner, tmp_path, "erp2", "erp", lots=erp_lots)  # night 1's file, byte for byte
    assert _located(graph, "L1") == ["A", 10]
    assert erp["tables"]["lots"]["updated"] == 1
    assert sorted(_changed(runner, erp["run_id"])) == [
        ("L1", "location_id", "B", "A"), ("L1", "quantity", "11.0", "10.0"),
    ]  # fmt: skip
    lots = tmp_path / "erp2" / "lots.csv"
    assert f"{lots}: 1 lots row written again: mes was taken off it (--full), erp's values " \
        "restored" in " ".join(erp["notes"]), erp["notes"]  # fmt: skip
    assert any(n.startswith("lots.csv: read again although unchanged since") and "took mes off"
               in n for n in erp["notes"]), erp["notes"]  # fmt: skip
    # vouched for: the row is the ERP's alone again, and the same file is skipped once more
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas") is None
    again = _night(runner, tmp_path, "erp3", "erp", lots=erp_lots)
    assert again["all_unchanged"] and again["tables"] == {}, again
    # (2) the MES sends L1 again as before: a sender again, new to the row, B its change
    mes = _night(runner, tmp_path, "mes2", "mes", lots=LOCATED + MES_L1 + L3)
    assert mes["tables"]["lots"]["updated"] == 1
    assert _located(graph, "L1") == ["B", 11]
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "erp mes"
    assert ("L1", "location_id", "A", "B") in _changed(runner, mes["run_id"])


def test_a_cut_off_dump_leaves_every_row_it_took_off_to_the_sender_left_once(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A cut-off MES dump takes the MES off 5,001 lots the ERP sends too (more than a write
    batch), whose graph values are the MES's: the ERP's next, unchanged, file gives each its
    values; the one after is skipped as unchanged (no rewrite night after night)."""
    count = 5001
    erp_rows = "".join(f"K{i},FLOUR,10,kg,2026-01-05T04:00:00Z,released,A\n" for i in range(count))
    _night(runner, tmp_path, "erp1", "erp", lots=LOCATED + erp_rows)
    _night(runner, tmp_path, "mes1", "mes", lots=LOCATED + erp_rows.replace(",A\n", ",B\n"))
    located = "MATCH (l:Lot)-[:AT]->(p:Location) RETURN p.location_id AS at, count(l) AS lots"
    records, _, _ = graph.driver.execute_query(located, database_=graph.database)
    assert sorted(tuple(r) for r in records) == [("B", count)]
    _mes_full(runner, tmp_path, "mes-cut", L3)
    erp = _night(runner, tmp_path, "erp2", "erp", lots=LOCATED + erp_rows)
    assert erp["tables"]["lots"]["updated"] == count
    records, _, _ = graph.driver.execute_query(located, database_=graph.database)
    assert sorted(tuple(r) for r in records) == [("A", count), ("B", 1)]  # L3: the MES's alone
    again = _night(runner, tmp_path, "erp3", "erp", lots=LOCATED + erp_rows)
    assert again["all_unchanged"] and again["tables"] == {}, again


def test_the_source_taken_off_back_before_the_sender_left_keeps_its_newer_values(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A cut-off MES dump took it off L1; the next night the MES sends L1 as before, before
    the ERP imports: it is a sender again and its B no news, so the ERP's unchanged row after
    is no news either (its file read again, nothing written): no flip back to the ERP's
    older A."""
    erp_lots = LOCATED + ERP_L1
    _night(runner, tmp_path, "erp1", "erp", lots=erp_lots)
    _night(runner, tmp_path, "mes1", "mes", lots=LOCATED + MES_L1)
    _mes_full(runner, tmp_path, "mes-cut", L3)
    mes = _night(runner, tmp_path, "mes2", "mes", lots=LOCATED + MES_L1 + L3)
    assert mes["tables"]["lots"]["updated"] == 0
    erp = _night(runner, tmp_path, "erp2", "erp", lots=erp_lots)
    assert erp["tables"]["lots"]["updated"] == 0  # read again (the ledger), nothing written
    assert _located(graph, "L1") == ["B", 11]
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "erp mes"
    # the marks went with the MES back: the ERP's entry is its row again, and no note
    assert "!" not in _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas")
    assert not [n for n in erp["notes"] if "written again" in n], erp["notes"]


def test_a_sender_left_giving_the_row_in_part_gives_back_only_its_columns(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """QC holds L1 (`lot_id,material_id,status`); the MES sends it released, 11 kg at B, last.
    The MES's --full without L1 leaves it to QC, whose unchanged status file holds it again:
    the status only — the quantity and location, which QC's file lacks, stay the graph's."""
    _night(runner, tmp_path, "qc1", "qc", lots=STATUS + "L1,FLOUR,hold\n")
    _night(runner, tmp_path, "mes1", "mes", lots=LOCATED + MES_L1)
    assert _status(graph, "L1") == "released"
    _mes_full(runner, tmp_path, "mes-full", L3)
    qc = _night(runner, tmp_path, "qc2", "qc", lots=STATUS + "L1,FLOUR,hold\n")
    assert (_status(graph, "L1"), _located(graph, "L1")) == ("hold", ["B", 11])
    assert _changed(runner, qc["run_id"]) == [("L1", "status", "released", "hold")]


def test_a_restore_of_the_take_off_gives_the_row_back_and_the_sender_left_no_news(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`imports RUN --restore` of the MES's --full gives L1 back to the MES (B, its last row
    as before): the ERP's unchanged file after is read again and changes nothing."""
    erp_lots = LOCATED + ERP_L1
    _night(runner, tmp_path, "erp1", "erp", lots=erp_lots)
    _night(runner, tmp_path, "mes1", "mes", lots=LOCATED + MES_L1)
    before = _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas")
    mes = _mes_full(runner, tmp_path, "mes-full", L3)
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", mes["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    _import(runner, str(folder), "--source", "mes")
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "erp mes"
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas") == before
    erp = _night(runner, tmp_path, "erp2", "erp", lots=erp_lots)
    assert erp["tables"]["lots"]["updated"] == 0
    assert _located(graph, "L1") == ["B", 11]


# Per table beside lots: its file's header, the ERP's row and the MES's, and how the graph's
# value of the row is read back.
_OTHER_TABLES: dict[str, tuple[str, str, str, str]] = {
    "inspections": (
        "inspection_id,test,result,inspected_at,lot_id\n",
        "I1,incoming,pass,2026-01-05T04:00:00Z,L1\n",
        "I1,incoming,fail,2026-01-05T04:00:00Z,L1\n",
        "MATCH (i:Inspection {inspection_id: 'I1'}) RETURN i.result",
    ),
    "shipment_lines": (
        "shipment_id,lot_id,quantity,uom\n",
        "SH1,L1,4,kg\n",
        "SH1,L1,5,kg\n",
        "MATCH (:Lot {lot_id: 'L1'})-[r:SHIPPED]->(:Shipment) RETURN r.quantity",
    ),
}


@pytest.mark.parametrize("table", sorted(_OTHER_TABLES))
def test_a_node_or_link_row_a_full_took_its_source_off_gets_the_senders_values(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path, table: str
) -> None:
    """As a lot's: an inspection (a node) and a shipment line (a link) the ERP and the MES
    send, the MES's value last; its --full without the row leaves it to the ERP, whose
    unchanged file gives the row its value again."""
    header, erp_row, mes_row, query = _OTHER_TABLES[table]
    shipments = "shipment_id,customer_id,shipped_at\nSH1,C1,2026-01-06T08:00:00Z\n"
    customers = "customer_id,name\nC1,Bakery\n"
    _night(runner, tmp_path, "base", "base", lots=LOTS + L1, customers=customers,
           shipments=shipments)  # fmt: skip
    _night(runner, tmp_path, "erp1", "erp", **{table: header + erp_row})
    _night(runner, tmp_path, "mes1", "mes", **{table: header + mes_row})
    mes_value = _value(graph, query)
    folder = _folder(tmp_path, "mes-full", {f"{table}.csv": header})
    _import(runner, str(folder), "--source", "mes", "--full", "--max-removals", "100%")
    assert _value(graph, query) == mes_value
    erp = _night(runner, tmp_path, "erp2", "erp", **{table: header + erp_row})
    assert erp["tables"][table]["updated"] == 1
    assert _value(graph, query) == {"inspections": "pass", "shipment_lines": 4}[table]


def _qc_entry_marked(graph: TraceGraph) -> bool:
    """Whether QC's `_source_shas` entry on L1 is still marked to vouch (writer.TO_VOUCH)."""
    shas = _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas") or ""
    return "qc:!" in shas


def test_a_sender_vouching_again_leaves_a_value_another_sender_left_still_sends(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends L1 released at A every night, QC holds it (later), the MES sends it at B,
    last (its `released` the ERP's, so QC's hold stays). The MES's --full without L1 takes
    it off the row: the ERP's unchanged file vouches again and gives L1 its location A (the
    MES's B, which no sender left sends) but not its status: QC, still a sender, last sent
    the graph's `hold` — the ERP's `released` lifted a quality hold because the MES was
    taken off. QC's unchanged file after changes nothing, and says nothing of it."""
    erp_lots = LOCATED + ERP_L1
    _night(runner, tmp_path, "erp1", "erp", lots=erp_lots)
    _qc_holds(runner, tmp_path)
    _night(runner, tmp_path, "mes1", "mes", lots=LOCATED + MES_L1)
    assert (_status(graph, "L1"), _located(graph, "L1")) == ("hold", ["B", 11])
    _mes_full(runner, tmp_path, "mes-full", L3)
    erp = _night(runner, tmp_path, "erp2", "erp", lots=erp_lots)
    assert (_status(graph, "L1"), _located(graph, "L1")) == ("hold", ["A", 10])
    assert sorted(_changed(runner, erp["run_id"])) == [
        ("L1", "location_id", "B", "A"), ("L1", "quantity", "11.0", "10.0"),
    ]  # fmt: skip
    assert any("1 lots row written again: mes was taken off it" in n for n in erp["notes"])
    assert _qc_entry_marked(graph)  # QC has yet to vouch
    qc = _night(runner, tmp_path, "qc2", "qc", lots=STATUS + "L1,FLOUR,hold\n")
    assert (_status(graph, "L1"), _located(graph, "L1")) == ("hold", ["A", 10])
    assert qc["tables"]["lots"]["updated"] == 0
    assert _changed(runner, qc["run_id"]) == []
    assert not [n for n in qc["notes"] if "written again" in n], qc["notes"]
    assert not _qc_entry_marked(graph)  # vouched for, without a write
    assert _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._sources") == "erp qc"


@pytest.mark.parametrize("first", ["erp", "qc"])
def test_the_first_sender_left_to_vouch_gives_a_value_nobody_sends_its_own(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path, first: str
) -> None:
    """The ERP sends L1 released, QC (later) hold, the MES (last) rejected: the graph holds
    the MES's `rejected`. The MES's --full without L1 takes it off: no sender left sent
    `rejected`, so the first of the ERP and QC to import writes its status. The second then
    finds the graph holding a value the first, a sender still on the row, last sent: it keeps
    it (as an unchanged row keeps another sender's newer value, the per-column rule) — the
    first to vouch wins, whichever it is; no flip-flop after. The rule knows what each sender
    last sent, not when: QC's hold was newer than the ERP's `released`, but the MES's
    `rejected` had replaced it, and the graph says which sender's value it holds."""
    erp_lots = LOCATED + ERP_L1
    files = {"erp": ("lots", erp_lots), "qc": ("lots", STATUS + "L1,FLOUR,hold\n")}
    _night(runner, tmp_path, "erp1", "erp", lots=erp_lots)
    _qc_holds(runner, tmp_path)
    _night(runner, tmp_path, "mes1", "mes", lots=LOCATED + MES_L1.replace("released", "rejected"))
    assert _status(graph, "L1") == "rejected"
    _mes_full(runner, tmp_path, "mes-full", L3)
    second = "qc" if first == "erp" else "erp"
    status = {"erp": "released", "qc": "hold"}[first]
    done = _night(runner, tmp_path, f"{first}2", first, **dict([files[first]]))
    assert _status(graph, "L1") == status
    assert ("L1", "status", "rejected", status) in _changed(runner, done["run_id"])
    then = _night(runner, tmp_path, f"{second}2", second, **dict([files[second]]))
    assert _status(graph, "L1") == status
    assert not [c for c in _changed(runner, then["run_id"]) if c[1] == "status"]
    assert "!" not in _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas")


def test_a_sender_left_whose_entry_has_no_column_hashes_keeps_the_graphs_row(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """As above, but QC's entry on L1 is one kept before the per-column rule (a row hash
    alone, marked): what QC sent is not known, so the ERP vouching writes no column over the
    graph's — a wrong write may lift QC's hold unseen; a kept value is the row as it was."""
    erp_lots = LOCATED + ERP_L1
    _night(runner, tmp_path, "erp1", "erp", lots=erp_lots)
    _qc_holds(runner, tmp_path)
    _night(runner, tmp_path, "mes1", "mes", lots=LOCATED + MES_L1)
    _mes_full(runner, tmp_path, "mes-full", L3)
    graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'L1'}) SET l._source_shas = reduce(s = '', e IN "
        "split(l._source_shas, ' ') | s + CASE s WHEN '' THEN '' ELSE ' ' END + CASE WHEN e "
        "STARTS WITH 'qc:' THEN split(e, ':')[0] + ':' + split(e, ':')[1] ELSE e END)",
        database_=graph.database,
    )
    assert "qc:!" in _value(graph, "MATCH (l:Lot {lot_id: 'L1'}) RETURN l._source_shas")
    erp = _night(runner, tmp_path, "erp2", "erp", lots=erp_lots)
    assert (_status(graph, "L1"), _located(graph, "L1")) == ("hold", ["B", 11])
    assert erp["tables"]["lots"]["updated"] == 0
    assert not [n for n in erp["notes"] if "written again" in n], erp["notes"]
