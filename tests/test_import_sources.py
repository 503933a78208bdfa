"""Several sources feeding one graph (an ERP extract through a mapping, a MES export of
canonical tables, two labs' inspections): each run records its source, a `--full` dump of one
source never removes another source's rows unless told to, the older-export check compares a
source's own runs, and a file whose rows a full run removed is not skipped as unchanged."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.ledger import import_run, import_runs
from tracegraph.importing.mappings import load_mapping
from tracegraph.importing.run import import_paths

from old_ledger import old_run  # isort: skip
from test_import import _graph_dump  # isort: skip

ROOT = Path(__file__).resolve().parent.parent

# An ERP's receipts and deliveries, read through a mapping of its own terms.
ERP_MAPPING = """delimiter = ";"

[[file]]
match = "receipts*.csv"
table = "lots"
[file.columns]
lot_id = "CHARG"
material_id = "MATNR"
quantity = "MENGE"
uom = "MEINS"
supplier_id = "LIFNR"
supplier_lot = "LICHA"

[[file]]
match = "deliveries*.csv"
table = "shipments"
[file.columns]
shipment_id = "VBELN"
customer_id = "KUNNR"
shipped_at = "WADAT"

[[file]]
match = "deliveries*.csv"
table = "shipment_lines"
[file.columns]
shipment_id = "VBELN"
lot_id = "CHARG"
quantity = "LFIMG"
uom = "VRKME"
"""
ERP = {
    "receipts.csv": "CHARG;MATNR;MENGE;MEINS;LIFNR;LICHA\n"
    "R1;FLOUR;500;kg;V1;S-501\nR2;FLOUR;500;kg;V1;S-502\nR3;SALT;20;kg;V2;S-503\n",
    "deliveries.csv": "VBELN;KUNNR;WADAT;CHARG;LFIMG;VRKME\n"
    "SH1;C1;2026-11-04T08:00:00Z;R1;100;kg\nSH1;C1;2026-11-04T08:00:00Z;R2;100;kg\n"
    "SH2;C2;2026-11-05T08:00:00Z;R3;5;kg\n",
}
# The same plant's MES, a day behind the ERP: it lacks R3's receipt and SH2's delivery.
MES = {
    "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
    "R1,FLOUR,500,kg,V1,S-501\nR2,FLOUR,500,kg,V1,S-502\n",
    "shipments.csv": "shipment_id,customer_id,shipped_at\nSH1,C1,2026-11-04T08:00:00Z\n",
    "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH1,R1,100,kg\nSH1,R2,100,kg\n",
}


def _folder(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def _erp(tmp_path: Path) -> tuple[Path, Path]:
    """The ERP's folder and its mapping (erp.toml: source `erp` by default)."""
    mapping = tmp_path / "erp.toml"
    mapping.write_text(ERP_MAPPING, encoding="utf-8")
    return _folder(tmp_path, "erp", ERP), mapping


def _import(runner: CliRunner, *args: str, code: int = 0) -> dict[str, Any]:
    """The JSON summary of an import; of one that exits 2, its error line (the log lines of a
    run without a terminal around it left out)."""
    result = runner.invoke(app, ["import", *args, "--format", "json"])
    assert result.exit_code == code, result.output
    if code in (0, 1):
        summary: dict[str, Any] = json.loads(result.stdout)
        return summary
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return {"error": errors[0]}


def _forget_sources(graph: TraceGraph) -> None:
    """The graph as a version before rows kept their sources left it: rows without
    `_sources`, whose source is not known (the refusal of a --full run is for those), and no
    mark of a table found without such rows (SourcedTable): that version wrote none."""
    for query in ("MATCH (n) WHERE n._sources IS NOT NULL REMOVE n._sources",
                  "MATCH ()-[r]->() WHERE r._sources IS NOT NULL REMOVE r._sources",
                  "MATCH (m:SourcedTable) DELETE m"):  # fmt: skip
        graph.driver.execute_query(query, database_=graph.database)


def _lot(graph: TraceGraph, lot_id: str) -> dict[str, Any]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: $id}) RETURN l.quantity AS quantity, l.origin_known AS origin_known",
        id=lot_id,
        database_=graph.database,
    )
    return records[0].data() if records else {}


