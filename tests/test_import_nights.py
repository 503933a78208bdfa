"""Nightly imports as an exploratory tester ran them: a run killed outright and its re-run,
several nights' folders in one run, a renamed column, a cut last cell — what the summary and
the ledger say of each."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hand_plant import HAND_PLANT
from old_ledger import old_run
from typer.testing import CliRunner

from tracegraph.check import run_checks
from tracegraph.cli.main import app
from tracegraph.errors import TracegraphError
from tracegraph.graph import TraceGraph
from tracegraph.importing.ledger import import_run, import_runs
from tracegraph.importing.mappings import bundled_mappings, load_mapping
from tracegraph.importing.run import STUB_ADVICE, check_paths, import_paths
from tracegraph.plant import generate_plant
from tracegraph.plant_exports import write_mes, write_sap
from tracegraph.values import iso_seconds

DEVICES = "device_id,name,kind\nMIXER-1,Mixer,mixer\nPACKER-1,Packer,packer\n"

# Run an import of a folder and kill itself (SIGKILL: no except, no finally) as soon as the
# file whose log line starts with argv[2] is written: a kill -9 at a point the test controls.
KILLED_IMPORT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from tracegraph.config import load_settings
    from tracegraph.db import connect
    from tracegraph.graph import TraceGraph
    from tracegraph.importing.run import import_paths

    settings = load_settings()
    graph = TraceGraph(connect(settings), settings.database, settings.uri)

    def log(line: str) -> None:
        if line.startswith(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)

    import_paths(graph, [Path(sys.argv[1])], full=True, log=log)
""")


def _file_nodes(graph: TraceGraph, run_id: str) -> dict[str, bool]:
    """The ledger's file nodes of a run (ImportedFile): each file's name and whether clean."""
    query = ("MATCH (:ImportRun {run_id: $run_id})-[:READ]->(file:ImportedFile) "
             "RETURN file.name, file.clean")  # fmt: skip
    return dict(graph.driver.execute_query(query, run_id=run_id, database_=graph.database).records)


def _night(folder: Path, changes: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True)
    files = {**HAND_PLANT, "devices.csv": DEVICES, **(changes or {})}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _second_night(folder: Path) -> Path:
    """Night 1 and: a step input LATE001 with no lots row (a stub), step Y on PACKER-33 (a
    device with no row of its own), a step output P3 with no lots row (made by a step)."""
    return _night(folder, {
        "steps.csv": HAND_PLANT["steps.csv"].replace("PACKER-1", "PACKER-33"),
        "step_inputs.csv": HAND_PLANT["step_inputs.csv"] + "X,LATE001,5.0,kg\n",
        "step_outputs.csv": HAND_PLANT["step_outputs.csv"] + "Y,P3,10,pcs\n",
    })  # fmt: skip