def test_a_full_dump_of_one_source_is_refused_over_tables_another_source_wrote(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An ERP extract (a mapping) imported, then the same plant's MES export (canonical
    tables, a day behind: 1 receipt and 1 delivery fewer) with --full removed the ERP's lot R3
    (a stub: its supplier lot and quantity gone), shipment SH2 and its line, exit 0 — the
    graph kept no per-row source, and a full dump takes every row it lacks for gone. Rows an
    older version wrote still carry none (test_import_provenance for rows that do): over
    them it is refused, exit 2, before anything is written (the graph as it was), naming the tables,
    the other source and its last run; the dry run says so too. --remove-other-sources
    compares them on purpose, and the next --full of the same source is not refused (the
    tables were compared in full since the ERP wrote them) and still removes what it lacks."""
    erp, mapping = _erp(tmp_path)
    first = _import(runner, str(erp), "--mapping", str(mapping))
    _forget_sources(graph)
    mes = _folder(tmp_path, "mes", MES)
    before = _graph_dump(graph)
    refused = _import(runner, str(mes), "--full", "--max-removals", "100%", code=2)
    line = refused["error"]
    assert line.startswith(
        "error: --full of source 'canonical' would compare tables another source wrote since "
        "they were last compared in full, holding rows written before rows kept their sources: "
        f"lots, shipment_lines and shipments by erp (1 run, the last {first['run_id']} on "
    ), line
    assert line.endswith(
        "a full dump removes what its files lack and cannot tell another source's rows apart: "
        "nothing was written (hint: if those runs were this source under another name (a "
        "renamed mapping, a run without --source), give that name with --source; else import "
        "'canonical' without --full (or give every source's files in one --full run: one run "
        "reads one mapping); if these files hold every row of those tables, erp's too, run it "
        "again with --remove-other-sources)"
    ), line
    assert _graph_dump(graph) == before  # nothing written
    assert _lot(graph, "R3") == {"quantity": 20.0, "origin_known": True}
    run = import_runs(graph, limit=1)[0]
    assert (run["status"], run["source"], run["refused_before_writing"], run["rows_removed"]) == (
        "failed", "canonical", True, 0,
    )  # fmt: skip
    assert run["outcome"] == "failed" and run["error"].startswith("--full of source 'canonical'")
    dry = runner.invoke(app, ["import", str(mes), "--full", "--dry-run", "--max-removals", "100%"])
    assert dry.exit_code == 2, dry.output
    assert "error: --full of source 'canonical' would compare tables" in dry.stderr
    # on purpose: the MES dump is taken as complete for every source
    over = _import(runner, str(mes), "--full", "--max-removals", "100%", "--remove-other-sources")
    assert over["tables"]["lots"]["removed"] == 1 and over["removed"] == 3
    assert (
        "--full of source 'canonical' compared tables another source wrote since they were last "
        "compared in full: lots, shipment_lines and shipments by erp (1 run, the last "
        f"{first['run_id']} on "
    ) in " ".join(over["notes"])
    assert any(n.endswith(", on purpose (--remove-other-sources): their rows these files lack are "
                          "removed") for n in over["notes"])  # fmt: skip
    assert _lot(graph, "R3") == {}  # its shipment line went too: nothing names it
    # the same source again, without R2's line: not refused, and it removes what it lacks
    night2 = _folder(tmp_path, "mes2", {**MES, "shipment_lines.csv": MES[
        "shipment_lines.csv"].replace("SH1,R2,100,kg\n", "")})  # fmt: skip
    again = _import(runner, str(night2), "--full", "--max-removals", "100%")
    assert again["tables"]["shipment_lines"]["removed"] == 1
    assert not any("another source" in n for n in again["notes"])


def test_a_full_dump_of_the_erp_is_refused_over_the_mes_tables_too(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The other direction: the MES's tables imported first (by an older version: no sources
    on its rows), the ERP's extract with --full — its mapped files fill lots, shipments and
    shipment_lines, which the MES wrote (refused, exit 2), while a full dump of the ERP alone
    over tables no other source wrote runs."""
    mes = _folder(tmp_path, "mes", MES)
    _import(runner, str(mes))
    _forget_sources(graph)  # rows an older version wrote
    erp, mapping = _erp(tmp_path)
    refused = _import(runner, str(erp), "--mapping", str(mapping), "--full", code=2)
    assert "--full of source 'erp' would compare tables another source wrote" in refused["error"]
    assert "lots, shipment_lines and shipments by canonical (1 run" in refused["error"]
    # a source may take another name on purpose: --source names the MES's own runs
    alone = _folder(tmp_path, "mes-lots", {"lots.csv": MES["lots.csv"]})
    ok = _import(runner, str(alone), "--full", "--source", "canonical")
    assert ok["tables"]["lots"]["removed"] == 0


def test_source_scopes_the_older_export_check(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Two canonical sources of inspections (a lab's and QC's inspections.csv), imported lab,
    qc, lab, qc, each unchanged: every re-send warned "older export" (its bytes were an
    earlier run's, and the other source's run came since), and `import lab --full` was
    refused as one. With --source lab / --source qc each is compared with its own runs: no
    warning; a full dump of the lab, refused then for what it would have done — remove QC's
    inspection — compares the lab's rows alone now: QC's inspection stays."""
    header = "inspection_id,test,result,inspected_at,lot_id\n"
    lab = _folder(tmp_path, "lab", {"inspections.csv": header
                                    + "LAB-1,moisture,pass,2026-11-04T05:00:00Z,R1\n"})  # fmt: skip
    qc = _folder(tmp_path, "qc", {"inspections.csv": header
                                  + "QC-1,visual,pass,2026-11-04T06:00:00Z,R1\n"})  # fmt: skip
    for night, folder in enumerate((lab, qc, lab, qc)):
        summary = _import(runner, str(folder), "--source", folder.name)
        assert not any("older export" in n for n in summary["notes"]), summary["notes"]
        # a re-send is its own source's unchanged file (the skip looks for that source's last
        # file of the name: the other's made both read again every night)
        assert len(summary["unchanged_files"]) == (night >= 2)
    full = _import(runner, str(lab), "--full", "--source", "lab")
    assert full["removed"] == 0
    assert not any("older export" in n or "another source" in n for n in full["notes"])


def test_the_ledger_and_imports_show_the_source_and_the_mapping(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ledger did not say which source or mapping a run read: it keeps `source`, the
    mapping's path and sha256 now, and `imports` shows them (a column when the runs listed
    come from more than one source; `imports RUN` a line; JSON and CSV)."""
    erp, mapping = _erp(tmp_path)
    done = _import(runner, str(erp), "--mapping", str(mapping), "--source", "erp-plant.1")
    run = import_run(graph, done["run_id"])
    assert (run["source"], run["mapping"]) == ("erp-plant.1", str(mapping.absolute()))
    assert len(run["mapping_sha256"]) == 64
    assert run["canonical_tables"] == ["lots", "shipment_lines", "shipments"]
    listed = runner.invoke(app, ["imports", "--format", "csv"], env={"COLUMNS": "120"})
    row = next(csv.DictReader(listed.stdout.splitlines()))
    assert (row["source"], row["mapping"]) == ("erp-plant.1", str(mapping.absolute()))
    # a column once the runs listed come from more than one source
    table = runner.invoke(app, ["imports"], env={"COLUMNS": "120"}).stdout
    assert "source" not in table.splitlines()[1].split()
    _import(runner, str(_folder(tmp_path, "mes", MES)))
    table = runner.invoke(app, ["imports"], env={"COLUMNS": "120"}).stdout
    assert table.splitlines()[1].split()[:3] == ["run", "status", "source"]
    assert [line.split()[2] for line in table.splitlines()[2:4]] == ["canonical", "erp-plant.1"]
    shown = runner.invoke(app, ["imports", done["run_id"]]).stdout
    assert f"Source: erp-plant.1 (mapping {mapping.absolute()}, sha256 " in " ".join(shown.split())
    as_json = json.loads(runner.invoke(app, ["imports", "--format", "json"]).stdout)
    assert [run["source"] for run in as_json["imports"]] == ["canonical", "erp-plant.1"]


@pytest.mark.parametrize("name", ["erp plant", "a/b", "", "x" * 41, "--full"])
def test_a_source_that_is_no_name_is_one_line(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path, name: str
) -> None:
    """--source takes letters, digits, '-', '_' and '.', at most 40: anything else is one
    line with a hint, before a run starts."""
    folder = _folder(tmp_path, "mes", MES)
    result = runner.invoke(app, ["import", str(folder), f"--source={name}"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --source {name!r} is no source name (hint: give ")
    assert result.stderr.count("\n") == 1


def test_the_default_source_is_the_mappings_name(tmp_path: Path) -> None:
    """A bundled mapping's name however it is given, else the mapping file's stem (made a
    name), else `canonical`."""
    from tracegraph.importing.sources import default_source

    assert default_source(None) == "canonical"
    assert default_source(load_mapping(Path("sap"))) == "sap"
    assert default_source(load_mapping(ROOT / "importers" / "mes_gbk" / "mapping.toml")) == (
        "mes_gbk"
    )
    mapping = tmp_path / "line 2 (MES).toml"
    mapping.write_text(ERP_MAPPING, encoding="utf-8")
    assert default_source(load_mapping(mapping)) == "line-2-MES"
    # copies of the bundled layout, erp/mapping.toml and mes/mapping.toml, were both the source
    # `mapping` — one source, so the MES's --full removed the ERP's rows: their folders name them
    for folder in ("erp", "mes"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "mapping.toml").write_text(ERP_MAPPING, encoding="utf-8")
        assert default_source(load_mapping(tmp_path / folder / "mapping.toml")) == folder
    # given as a bare file name, run in its folder: the folder still names it
    with pytest.MonkeyPatch.context() as here:
        here.chdir(tmp_path / "mes")
        assert default_source(load_mapping(Path("mapping.toml"))) == "mes"
    # a name --source would refuse (`_x`) is no default either
    (tmp_path / "_x.toml").write_text(ERP_MAPPING, encoding="utf-8")
    assert default_source(load_mapping(tmp_path / "_x.toml")) == "x"


def test_runs_before_sources_do_not_count_and_are_noted_once(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Runs recorded before runs kept a source cannot be told apart: they do not refuse a
    full run, a note says so (of a mapped run's files, which tables they filled is not known
    either: its mapping was not recorded), and once that table was compared in full the note
    is gone."""
    erp, mapping = _erp(tmp_path)
    old = _import(runner, str(erp), "--mapping", str(mapping))
    graph.driver.execute_query(
        "MATCH (r:ImportRun) REMOVE r.source, r.canonical_tables, r.mapping, r.mapping_sha256",
        database_=graph.database,
    )
    _forget_sources(graph)  # and its rows
    alone = _folder(tmp_path, "mes-lots", {"lots.csv": MES["lots.csv"]})
    first = _import(runner, str(alone), "--full", "--max-removals", "100%")
    noted = [n for n in first["notes"] if "recorded before import runs kept their source" in n]
    assert noted == [
        f"--full: 1 run recorded before import runs kept their source may have written lots "
        f"(the last {old['run_id']}): not told apart from this source "
        "'canonical', whose full dump removes what its files lack — if another source wrote "
        "those rows, they are removed too"
    ], first["notes"]
    again = _import(runner, str(alone), "--full", "--force")
    assert not any("recorded before" in n for n in again["notes"])


def test_runs_recorded_before_the_ledger_kept_their_tables_are_noted(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A store upgraded from before the ledger kept `file_tables` (2026-12-06): the old ERP run
    (a mapping's files, receipts.csv and deliveries.csv) named its files alone, and
    other_sources.cypher matched such a run by its file_tables, so never: the canonical
    source's --full removed the ERP's rows without a note (an upgraded plant lost its SAP
    sample's 6 materials, 5 lots, 2 shipments, exit 0, unsaid). Such a run may have written
    any table, and is noted as README says (the dry run says so too)."""
    erp, mapping = _erp(tmp_path)
    _import(runner, str(erp), "--mapping", str(mapping))
    graph.driver.execute_query(
        "MATCH (run:ImportRun) OPTIONAL MATCH (run)-[:READ]->(file:ImportedFile) "
        "DETACH DELETE run, file",
        database_=graph.database,
    )
    files = sorted(erp.iterdir())
    old_run(graph, "20261128T020000Z-0ld5a9", files,
            {"lots": {"read": 3, "written": 3, "changed": 3},
             "shipments": {"read": 2, "written": 2, "changed": 2},
             "shipment_lines": {"read": 3, "written": 3, "changed": 3}})  # fmt: skip
    _forget_sources(graph)
    mes = _folder(tmp_path, "mes", MES)
    expected = (
        "--full: 1 run recorded before import runs kept their source may have written lots, "
        "shipment_lines, shipments (the last 20261128T020000Z-0ld5a9): not told apart from this "
        "source 'canonical', whose full dump removes what its files lack — if another source "
        "wrote those rows, they are removed too"
    )
    for dry in (["--dry-run"], []):
        summary = _import(runner, str(mes), "--full", "--max-removals", "100%", *dry)
        assert expected in summary["notes"], summary["notes"]


def test_a_file_another_sources_full_run_removed_rows_of_is_not_skipped_as_unchanged(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """lots_1.csv imported (R1-R3, source erp), then lots_2.csv (R1, R2, source mes) with
    --full, on purpose over erp's rows, removed R3; lots_1.csv sent again unchanged was skipped
    ("the last import of a file of that name had the same content"), and R3 never came back
    though its file holds it. A file of a table another source's later run removed rows of is
    read again, with a note saying why. Its own source's removals do not count: read again, the
    file wrote back what its source's full dump removed, to be removed by the next one — R4,
    removed by erp's own --full, stays removed and lots_1.csv is skipped."""
    header = "lot_id,material_id,quantity,uom\n"
    rows = "R1,FLOUR,500,kg\nR2,FLOUR,500,kg\n"
    one = _folder(tmp_path, "one", {"lots_1.csv": header + rows + "R3,SALT,20,kg\n"})
    two = _folder(tmp_path, "two", {"lots_2.csv": header + rows})
    import_paths(graph, [one], source="erp")
    removed = import_paths(graph, [two], full=True, max_removals="100%", source="mes",
                           over_sources=True)  # fmt: skip
    assert removed.removed == {"lots": 1} and _lot(graph, "R3") == {}
    again = import_paths(graph, [one], source="erp")
    assert again.unchanged_files == {} and again.written == 3
    assert _lot(graph, "R3")["quantity"] == 20.0
    assert (
        f"lots_1.csv: read again although unchanged since {import_runs(graph)[2]['run_id']}: run "
        f"{removed.run_id} removed rows of its tables since (--full), which its rows may be among"
    ) in again.notes
    # read once: the next import of it is skipped again
    assert import_paths(graph, [one], source="erp").unchanged_files != {}
    # erp's own full dump removes R4; erp's unchanged lots_9.csv is skipped, R4 stays removed
    extra = _folder(tmp_path, "extra", {"lots_9.csv": header + "R4,SALT,5,kg\n"})
    import_paths(graph, [extra], source="erp")
    dump = _folder(tmp_path, "dump", {"lots_3.csv": header + rows + "R3,SALT,21,kg\n"})
    own = import_paths(graph, [dump], full=True, max_removals="100%", source="erp",
                       over_sources=True)  # fmt: skip
    assert own.removed == {"lots": 1} and _lot(graph, "R4") == {}, own.notes
    assert import_paths(graph, [extra], source="erp").unchanged_files != {}
    assert _lot(graph, "R4") == {}


def _marked(graph: TraceGraph) -> list[str]:
    """The tables marked as holding no row without its sources (SourcedTable)."""
    query = "MATCH (m:SourcedTable) RETURN collect(m.table) AS tables"
    return sorted(graph.driver.execute_query(query, database_=graph.database).records[0][0])


def test_a_table_found_without_rows_of_unknown_source_is_not_scanned_again(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Every --full run over a table another source wrote since its last full comparison looked
    for rows written before rows kept their sources (legacy_rows.cypher), a scan of the
    table's label to its end once none was left. A table found without one is now marked
    (SourcedTable; not by a dry run) and not scanned again: a row without sources slipped in
    under the mark is not looked for. An older tracegraph's run since the mark (a rollback,
    whose rows carry no sources) voids it, whatever its clock said: the table is scanned, and
    the run refused (a run started a second "before" the mark by its machine's clock kept it
    trusted, and the ERP's lot was deleted)."""
    erp, mapping = _erp(tmp_path)
    _import(runner, str(erp), "--mapping", str(mapping))
    mes = _folder(tmp_path, "mes", MES)
    dry = runner.invoke(app, ["import", str(mes), "--full", "--dry-run", "--max-removals", "100%"])
    assert dry.exit_code == 0, dry.output
    assert _marked(graph) == []
    _import(runner, str(mes), "--full", "--max-removals", "100%")
    assert _marked(graph) == ["lots", "shipment_lines", "shipments"]
    _import(runner, str(erp), "--mapping", str(mapping))  # the ERP wrote them again
    graph.driver.execute_query(  # a row no run of this version can leave: the scan would see it
        "MATCH (l:Lot {lot_id: 'R3'}) REMOVE l._sources", database_=graph.database
    )
    # the mark: not scanned, not refused (it was), R3 compared as the MES's and removed
    night2 = _import(runner, str(mes), "--full", "--max-removals", "100%")
    assert night2["tables"]["lots"]["removed"] == 1
    graph.driver.execute_query(  # a rollback's run, ledger entry as an older version wrote it,
        # on a machine whose clock is a second behind the server's: it starts "before" the mark
        "MATCH (m:SourcedTable {table: 'lots'}) CREATE (:ImportRun {run_id: 'older', status: "
        "'done', started_at: m.at - duration('PT1S'), ended_at: m.at})",
        database_=graph.database,
    )
    _import(runner, str(erp), "--mapping", str(mapping))
    graph.driver.execute_query(  # and the rows it wrote
        "MATCH (l:Lot) REMOVE l._sources", database_=graph.database
    )
    refused = _import(runner, str(mes), "--full", "--max-removals", "100%", code=2)
    assert "holding rows written before rows kept their sources: lots by erp" in refused["error"]