def _killed_import(folder: Path, after: str, cwd: Path) -> None:
    script = cwd / "killed_import.py"
    script.write_text(KILLED_IMPORT)
    done = subprocess.run([sys.executable, str(script), str(folder), after], cwd=cwd,
                          env=dict(os.environ), capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr


STUB_NOTE = (
    "1 lot named by steps, inspections, shipments or lot identifiers but given no row of its "
    f"own was created as a stub (origin unknown): LATE001 ({STUB_ADVICE})"
)
MADE_NOTE = (
    "1 lot with no row of its own, made by a step, was created without its quantity and "
    "material: P3 (its lots row completes it; a typo in a lot id makes one)"
)
DEVICE_NOTE = (
    "1 device named by references but given no row of its own was created: PACKER-33 (a typo "
    "in a reference makes one)"
)


def test_the_rerun_after_a_kill_9_names_the_stubs_and_references_the_killed_run_made(
    graph: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """Night 2 killed (kill -9) once its step outputs were written, then imported again: the
    re-run found the stub LATE001, the step-made lot P3 and the device PACKER-33 already there
    (its stubs were a before/after difference within one run), so its summary and ledger said
    `stub_lots: []`, stubs_created 0, no note — the night looked clean, where an uninterrupted
    run names all three (3 notes, 2 stubs). And the killed run's ledger entry had no counts
    (`? ? ? ?`, tables {}): counts were written only when a run ended by an exception."""
    assert import_paths(graph, [_night(tmp_path / "C1")], full=True).rejects == []
    night = _second_night(tmp_path / "C2")
    _killed_import(night, "step_outputs.csv → ", tmp_path)

    killed = import_runs(graph, limit=1)[0]
    assert killed["status_in_ledger"] == "running"  # no one marked it: killed outright
    # its files' ledger nodes were written with it (start_files), none clean: the re-run reads
    # every file, none skipped as unchanged
    assert _file_nodes(graph, killed["run_id"]) == {name: False for name in os.listdir(night)}

    summary = import_paths(graph, [night], full=True)
    assert summary.unchanged_files == {}
    assert _file_nodes(graph, summary.run_id) == {name: True for name in os.listdir(night)}
    completes = (
        f"completes interrupted run {killed['run_id']}, which did not end (killed?): the stub "
        "lots and the nodes known only from references it created that are still there are "
        "counted and named as this run's"
    )
    assert summary.notes == [completes, STUB_NOTE, MADE_NOTE, DEVICE_NOTE]
    assert (summary.stub_lots, summary.stubs_created, summary.stubs_left) == (
        ["LATE001", "P3"],
        2,
        2,
    )
    assert summary.completes == [killed["run_id"]]
    run = import_run(graph, summary.run_id)
    assert (run["notes"], run["stub_lots"], run["stubs_created"], run["stubs_left"]) == (
        summary.notes,
        ["LATE001", "P3"],
        2,
        2,
    )
    assert run["completes"] == [killed["run_id"]] and not run.get("counts_partial")
    # the files the killed run finished are counted on its ledger entry, as partial (≥N)
    killed = import_run(graph, killed["run_id"])
    assert (killed["status"], killed["counts_partial"]) == ("interrupted", True)
    assert killed["rows_read"] == 2 + 2 + 5 + 2 + 4  # customers, devices, lots, steps, inputs

    # The night after names nothing again: the re-run that named them ended.
    again = import_paths(graph, [night], full=True, force=True)
    assert (again.notes, again.stub_lots, again.stubs_created, again.completes) == ([], [], 0, [])


def test_an_uninterrupted_night_names_the_same_stubs_and_references(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """What the re-run after a kill must say is what an uninterrupted run says (no `completes`
    note); a stub completed by its lots row later records no changed `_reported` column."""
    import_paths(graph, [_night(tmp_path / "C1")], full=True)
    summary = import_paths(graph, [_second_night(tmp_path / "C2")], full=True)
    assert summary.notes == [STUB_NOTE, MADE_NOTE, DEVICE_NOTE]
    assert (summary.stub_lots, summary.stubs_created, summary.completes) == (
        ["LATE001", "P3"],
        2,
        [],
    )
    (tmp_path / "C3").mkdir()
    (tmp_path / "C3" / "lots.csv").write_text("lot_id,material_id,quantity,uom\nP3,BREAD,10,pcs\n")
    (tmp_path / "C3" / "devices.csv").write_text("device_id,name,kind\nPACKER-33,Packer,packer\n")
    later = import_paths(graph, [tmp_path / "C3"])
    assert later.updated == 0  # completed, not changed
    assert later.notes == [
        "1 lot that earlier runs created without a row of its own got its lots row: P3"
    ]


def _mes_naming_r1_to_r3(tmp_path: Path) -> tuple[Path, Path]:
    """A MES folder whose step S1 takes in lots R1-R3, which have no lots row (stubs), and an
    empty folder for the ERP's receipts."""
    mes, erp = tmp_path / "mes", tmp_path / "erp"
    mes.mkdir()
    erp.mkdir()
    (mes / "steps.csv").write_text("step_id,operation,started_at\nS1,mix,2026-11-02T06:00:00Z\n")
    (mes / "step_inputs.csv").write_text(
        "step_id,lot_id,quantity,uom\nS1,R1,1,kg\nS1,R2,1,kg\nS1,R3,1,kg\n"
    )
    return mes, erp


def test_a_later_sources_receipts_say_how_many_stubs_of_earlier_runs_they_completed(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The MES's steps name lots every night that the ERP's receipts, imported 20 minutes later,
    fill: the MES's run names the stubs and says what to do; the ERP's run said nothing of
    them, so each night's stubs looked like lost data. It names those it completed now; one it
    left (R3, no receipt) stays a stub, and `check` lists it."""
    mes, erp = _mes_naming_r1_to_r3(tmp_path)
    night = import_paths(graph, [mes], source="mes")
    assert night.stub_lots == ["R1", "R2", "R3"]
    assert night.notes[-1].endswith(f"R1, R2, R3 ({STUB_ADVICE})")
    assert "`tracegraph check`" in STUB_ADVICE
    (erp / "materials.csv").write_text("material_id,name\nFLOUR,Flour\nSALT,Salt\n")
    (erp / "suppliers.csv").write_text("supplier_id,name\nV1,Mill\n")
    (erp / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
        "R1,FLOUR,5,kg,V1,A-1\nR2,SALT,1,kg,V1,A-2\n"
    )
    receipts = import_paths(graph, [erp], source="erp")
    assert receipts.notes == [
        "2 lots that earlier runs created without a row of their own got their lots row: R1, R2"
    ]
    assert receipts.stub_lots == [] and receipts.updated == 0
    assert import_paths(graph, [erp], source="erp", force=True).notes == []  # nothing new
    found = {r.name: r.findings for r in run_checks(graph).results}["unknown_origin"]
    assert [(f["lot_id"], f["stub"]) for f in found] == [("R3", True)]


def test_receipts_after_a_killed_run_name_the_stubs_of_it_they_completed(
    graph: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """The MES's run killed (kill -9) once its step inputs were written left stubs no run named;
    the ERP's receipts that gave two their lots row said nothing of them (the note named only
    stubs of runs that ended) and counted them as stubs it created (3, where it left one). It
    names the two it completed, and the one still open as the killed run's, now its own."""
    mes, erp = _mes_naming_r1_to_r3(tmp_path)
    _killed_import(mes, "step_inputs.csv → ", tmp_path)
    killed = import_runs(graph, limit=1)[0]
    assert killed["status_in_ledger"] == "running"
    assert sorted(graph.read("import/stub_lot_ids")[0]["unreported"]) == ["R1", "R2", "R3"]
    (erp / "materials.csv").write_text("material_id,name\nFLOUR,Flour\nSALT,Salt\n")
    (erp / "lots.csv").write_text("lot_id,material_id,quantity,uom\nR1,FLOUR,5,kg\nR2,SALT,1,kg\n")
    receipts = import_paths(graph, [erp], source="erp")
    assert receipts.completes == [killed["run_id"]]
    assert (
        "2 lots that earlier runs created without a row of their own got their lots row: R1, R2"
        in receipts.notes
    )
    assert (receipts.stub_lots, receipts.stubs_created) == (["R3"], 1)


def test_several_folders_are_written_in_the_order_given_not_by_path(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """`import mult/night9 mult/night10`: night 9 put lot A on hold with a supplier lot typo,
    night 10 corrected both. Files were sorted by path within a table, so night10's lots came
    first and night 9's were written last: the graph kept the hold and the typo, exit 0, no
    note. The order given decides, and a note names the rows the later file overruled."""
    lots = HAND_PLANT["lots.csv"].replace("lot_id,", "lot_id,status,").replace("\nA,", "\nA,,")
    lots = "\n".join(
        line if line.startswith(("lot_id", "A,")) or not line else line.replace(",", ",,", 1)
        for line in lots.split("\n")
    )
    night9 = lots.replace("A,,FLOUR,100,kg,V1,000123", "A,hold,FLOUR,100,kg,V1,00O123")
    night10 = lots.replace("A,,FLOUR,100,kg,V1,000123", "A,released,FLOUR,100,kg,V1,000123")
    for name, text in (("night9", night9), ("night10", night10)):
        (tmp_path / "mult" / name).mkdir(parents=True)
        (tmp_path / "mult" / name / "lots.csv").write_text(text)
    folders = [tmp_path / "mult" / "night9", tmp_path / "mult" / "night10"]
    summary = import_paths(graph, folders)
    assert summary.tables["lots"].files == [str(f / "lots.csv") for f in folders]
    (row,), _, _ = graph.driver.execute_query(
        "MATCH (lot:Lot {lot_id: 'A'})-[s:SUPPLIED_BY]->() RETURN lot.status AS status, "
        "s.supplier_lot AS supplier_lot",
        database_=graph.database,
    )
    assert (row["status"], row["supplier_lot"]) == ("released", "000123")
    assert [note for note in summary.notes if "other values" in note] == [
        f"{folders[1] / 'lots.csv'}: 1 lots row gives other values than "
        f"{folders[0] / 'lots.csv'} for the same key (A): this file's were written last and won "
        "(files are written in the order given on the command line, a folder's in natural "
        "order: night9 before night10)"
    ]


def test_a_folders_files_are_found_in_natural_order(tmp_path: Path) -> None:
    """lots_10.csv came before lots_2.csv (text order); numbers in names count as numbers."""
    from tracegraph.importing.run import find_files

    for name in ("lots_10.csv", "lots_2.csv", "lots_1.csv"):
        (tmp_path / name).write_text("lot_id\n")
    files, _ = find_files([tmp_path])
    assert [f.name for f in files] == ["lots_1.csv", "lots_2.csv", "lots_10.csv"]


def test_numbered_parts_of_a_table_are_that_table_in_natural_order(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The README says a folder's files go in natural order, "lots_2 before lots_10", but a
    canonical lots_2.csv was rejected as "unknown table 'lots_2'" (every row). Numbered parts of
    one table (lots_1.csv, lots_2.csv, lots-10.csv, as exports split a big table) are that
    table, read in natural order: lots_10's N1 is written last and wins."""
    for name, quantity in (("lots_10.csv", 2), ("lots_2.csv", 1)):
        (tmp_path / name).write_text(f"lot_id,material_id,quantity,uom\nN1,FLOUR,{quantity},kg\n")
    summary = import_paths(graph, [tmp_path])
    assert summary.rejects == []
    assert summary.tables["lots"].files == [
        str(tmp_path / n) for n in ("lots_2.csv", "lots_10.csv")
    ]
    (row,), _, _ = graph.driver.execute_query(
        "MATCH (lot:Lot {lot_id: 'N1'}) RETURN lot.quantity AS quantity", database_=graph.database
    )
    assert row["quantity"] == 2


def test_a_renamed_column_kept_as_an_extra_property_gets_a_note(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """lots.csv with `qty` for `quantity`: exit 0, no note, every lot gained a `qty` property
    and its quantity stayed as it was — the correction went nowhere anyone looks. The file is
    still written (extra columns are a feature), and a note in the summary and the ledger names
    the column, the one it may be, and how to fix it."""
    folder = tmp_path / "night"
    folder.mkdir()
    lots = folder / "lots.csv"
    lots.write_text("lot_id,material_id,qty,uom,status\nA,FLOUR,90,kg,released\n")
    summary = import_paths(graph, [folder], full=True)
    renamed = (
        f"{lots}: column qty is no column of lots and was stored as an extra property `qty`; "
        "it may be quantity, which the file lacks (so quantity kept what the graph holds): if "
        "so, rename the column to quantity, or read the export with a mapping "
        "(importers/README.md), and import it again (a file whose qty cells are empty removes "
        "the property)"
    )
    assert summary.rejected == 0 and renamed in summary.notes
    assert renamed in import_run(graph, summary.run_id)["notes"]
    # a process parameter on steps is no renamed column: no note
    steps = folder / "steps.csv"
    steps.write_text(
        "step_id,operation,started_at,oven_temp_c,bake_min\nX,bake,2026-11-03,180,31\n"
    )
    lots.unlink()
    assert import_paths(graph, [folder], timezone="UTC").notes == []


def test_a_last_row_without_a_line_break_is_a_note_of_the_run(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """steps.csv without a final line break, its last cell perhaps cut (bake_min 31 as 3): the
    only hint was in the file's stderr line; the summary, `--summary-file` and the ledger said
    clean. It is a note of the run now."""
    folder = tmp_path / "night"
    folder.mkdir()
    steps = folder / "steps.csv"
    steps.write_text("step_id,operation,started_at,bake_min\nX,bake,2026-11-03T08:00Z,3")
    summary = import_paths(graph, [folder])
    cut = (
        f"{steps}: no line break after the last row: check line 2 is whole (an export that "
        "stopped writing may have cut its last value: compare it with the source, and import "
        "the mended file again)"
    )
    assert summary.notes == [cut]
    assert import_run(graph, summary.run_id)["notes"] == [cut]


# Lots with a status: night 1 all released; night 3 puts A on hold and adds NEW1; night 4 adds
# NEW2 (the tester's nights 1, 3 and 4: F0001950 on hold, 100 new lots, 50 new steps).
LOTS_1 = "lot_id,material_id,quantity,uom,status\n" + "".join(
    f"{lot},FLOUR,10,kg,released\n" for lot in ("A", "B", "M", "P1", "P2")
)
LOTS_3 = (
    LOTS_1.replace("A,FLOUR,10,kg,released", "A,FLOUR,10,kg,hold") + "NEW1,FLOUR,5,kg,released\n"
)
LOTS_4 = LOTS_3 + "NEW2,FLOUR,5,kg,released\n"


def _lots_night(folder: Path, lots: str) -> Path:
    return _night(folder, {"lots.csv": lots})


def _lot_statuses(graph: TraceGraph) -> dict[str, str]:
    """Each lot's status (a record is its two values: id, status)."""
    query = "MATCH (lot:Lot) WHERE lot.status IS NOT NULL RETURN lot.lot_id, lot.status"
    return dict(graph.driver.execute_query(query, database_=graph.database).records)


# Night 3 also runs a step Z (the tester's 50 new steps): night 1 sent again lacks it too.
STEPS_3 = HAND_PLANT["steps.csv"] + "Z,mix,2026-11-04T08:00:00+00:00,MIXER-1,OP1,\n"


def _older_nights(tmp_path: Path) -> dict[int, Path]:
    """Nights 1, 3 and 4: lots.csv LOTS_1, LOTS_3 and LOTS_4; steps.csv with step Z from 3."""
    return {n: _night(tmp_path / f"n{n}", {"lots.csv": lots, "steps.csv": steps})
            for n, lots, steps in ((1, LOTS_1, HAND_PLANT["steps.csv"]), (3, LOTS_3, STEPS_3),
                                   (4, LOTS_4, STEPS_3))}  # fmt: skip


def test_an_older_export_sent_again_is_refused_under_full_and_named_in_a_warning(
    graph: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """Night 1's files, night 3 (A on hold, NEW1, step Z), night 4 (NEW2), then night 1's exact
    bytes again: exit 0 "clean", the hold on A released, and with --full NEW1, NEW2 and Z
    removed (the tester's plant: 182 rows changed, 250 removed, 2 % — under --max-removals).
    A full import of such files is refused before anything is written (exit 2) when it would
    remove rows the newer nights added — 2 lots and 1 step here, named with their tables —
    naming the files, the run that first imported each and how many runs imported other
    content of its table since; --accept-older imports it (a rollback on purpose, noted);
    without --full one warning note says what was written back."""
    nights = _older_nights(tmp_path)
    runs = [import_paths(graph, [nights[n]], full=True) for n in (1, 3, 4)]
    assert all(not run.rejects for run in runs)
    first = import_run(graph, runs[0].run_id)
    older = (
        f"2 files are an older export sent again: lots.csv (as run {runs[0].run_id} imported it "
        f"on {iso_seconds(first['started_at'])}; 2 later runs imported other lots content); "
        f"steps.csv (as run {runs[0].run_id} imported it on {iso_seconds(first['started_at'])}; "
        "2 later runs imported other steps content)"
    )
    logged: list[str] = []
    with pytest.raises(TracegraphError) as refused:  # it wrote night 1 back, and removed 3
        import_paths(graph, [nights[1]], full=True, max_removals="100%", log=logged.append)
    assert type(refused.value).__name__ == "OlderExportRefused"
    assert refused.value.message == (
        f"{older}: a full import of them would write the older rows back over the newer ones "
        "and remove the rows added since, which the graph holds and the files lack (1 steps, "
        "2 lots): nothing was written"
    )
    assert "--accept-older" in refused.value.hint
    held = {lot: "released" for lot in ("B", "M", "P1", "P2", "NEW1", "NEW2")}
    assert _lot_statuses(graph) == {**held, "A": "hold"}
    (failed,) = import_runs(graph, limit=1)
    assert (failed["status"], failed["error"], failed["exit_code"], failed["outcome"]) == (
        "failed",
        refused.value.message,
        2,
        "failed",
    )
    assert (failed["rows_written"], failed["counts_partial"], failed["refused_before_writing"]) == (
        0,
        False,
        True,
    )
    # the command: exit 2, the error line with its hint, the outcome line
    cli = CliRunner().invoke(app, ["import", str(nights[1]), "--full", "--max-removals", "100%"])
    assert cli.exit_code == 2 and _lot_statuses(graph)["A"] == "hold"
    assert f"error: {older}: a full import of them" in " ".join(cli.output.split())
    assert "run it again with --accept-older" in " ".join(cli.output.split())
    dry = CliRunner().invoke(app, ["import", str(nights[1]), "--full", "--dry-run", "--format",
                                   "json", "--max-removals", "100%"])  # fmt: skip
    assert dry.exit_code == 2 and json.loads(dry.stdout)["refused"] == refused.value.message

    # a rollback on purpose: imported, and the ledger says it was accepted
    accepted = import_paths(graph, [nights[1]], full=True, max_removals="100%",
                            accept_older=True)  # fmt: skip
    assert f"{older}: imported all the same (--accept-older), its rows over the newer ones" in (
        accepted.notes
    )
    assert _lot_statuses(graph)["A"] == "released"
    assert (accepted.removed["lots"], accepted.removed["steps"]) == (2, 1)

    # night 4 sent again now is the older export, without --full: written, with one warning
    again = import_paths(graph, [nights[4]], log=logged.append)
    fourth = import_run(graph, runs[2].run_id)
    third = import_run(graph, runs[1].run_id)
    warning = (
        f"2 files are an older export sent again: lots.csv (as run {runs[2].run_id} imported it "
        f"on {iso_seconds(fourth['started_at'])}; 1 later run imported other lots content); "
        f"steps.csv (as run {runs[1].run_id} imported it on {iso_seconds(third['started_at'])}; "
        "1 later run imported other steps content): its rows were written back over the newer "
        "ones (a hold released, a correction undone); if that was not meant, import the newest "
        "export again"
    )
    assert warning in again.notes and f"warning: {warning}" in logged
    # told once the rows were written back, not before (the run's ledger entry holds it then)
    assert [line for line in logged if line.startswith("warning:")] == [f"warning: {warning}"]
    # the same files once more: the last import of the table had them, no warning
    assert import_paths(graph, [nights[4]], force=True).notes == []


def test_runs_recorded_before_the_ledgers_file_nodes_still_skip_and_find_older_exports(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The ledger's look-ups now seek a node per file a run read (ImportedFile), which runs
    recorded by earlier versions lack: without migrate/import_run_files the first import after
    the upgrade read night 3's 8 unchanged files again and missed night 1's lots.csv sent again
    (an older export). The import gives the old runs their files first (once: a second run of
    the migration gives none), then skips all 8 and names the older export."""
    nights = {n: _lots_night(tmp_path / f"n{n}", lots) for n, lots in ((1, LOTS_1), (3, LOTS_3))}
    runs = [import_paths(graph, [nights[n]]) for n in (1, 3)]
    # the ledger as versions before the file nodes wrote it: runs with their lists alone — but
    # night 1's file nodes left without their edges (a `db reset` stopped between deleting the
    # edges and the nodes), which the migration, creating them, failed on (the id's constraint)
    for query in ("MATCH (:ImportRun {run_id: $first})-[read:READ]->() DELETE read",
                  "MATCH (file:ImportedFile) WHERE file.run_id <> $first DETACH DELETE file",
                  "MATCH (done:Migration {name: 'import_run_files'}) DELETE done"):  # fmt: skip
        graph.driver.execute_query(query, first=runs[0].run_id, database_=graph.database)
    # a dry run --full before the migration cannot find an older export: it says so
    dry = check_paths([nights[1]], graph=graph)
    assert any("cannot tell whether a file is an older export" in note for note in dry.notes)
    logged: list[str] = []
    again = import_paths(graph, [nights[3]], log=logged.append)
    assert "data migration import_run_files: 2 import runs given a node per file they read" in (
        logged
    )
    assert {Path(path).name: run for path, run in again.unchanged_files.items()} == {
        name: runs[1].run_id for name in os.listdir(nights[3])
    }
    assert len(again.unchanged_files) == 8
    assert _file_nodes(graph, runs[0].run_id) == {name: True for name in os.listdir(nights[1])}
    assert graph.autocommit("migrate/import_run_files") == [{"changed": 0}]
    older = import_paths(graph, [nights[1]])
    (note,) = older.notes
    assert note.startswith(
        f"1 file is an older export sent again: lots.csv (as run {runs[0].run_id} imported it "
    )
    assert "; 2 later runs imported other lots content)" in note


def test_a_rollbacks_runs_get_their_file_nodes_and_a_file_is_not_skipped_over_them(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """After the upgrade to file nodes, a rollback to the previous version (format level 1, the
    runs' file lists alone) imported night 3's lots.csv (A on hold); upgraded again, night 1's
    lots.csv sent back was skipped as unchanged since night 1 — the look-up on file nodes
    missed the rollback's run — and the hold stayed. The import gives such runs their file
    nodes first and says they are an older version's."""
    nights = {n: _lots_night(tmp_path / f"n{n}", lots) for n, lots in ((1, LOTS_1), (3, LOTS_3))}
    first = import_paths(graph, [nights[1]])
    rollback = import_paths(graph, [nights[3]])
    assert _lot_statuses(graph)["A"] == "hold"
    # night 3 as the previous version wrote it, after this one's migrations: lists alone
    graph.driver.execute_query(
        "MATCH (run:ImportRun {run_id: $id})-[:READ]->(file) DETACH DELETE file "
        "WITH DISTINCT run SET run.format_level = 1",
        id=rollback.run_id, database_=graph.database,
    )  # fmt: skip
    again = import_paths(graph, [nights[1]])
    assert str(nights[1] / "lots.csv") not in again.unchanged_files, first.run_id
    assert _lot_statuses(graph)["A"] != "hold"
    assert _file_nodes(graph, rollback.run_id)["lots.csv"] is True
    assert any(f"import {rollback.run_id} was run by an older tracegraph" in note
               for note in again.notes)  # fmt: skip


def test_an_older_versions_run_shows_its_new_and_changed_rows_as_unknown(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`imports RUN` of a run tracegraph c9c2dc8 recorded (a hold and a quantity fix: 2 rows
    `changed`, the ledger's "new or changed") showed lots `new 2, changed 0` and "0 changed
    rows": new was changed - updated, and such a run has no `updated` (nor change records).
    They are unknown: "–" with a footnote, null in the JSON, and the header says so."""
    night = _lots_night(tmp_path / "n2", LOTS_1)
    old_run(graph, "20261128T020000Z-0ld222", [night / "lots.csv"],
            {"lots": {"read": 3, "written": 3, "changed": 2}})  # fmt: skip
    shown = runner.invoke(app, ["imports", "20261128T020000Z-0ld222"], env={"COLUMNS": "160"})
    assert shown.exit_code == 0, shown.output
    assert "3 written, 0 rejected, changed rows not recorded (by an older tracegraph)" in (
        " ".join(shown.stdout.split())
    )
    (row,) = [line.split() for line in shown.stdout.splitlines() if line.startswith("lots")]
    assert row == ["lots", "3", "3", "0", "0", "–", "–"], shown.stdout
    assert "–: recorded by an older tracegraph, which counted new and changed rows together" in (
        " ".join(shown.stdout.split())
    )
    answer = json.loads(
        runner.invoke(app, ["imports", "20261128T020000Z-0ld222", "--format", "json"]).stdout
    )
    assert answer["tables"]["lots"] == {"files": [str(night / "lots.csv")], "read": 3,
                                        "written": 3, "rejected": 0, "duplicates": 0,
                                        "changed": 2, "updated": None}  # fmt: skip


def test_a_weekend_hold_set_and_lifted_is_imported_under_full_with_a_warning(
    graph: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """A quiet weekend: no lot made, a hold set on A on Saturday and lifted on Sunday, so
    Sunday's lots.csv is Friday's exact bytes. Under --full it was refused (exit 2, the whole
    night: lots is a table full dumps only add to), although importing it is exactly right —
    it lifts the hold and removes nothing (the graph holds no lot the file lacks). Now it is
    imported (exit 0) with the warning line, which says --full removes none."""
    saturday = LOTS_1.replace("A,FLOUR,10,kg,released", "A,FLOUR,10,kg,hold")
    nights = [_lots_night(tmp_path / day, lots) for day, lots in
              (("fri", LOTS_1), ("sat", saturday), ("sun", LOTS_1))]  # fmt: skip
    for night in nights[:2]:
        assert not import_paths(graph, [night], full=True).rejects
    assert _lot_statuses(graph)["A"] == "hold"
    sunday = CliRunner().invoke(app, ["import", str(nights[2]), "--full", "--format", "json"])
    assert sunday.exit_code == 0, sunday.output
    (note,) = [n for n in json.loads(sunday.stdout)["notes"] if "older export" in n]
    assert note.startswith("1 file is an older export sent again: lots.csv (as run ")
    assert note.endswith(
        "1 later run imported other lots content): its rows were written back over the newer "
        "ones (a hold released, a correction undone), and no lots row the graph holds is "
        "missing from the files (--full removes none); if that was not meant, import the "
        "newest export again"
    )
    assert _lot_statuses(graph)["A"] == "released"
    assert import_runs(graph, limit=1)[0]["rows_removed"] == 0


def test_an_older_export_of_one_sites_file_is_weighed_with_the_other_sites_file(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Lots in two files a night, site A's and site B's. Site A sets a hold on night 2 and lifts
    it on night 3 (its lots.csv back to night 1's bytes) while site B made lot NB2 on night 2.
    Night 3 under --full was refused; weighed alone, site A's file lacks NB2, but the full
    import compares the table's files together: it removes nothing. Imported, hold lifted,
    NB2 kept. Night 1 again (both sites) lacks NB2: refused."""
    site_a = "lot_id,material_id,quantity,uom,status\nA,FLOUR,10,kg,released\n"
    site_b = "lot_id,material_id,quantity,uom,status\nB,SALT,10,kg,released\n"
    files = {
        ("n1", "siteA"): site_a,
        ("n1", "siteB"): site_b,
        ("n2", "siteA"): site_a.replace("released", "hold"),
        ("n2", "siteB"): site_b + "NB2,SALT,5,kg,released\n",
        ("n3", "siteA"): site_a,
    }
    for (night, site), text in files.items():
        (tmp_path / night / site).mkdir(parents=True)
        (tmp_path / night / site / "lots.csv").write_text(text, encoding="utf-8")
    # night 3: site B's file of night 2, unchanged
    nights = {n: [tmp_path / f"n{n}" / "siteA", tmp_path / f"n{min(n, 2)}" / "siteB"]
              for n in (1, 2, 3)}  # fmt: skip
    for n in (1, 2):
        assert not import_paths(graph, nights[n], full=True).rejects
    third = import_paths(graph, nights[3], full=True)
    (note,) = [n for n in third.notes if "older export" in n]
    assert note.startswith("1 file is an older export sent again: lots.csv (as run ")
    assert _lot_statuses(graph) == {"A": "released", "B": "released", "NB2": "released"}
    with pytest.raises(TracegraphError) as refused:
        import_paths(graph, nights[1], full=True, max_removals="100%")
    assert refused.value.message.endswith(
        "the graph holds and the files lack (1 lots): nothing was written"
    )


def test_the_same_older_export_in_two_folders_of_one_run_is_named_once(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Night 1's lots.csv in two folders of one run (the same bytes), after night 3: the
    warning said "2 files are an older export sent again: lots.csv (…); lots.csv (…)"."""
    nights = {n: _lots_night(tmp_path / f"n{n}", lots) for n, lots in ((1, LOTS_1), (3, LOTS_3))}
    for n in (1, 3):
        import_paths(graph, [nights[n]])
    copy = _lots_night(tmp_path / "n1-copy", LOTS_1)
    again = import_paths(graph, [nights[1], copy])
    older = [note for note in again.notes if "older export" in note]
    assert len(older) == 1 and older[0].startswith("1 file is an older export sent again"), older


def test_an_older_export_after_a_run_of_two_nights_is_found(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """`import N3/ N4/` read both nights' lots.csv, N4's last; `import N3/ --full` then wrote
    N3's rows back over N4's and removed NEW2 unnamed: the last run's content of `lots` was
    taken as both files. It is the last file of each name: N3's is an older export."""
    night3, night4 = (
        _lots_night(tmp_path / f"n{n}", lots) for n, lots in ((3, LOTS_3), (4, LOTS_4))
    )
    assert not import_paths(graph, [night3, night4], full=True).rejects
    with pytest.raises(TracegraphError) as refused:
        import_paths(graph, [night3], full=True, max_removals="100%")
    assert type(refused.value).__name__ == "OlderExportRefused"
    assert refused.value.message.startswith("1 file is an older export sent again: lots.csv")
    assert "NEW2" in _lot_statuses(graph)


def test_a_dry_run_of_an_older_export_says_what_would_happen(
    graph: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """A dry run of night 1 sent again under --full ended "(the import would refuse the
    removals)" — it refused an older export, no removal — and with --accept-older noted "its
    rows over the newer ones: imported all the same" of a run that wrote nothing."""
    nights = {n: _lots_night(tmp_path / f"n{n}", lots)
              for n, lots in ((1, LOTS_1), (3, LOTS_3), (4, LOTS_4))}  # fmt: skip
    for n in (1, 3, 4):
        assert not import_paths(graph, [nights[n]], full=True).rejects
    args = ["import", str(nights[1]), "--full", "--dry-run", "--max-removals", "100%"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2
    assert "(the import would refuse an older export)" in " ".join(refused.output.split())
    accepted = CliRunner().invoke(app, [*args, "--accept-older", "--format", "json"])
    notes = json.loads(accepted.stdout)["notes"]
    assert any("would be imported all the same (--accept-older)" in n for n in notes), notes
    assert not any(": imported all the same" in n for n in notes), notes
    assert _lot_statuses(graph)["A"] == "hold"


def test_a_normal_night_is_no_older_export(graph: TraceGraph, tmp_path: Path) -> None:
    """Night 1, then night 1's bytes again (skipped as unchanged), then a table's numbered
    parts (lots_1.csv, night 1's bytes, unchanged beside a new lots_2.csv each night: the last
    import of lots had lots_1.csv's bytes too), then night 3: nothing said."""
    night1 = _lots_night(tmp_path / "n1", LOTS_1)
    import_paths(graph, [night1])
    assert import_paths(graph, [night1], full=True).notes == []
    for night, extra in ((5, "NEW5"), (6, "NEW6")):
        folder = tmp_path / f"parts{night}"
        folder.mkdir()
        (folder / "lots_1.csv").write_text(LOTS_1)
        (folder / "lots_2.csv").write_text(f"lot_id,material_id\n{extra},FLOUR\n")
        assert import_paths(graph, [folder], force=True).notes == []
    assert import_paths(graph, [_lots_night(tmp_path / "n3", LOTS_3)]).notes == []


def test_master_data_back_to_an_earlier_night_and_a_quiet_delta_are_no_refused_older_export(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """An operator added by mistake on night 2 and gone on night 3 brings operators.csv back to
    night 1's bytes: a full dump refused for it (exit 2, every nightly --full job stopped) was
    a refusal of a normal night. Master data is named in the warning and imported; a table full
    dumps only add to (lots) is still refused. A delta of a quiet day, a header alone, is the
    same bytes every such night: nothing said."""
    operators = "operator_id,name\nOP1,Ann\nOP2,Bo\n"
    nights = [_night(tmp_path / f"n{n}", {"operators.csv": text}) for n, text in
              ((1, operators), (2, operators + "OP9,Mistake\n"), (3, operators))]  # fmt: skip
    for night in nights[:2]:
        assert not import_paths(graph, [night], full=True).rejects
    third = import_paths(graph, [nights[2]], full=True, max_removals="100%")
    (note,) = [n for n in third.notes if "older export" in n]
    assert note.startswith("1 file is an older export sent again: operators.csv (as run ")
    assert "OP9" not in {
        r[0]
        for r in graph.driver.execute_query(
            "MATCH (o:Operator) RETURN o.operator_id", database_=graph.database
        ).records
    }
    quiet = "step_id,lot_id,quantity,uom\n"
    for n in (4, 5, 6):
        delta = tmp_path / f"delta{n}"
        delta.mkdir()
        (delta / "step_inputs.csv").write_text(
            quiet if n != 5 else quiet + "X,A,1,kg\n", encoding="utf-8"
        )
        assert import_paths(graph, [delta]).notes == [], n


@pytest.mark.parametrize(
    ("write", "mapping"), [(write_sap, "sap"), (write_mes, "mes_gbk")], ids=["sap", "mes"]
)
def test_an_older_mapped_export_is_refused_under_full_when_it_would_remove_rows(
    graph: TraceGraph, tmp_path: Path, write: Callable[[Path, Path], dict[str, int]], mapping: str
) -> None:
    """An SAP or MES extract through its bundled mapping: night 1 (about 60 lots), night 2 (about
    100), then night 1's files again under --full. The check took the extract's name as its
    table (`mseg_movements`, `生产记录`), no table full dumps only add to: the run was never
    refused, and removed night 2's lots and steps. A mapped file fills the tables its sections
    name (MSEG_movements.csv: lots, step_inputs, step_outputs): refused, nothing written."""
    bundled = load_mapping(bundled_mappings()[mapping])
    for n, lots in ((1, 60), (2, 100)):
        write(generate_plant(lots, 1, tmp_path / f"plant{n}").out, tmp_path / f"n{n}")
        import_paths(graph, [tmp_path / f"n{n}"], mapping=bundled, full=True, max_removals="100%",
                     reject_file=tmp_path / f"r{n}.csv")  # fmt: skip
    held = _lot_statuses(graph)
    with pytest.raises(TracegraphError) as refused:
        import_paths(graph, [tmp_path / "n1"], mapping=bundled, full=True, max_removals="100%",
                     reject_file=tmp_path / "r3.csv")  # fmt: skip
    assert type(refused.value).__name__ == "OlderExportRefused"
    message = refused.value.message
    assert ("MSEG_movements.csv" if mapping == "sap" else "生产记录.csv") in message, message
    assert re.search(r"the files lack \(.*, [0-9]+ lots\): nothing was written$", message), message
    assert _lot_statuses(graph) == held
    dry = check_paths([tmp_path / "n1"], mapping=bundled, graph=graph, max_removals="100%",
                      reject_file=tmp_path / "r4.csv")  # fmt: skip
    assert dry.refused is not None and dry.refused.message == message


def test_a_utf16_header_alone_sent_on_two_nights_is_no_older_export(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Excel's "Unicode text" (UTF-16 with its byte order mark) of a quiet day's delta, a
    header alone, sent on nights 1 and 3 with a row on night 2: its bytes were counted as 3
    lines (the NULs after each line break), so night 3 was "1 file is an older export sent
    again" (and, of a table full dumps add to, refused under --full). It is read as the import
    reads it, decoded: a header alone, nothing said."""
    import_paths(graph, [_night(tmp_path / "plant")])
    quiet = "step_id\tlot_id\tquantity\tuom\r\n"
    for n, text in ((1, quiet), (2, quiet + "X\tA\t1\tkg\r\n"), (3, quiet)):
        delta = tmp_path / f"delta{n}"
        delta.mkdir()
        (delta / "step_inputs.csv").write_bytes(text.encode("utf-16"))
        summary = import_paths(graph, [delta])
        assert (summary.notes, summary.rejected) == ([], 0), n


INSPECTIONS = (
    "inspection_id,test,result,inspected_at,lot_id\n"
    "I1,incoming,pass,2026-11-03T07:00:00+00:00,A\n"
    "I2,incoming,pass,2026-11-03T07:10:00+00:00,B\n"
)


def test_a_refused_full_night_keeps_its_error_notes_and_reject_file_on_the_ledger(
    graph: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """A --full night refused (inspections.csv a header alone, shipment_lines.csv cut mid-row)
    exited 2 with a good error line, but its ledger entry said `failed` and nothing else: no
    error, no notes ("shipment_lines not compared"), no reject file, no exit code; `imports
    RUN` showed "? removed" under "not counted (killed, or still running)", and the next run's
    note said "completes failed run …, which did not end (killed?)" of a run that ended
    normally. A done run that rejected all its 5,021 rows kept no exit code or outcome."""
    from tracegraph.importing.full import RemovalRefused

    import_paths(graph, [_night(tmp_path / "N1", {"inspections.csv": INSPECTIONS})], full=True)
    night = tmp_path / "N2"
    night.mkdir()
    (night / "inspections.csv").write_text(INSPECTIONS.splitlines()[0] + "\n")
    (night / "shipment_lines.csv").write_text(HAND_PLANT["shipment_lines.csv"] + "SH2\n")
    rejects = tmp_path / "rejects.csv"
    refused = import_paths(graph, [night], full=True, reject_file=rejects).refused
    assert isinstance(refused, RemovalRefused)
    run = import_runs(graph, limit=1)[0]
    assert (run["status"], run["error"], run["exit_code"], run["outcome"]) == (
        "done",
        refused.message,
        2,
        "failed",
    )
    assert run["error_hint"] == refused.hint
    assert (run["reject_file"], run["rows_removed"], run.get("counts_partial")) == (
        str(rejects),
        0,
        None,
    )
    assert any(note.startswith("shipment_lines not compared") for note in run["notes"])
    assert any("holds no rows" in note for note in run["notes"])

    shown = CliRunner().invoke(app, ["imports", run["run_id"]], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert ", 0 removed (--full)" in shown.stdout and "not counted" not in shown.stdout
    assert f"Outcome: exit 2 (failed): {refused.message} (hint: {refused.hint})" in " ".join(
        shown.stdout.split()
    )

    # `imports` lists it done, with its exit code: `done` alone read as a clean night
    listed = CliRunner().invoke(app, ["imports"], terminal_width=200)
    line = next(line for line in listed.stdout.splitlines() if run["run_id"] in line)
    assert line.split()[1:4] == ["done,", "exit", "2"], listed.stdout
    # the refused night ended (its stubs named in its own summary): the next night does not
    # complete it, nor name it as a run that did not end
    allrejected = tmp_path / "N3"
    allrejected.mkdir()
    (allrejected / "lots.csv").write_text("lot_id,material_id,Status\nA,FLOUR,hold\n")
    following = import_paths(graph, [allrejected])
    assert not any(note.startswith("completes") for note in following.notes), following.notes
    done = import_runs(graph, limit=1)[0]
    assert (done["status"], done["exit_code"], done["outcome"]) == (
        "done",
        1,
        "too many rejects",
    )


def test_a_wrongly_cased_column_is_rejected_without_a_note_that_it_was_stored(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """lots.csv with `Status`: all 5,021 rows rejected (right: `status` would be left as it
    was), but a note said the column "was stored as an extra property `Status`" — no row was
    stored. The rejects say why; the note is not made."""
    folder = tmp_path / "night"
    folder.mkdir()
    (folder / "lots.csv").write_text("lot_id,material_id,Status\nA,FLOUR,hold\nB,SALT,hold\n")
    summary = import_paths(graph, [folder])
    assert (summary.rejected, summary.written) == (2, 0)
    assert {r.reason for r in summary.rejects} == {
        "column 'Status' is not a column of lots; 'status' is (column names are lower case "
        "with underscores): rename it, or map it with --mapping"
    }
    assert summary.notes == []


def test_a_full_run_says_once_that_it_reads_its_unchanged_files_again(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """A --full night whose files are partly unchanged logged `materials.csv: skipped, … had the
    same content`, then `--full: every file is read and compared`, then `materials.csv →
    materials: 14 rows read`: skipped, then read. One line now says which unchanged files
    are read again for the comparison, and none says skipped."""
    import_paths(graph, [_night(tmp_path / "N1")], full=True)
    logged: list[str] = []
    night = _night(tmp_path / "N2", {"lots.csv": LOTS_1})
    import_paths(graph, [night], full=True, max_removals="100%", log=logged.append)
    assert [line for line in logged if "skipped" in line] == []
    assert [line for line in logged if line.startswith("--full")] == [
        "--full: every file is read and compared, also the 7 files unchanged since the last "
        "full import (customers.csv, devices.csv, steps.csv, step_inputs.csv, step_outputs.csv, "
        "shipments.csv, shipment_lines.csv), as not all files are"
    ]


def test_an_older_export_lacking_only_a_step_still_linked_is_not_refused_under_full(
    graph: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """Night 1's steps.csv (step X), night 2 (the plant: X, and Y with its inputs and outputs),
    then night 1's steps.csv again under --full: the full import keeps Y, which lots still
    link (keep_linked), and removes nothing — but the older-export check counted Y as a row it
    would remove and refused the night, exit 2, "(1 steps)"."""
    night_1 = tmp_path / "n1"
    night_1.mkdir()
    (night_1 / "steps.csv").write_text("\n".join(HAND_PLANT["steps.csv"].split("\n")[:2]) + "\n")
    assert not import_paths(graph, [night_1], full=True).rejects
    assert not import_paths(graph, [_night(tmp_path / "n2", HAND_PLANT)], full=True).rejects
    again = CliRunner().invoke(app, ["import", str(night_1), "--full", "--format", "json"])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert any("older export" in note for note in summary["notes"])
    assert summary["tables"]["steps"]["removed"] == 0
    steps = graph.driver.execute_query("MATCH (s:ProcessStep) RETURN s.step_id AS id ORDER BY id",
                                       database_=graph.database).records  # fmt: skip
    assert [r["id"] for r in steps] == ["X", "Y"]


def _lots_xlsx_night(folder: Path, lots: str) -> Path:
    """A night whose lots are lots.xlsx (text cells) with the rows of the CSV text `lots`."""
    from openpyxl import Workbook

    _night(folder).joinpath("lots.csv").unlink()
    book = Workbook()
    for line in lots.splitlines():
        book.active.append(line.split(","))
    book.save(folder / "lots.xlsx")
    return folder


def test_the_same_rows_saved_as_xlsx_and_back_as_csv_are_no_older_export(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Night 1's lots.csv, night 2 the same 5 rows as lots.xlsx (sent twice: skipped as
    unchanged the second time), night 3 night 1's lots.csv again: "1 file is an older export
    sent again … a hold released, a correction undone", for its bytes were night 1's while the
    rows it writes back are the rows the graph holds. Compared by the rows' digest now: no
    warning. Night 4 puts A on hold as lots.xlsx; night 1's CSV after it is an older export."""
    csv_night = _lots_night(tmp_path / "n1", LOTS_1)
    assert not import_paths(graph, [csv_night]).rejects
    xlsx_night = _lots_xlsx_night(tmp_path / "n2", LOTS_1)
    assert not import_paths(graph, [xlsx_night]).rejects
    again = import_paths(graph, [xlsx_night])
    assert any(path.endswith("lots.xlsx") for path in again.unchanged_files), again.unchanged_files
    third = import_paths(graph, [csv_night], full=True)
    assert not [note for note in third.notes if "older export" in note], third.notes
    assert (third.updated, third.removed_rows) == (0, 0)
    # other rows: the older export is still found
    hold = _lots_xlsx_night(tmp_path / "n4", LOTS_3)
    assert not import_paths(graph, [hold]).rejects
    fifth = import_paths(graph, [csv_night])
    (older,) = [note for note in fifth.notes if "older export" in note]
    assert older.startswith("1 file is an older export sent again: lots.csv (as run ")
    assert _lot_statuses(graph)["A"] == "released"
