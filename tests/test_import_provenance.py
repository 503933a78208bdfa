"""Per-row source provenance: every row an import writes keeps the sources that sent it
(`_sources`), so that a `--full` dump of one source compares its own rows only. An ERP and a
MES both sending `lots` could not run either one's --full before (refused, exit 2: the graph
could not tell whose rows were whose); now a row the dump lacks that another source still
sends stays, with that source alone, and a row the source alone sent is removed as before."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.restore import RESTORED_SHAS

from test_import import _graph_dump  # isort: skip
from test_import_sources import _folder, _forget_sources, _import  # isort: skip

LOTS = "lot_id,material_id,quantity,uom\n"


def _lots(tmp_path: Path, name: str, lots: dict[str, int]) -> Path:
    """A folder holding one canonical lots.csv: lot id -> quantity (kg of FLOUR)."""
    rows = "".join(f"{lot},FLOUR,{quantity},kg\n" for lot, quantity in lots.items())
    return _folder(tmp_path, name, {"lots.csv": LOTS + rows})


def _names(stored: Any) -> Any:
    """A row's `_sources` as a list: stored as one string of space-separated names."""
    return stored.split(" ") if isinstance(stored, str) else stored


def _lot_rows(graph: TraceGraph) -> dict[str, Any]:
    """Every lot: its quantity, whether its origin is known and the sources that sent it."""
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot) RETURN l.lot_id AS id, l.quantity AS quantity, "
        "l.origin_known AS known, l._sources AS sources",
        database_=graph.database,
    )
    return {r["id"]: (r["quantity"], r["known"], _names(r["sources"])) for r in records}


def _link_sources(graph: TraceGraph) -> dict[tuple[str, str], Any]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot)-[r:INPUT_TO]->(s:ProcessStep) "
        "RETURN s.step_id AS step, l.lot_id AS lot, r._sources AS sources",
        database_=graph.database,
    )
    return {(r["step"], r["lot"]): _names(r["sources"]) for r in records}


def _erp_and_mes(runner: CliRunner, tmp_path: Path) -> None:
    """ERP sends lots A, B, C; the MES sends B, C (the same content) and D."""
    _import(runner, str(_lots(tmp_path, "erp", {"A": 10, "B": 20, "C": 30})), "--source", "erp")
    _import(runner, str(_lots(tmp_path, "mes", {"B": 20, "C": 30, "D": 40})), "--source", "mes")


def test_a_full_dump_of_one_source_keeps_the_rows_another_source_still_sends(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """ERP sends A, B, C and the MES B, C, D: the MES's --full with only C and D was refused
    (exit 2, "another source's tables"), as was the ERP's. Now the MES's compares the MES's
    rows: B, which the ERP still sends, stays with [erp] (counted against --max-removals: 1
    passes), D stays, nothing removed, exit 0. The ERP's --full with only A then removes B
    (the ERP alone sent it) and keeps C, which the MES still sends, with [mes]."""
    _erp_and_mes(runner, tmp_path)
    assert _lot_rows(graph) == {
        "A": (10.0, True, ["erp"]), "B": (20.0, True, ["erp", "mes"]),
        "C": (30.0, True, ["erp", "mes"]), "D": (40.0, True, ["mes"]),
    }  # fmt: skip
    dump = str(_lots(tmp_path, "mes-full", {"C": 30, "D": 40}))
    dry = runner.invoke(app, ["import", dump, "--source", "mes", "--full", "--dry-run",
                              "--max-removals", "1", "--format", "json"])  # fmt: skip
    assert dry.exit_code == 0, dry.output
    would = "1 lots row no longer sent by mes; kept: still sent by erp (mes would be taken off"
    assert any(n.startswith(would) for n in json.loads(dry.stdout)["notes"]), dry.stdout
    mes = _import(runner, dump, "--source", "mes", "--full", "--max-removals", "1")
    assert mes["removed"] == 0 and mes["tables"]["lots"]["removed"] == 0
    assert (
        "1 lots row no longer sent by mes; kept: still sent by erp (mes taken off their sources "
        "only: not removed, counted against --max-removals, listed in the file of removed rows "
        "(taken_off 1)): B"
    ) in mes["notes"], mes["notes"]
    assert not any("another source" in n for n in mes["notes"])
    assert _lot_rows(graph) == {
        "A": (10.0, True, ["erp"]), "B": (20.0, True, ["erp"]),
        "C": (30.0, True, ["erp", "mes"]), "D": (40.0, True, ["mes"]),
    }  # fmt: skip
    erp = _import(runner, str(_lots(tmp_path, "erp-full", {"A": 10})), "--source", "erp",
                  "--full", "--max-removals", "100%")  # fmt: skip
    assert erp["removed"] == 1 and erp["tables"]["lots"]["removed"] == 1
    assert _lot_rows(graph) == {
        "A": (10.0, True, ["erp"]), "C": (30.0, True, ["mes"]), "D": (40.0, True, ["mes"]),
    }  # fmt: skip
    # the ledger says C is no longer sent by the ERP, and kept
    c = json.loads(runner.invoke(app, ["lot", "show", "C", "--format", "json"]).stdout)
    assert [(x["run_id"], x["columns"]) for x in c["changes"]] == [
        (erp["run_id"], [{"column": "sent by", "before": "erp, mes", "after": "mes"}])
    ]
    # the graph as a clean import of what each source sends now makes it, but for the ERP's
    # last row, kept on C on purpose: the ERP back with C as it sent it before is no news;
    # and the MES's marked: left alone on C, its next import vouches for it (writer.TO_VOUCH)
    query = "MATCH (l:Lot {lot_id: 'C'}) RETURN l._source_shas"
    (kept,) = graph.driver.execute_query(query, database_=graph.database).records[0]
    assert kept.startswith("erp:") and kept.count(" ") == 1 and " mes:!" in kept, kept
    graph.driver.execute_query("MATCH (l:Lot {lot_id: 'C'}) REMOVE l._source_shas",
                               database_=graph.database)  # fmt: skip
    left = _graph_dump(graph)
    graph.reset(keep_schema=True)
    graph.init_schema()
    _import(runner, str(_lots(tmp_path, "erp-now", {"A": 10})), "--source", "erp")
    _import(runner, str(_lots(tmp_path, "mes-now", {"C": 30, "D": 40})), "--source", "mes")
    assert left == _graph_dump(graph)


def test_a_full_dump_lacking_most_of_its_sources_shared_rows_is_refused_and_takes_nothing_off(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends L01-L18, the MES L01-L18, M1 and M2. A MES receipts dump holding L01 and
    M1 alone (2 of its 20 rows) was imported, exit 0: M2 removed (1 of 20, within 10%) and
    the MES taken off 17 lots the ERP sends too, with its spellings — --max-removals counted
    removals only. Now the 18 rows it lacks count: refused (exit 2, its dry run too), nothing
    removed nor taken off, the error saying how many it lacks and of which kind. A dump
    lacking one shared row (1 of 20, within 10%) is imported as before."""
    shared = {f"L{n:02}": n for n in range(1, 19)}
    _import(runner, str(_lots(tmp_path, "erp", shared)), "--source", "erp")
    _import(runner, str(_lots(tmp_path, "mes", {**shared, "M1": 1, "M2": 2})), "--source", "mes")
    before = _lot_rows(graph)
    cut = str(_lots(tmp_path, "mes-cut", {"L01": 1, "M1": 1}))
    error = (
        "error: the full dump of lots lacks 18 of the 20 rows mes sent (90%): 1 to remove (mes "
        "alone sent them), 17 to take mes off (still sent by erp), more than --max-removals 10%: "
    )
    dry = _import(runner, cut, "--source", "mes", "--full", "--dry-run", code=2)["error"]
    assert dry.startswith(error + "the import would refuse them (exit 2, nothing "
                          "removed nor taken off)"), dry  # fmt: skip
    assert dry.endswith("lists them, those to take off with taken_off 1))"), dry
    refused = _import(runner, cut, "--source", "mes", "--full", code=2)["error"]
    assert refused == error + (
        "nothing was removed nor taken off (hint: a cut-off export? check the file; if the rows "
        "are gone on purpose, run it again with --max-removals 18 (--dry-run --full lists them))"
    )
    assert _lot_rows(graph) == before
    most = {lot: n for lot, n in shared.items() if lot != "L18"}
    done = _import(runner, str(_lots(tmp_path, "mes-full", {**most, "M1": 1, "M2": 2})),
                   "--source", "mes", "--full")  # fmt: skip
    assert done["removed"] == 0 and done["refused"] is None
    assert any(n.startswith("1 lots row no longer sent by mes; kept: still sent by erp")
               and n.endswith(": L18") for n in done["notes"]), done["notes"]  # fmt: skip
    assert _lot_rows(graph) == {**before, "L18": (18.0, True, ["erp"])}


def test_an_older_export_sent_again_under_full_is_refused_for_rows_it_takes_off_too(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends A, B and D; the MES B and C on night 1, B, C and D on night 2. Night 1's
    folder sent again with --full took the MES off D (exit 0, its notes saying --full removes
    none): the older-export check counted the rows it would remove only. It counts those it
    takes the source off too: refused, D still the MES's (review)."""
    _import(runner, str(_lots(tmp_path, "erp", {"A": 1, "B": 2, "D": 4})), "--source", "erp")
    night1 = str(_lots(tmp_path, "mes1", {"B": 2, "C": 3}))
    _import(runner, night1, "--source", "mes", "--full")
    _import(runner, str(_lots(tmp_path, "mes2", {"B": 2, "C": 3, "D": 4})), "--source", "mes",
            "--full")  # fmt: skip
    before = _lot_rows(graph)
    refused = _import(runner, night1, "--source", "mes", "--full", "--max-removals", "1",
                      code=2)["error"]  # fmt: skip
    assert "an older export sent again" in refused, refused
    assert _lot_rows(graph) == before and before["D"][2] == ["erp", "mes"]


def _l1_spelled_by_erp_and_mes(runner: CliRunner, tmp_path: Path) -> tuple[Path, Path]:
    """The ERP sends L1 as supplier lot 000123 of V1, the MES as 123 (and L2); imported. The
    MES's dump lacking L1 (its bad --full's) and its folder as imported."""
    header = "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
    erp = _folder(tmp_path, "erp", {"lots.csv": header + "L1,FLOUR,10,kg,V1,000123\n"})
    mes = _folder(tmp_path, "mes", {"lots.csv": header + "L1,FLOUR,10,kg,V1,123\n"
                                                 "L2,FLOUR,1,kg,V1,999\n"})  # fmt: skip
    cut = _folder(tmp_path, "cut", {"lots.csv": header + "L2,FLOUR,1,kg,V1,999\n"})
    _import(runner, str(erp), "--source", "erp")
    _import(runner, str(mes), "--source", "mes")
    return cut, mes


def test_a_source_back_after_its_bad_full_gets_its_supplier_lot_spelling_again(
    graph: TraceGraph, runner: CliRunner, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """The ERP sends L1 as supplier lot 000123 of V1, the MES as 123. The MES's bad --full
    without L1 takes it off L1 with its spelling; sent again as before, the MES is L1's sender
    again but `123` stayed gone (its row no news, unchanged: lot show 123 knew no lot, 27 of
    a tester's month's 71 lots for two weeks)."""
    bad, mes = _l1_spelled_by_erp_and_mes(runner, tmp_path)
    _import(runner, str(bad), "--source", "mes", "--full", "--max-removals", "100%")

    def spellings() -> list[tuple[str, str]]:
        found = graph.driver.execute_query(
            "MATCH (i:Identifier)-[e:IDENTIFIES]->(:Lot {lot_id: 'L1'}) RETURN i.key, e._sources",
            database_=graph.database,
        ).records
        return sorted(tuple(record) for record in found)

    assert spellings() == [("supplier_lot|V1|000123", "erp")]
    again = _import(runner, str(mes), "--source", "mes", "--force")
    assert again["updated"] == 0
    assert spellings() == [("supplier_lot|V1|000123", "erp"), ("supplier_lot|V1|123", "mes")]
    shown = runner.invoke(app, ["lot", "show", "123"])
    assert shown.exit_code == 0 and shown.stdout.startswith("L1 "), shown.output


def test_a_full_run_killed_while_taking_its_source_off_leaves_no_spelling_of_it(
    graph: TraceGraph, runner: CliRunner, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """kill -9 of the MES's --full right after it wrote L1's sources (erp alone), before it
    dropped the MES's spelling `123`: the re-run found the MES off L1 and looked no further,
    so `lot show 123` found L1 for good (a tester's kill during the take-off phase). The
    sources and the spellings are written in one transaction: the re-run's graph is a clean
    run's."""
    cut, _ = _l1_spelled_by_erp_and_mes(runner, tmp_path)
    killer = (
        "import os, signal\n"
        "from tracegraph.graph import TraceGraph\n"
        "from tracegraph.cli.main import run\n"
        "write, write_all = TraceGraph.write, TraceGraph.write_all\n"
        "def killed(self, name, /, **params):\n"
        "    done = write(self, name, **params)\n"
        "    if name == 'import/set_node_sources':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return done\n"
        "def killed_all(self, statements):\n"
        "    write_all(self, statements)\n"
        "    if any(name == 'import/set_node_sources' for name, _ in statements):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "TraceGraph.write, TraceGraph.write_all = killed, killed_all\n"
        "run()\n"
    )
    full = ["import", str(cut), "--source", "mes", "--full", "--max-removals", "100%"]
    importer = subprocess.run(
        [sys.executable, "-c", killer, *full], cwd=tmp_path, env=os.environ.copy(),
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert importer.returncode == -signal.SIGKILL, importer.stderr
    assert _lot_rows(graph)["L1"][2] == ["erp"]  # killed after the take-off's write
    _import(runner, *full[1:])
    found = graph.driver.execute_query(
        "MATCH (i:Identifier)-[e:IDENTIFIES]->(:Lot {lot_id: 'L1'}) RETURN i.key, e._sources",
        database_=graph.database,
    ).records
    assert sorted(tuple(record) for record in found) == [("supplier_lot|V1|000123", "erp")]
    shown = runner.invoke(app, ["lot", "show", "123"])
    assert shown.exit_code == 2, shown.output


def test_a_link_table_keeps_the_links_another_source_still_sends(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """step_inputs, links stored as relationships: the ERP sends S1's inputs A and B, the MES
    B and C. The MES's --full with only C keeps B's link with [erp] (refused, exit 2, before);
    the ERP's --full with only A then removes it (the ERP alone sent it) and keeps C's, [mes]."""
    steps = "step_id,operation,started_at\nS1,mix,2026-11-04T08:00:00Z\n"
    inputs = "step_id,lot_id,quantity,uom\n"

    def folder(name: str, lots: str) -> str:
        rows = "".join(f"S1,{lot},1,kg\n" for lot in lots)
        return str(_folder(tmp_path, name, {"steps.csv": steps, "step_inputs.csv": inputs + rows}))

    _import(runner, folder("erp", "AB"), "--source", "erp")
    _import(runner, folder("mes", "BC"), "--source", "mes")
    assert _link_sources(graph) == {
        ("S1", "A"): ["erp"], ("S1", "B"): ["erp", "mes"], ("S1", "C"): ["mes"],
    }  # fmt: skip
    mes = _import(runner, folder("mes-full", "C"), "--source", "mes", "--full",
                  "--max-removals", "100%")  # fmt: skip
    assert mes["removed"] == 0
    assert any(n.startswith("1 step_inputs row no longer sent by mes; kept: still sent by erp")
               and n.endswith(": S1|B") for n in mes["notes"]), mes["notes"]  # fmt: skip
    assert _link_sources(graph) == {
        ("S1", "A"): ["erp"], ("S1", "B"): ["erp"], ("S1", "C"): ["mes"],
    }  # fmt: skip
    erp = _import(runner, folder("erp-full", "A"), "--source", "erp", "--full",
                  "--max-removals", "100%")  # fmt: skip
    assert erp["tables"]["step_inputs"]["removed"] == 1
    assert _link_sources(graph) == {("S1", "A"): ["erp"], ("S1", "C"): ["mes"]}


def test_rows_written_before_rows_kept_their_sources_are_still_refused(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Rows an older version wrote carry no sources (`_sources` removed here): whose they are is
    not known, so the MES's --full over a table the ERP wrote since it was last compared is
    refused as before, exit 2, nothing written. Once each source has sent its rows again
    (without --full) they carry their sources, and the MES's --full keeps B, the ERP's — it
    stayed refused for good before, whatever the sources sent."""
    _erp_and_mes(runner, tmp_path)
    _forget_sources(graph)
    before = _graph_dump(graph)
    dump = _lots(tmp_path, "mes-full", {"C": 30, "D": 40})
    refused = _import(runner, str(dump), "--source", "mes", "--full", "--max-removals", "100%",
                      code=2)  # fmt: skip
    assert refused["error"].startswith(
        "error: --full of source 'mes' would compare tables another source wrote since they "
        "were last compared in full, holding rows written before rows kept their sources: lots "
        "by erp (1 run, the last "
    ), refused["error"]
    assert _graph_dump(graph) == before
    # --force: the ledger here is this version's, whose files of the same content are skipped
    # (an older version's are read once: run.PROVENANCE is in the file fingerprint)
    _import(runner, str(_lots(tmp_path, "erp-2", {"A": 10, "B": 20, "C": 30})), "--source", "erp",
            "--force")  # fmt: skip
    _import(runner, str(_lots(tmp_path, "mes-2", {"B": 20, "C": 30, "D": 40})), "--source", "mes",
            "--force")  # fmt: skip
    assert _lot_rows(graph)["B"] == (20.0, True, ["erp", "mes"])
    done = _import(runner, str(dump), "--source", "mes", "--full", "--max-removals", "100%")
    assert done["removed"] == 0
    assert _lot_rows(graph)["B"] == (20.0, True, ["erp"])


def test_lot_show_names_the_sources_that_sent_the_lot(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`lot show` did not say who sent a lot's row: it names its sources now (`Sent by: erp,
    mes`; JSON `sources`). The MES sending B with another quantity (20 -> 25 kg) replaces the
    content, is recorded as a change, and keeps both sources."""
    _erp_and_mes(runner, tmp_path)
    changed = _import(runner, str(_lots(tmp_path, "mes-2", {"B": 25})), "--source", "mes")
    assert changed["tables"]["lots"]["updated"] == 1
    assert _lot_rows(graph)["B"] == (25.0, True, ["erp", "mes"])
    shown = runner.invoke(app, ["lot", "show", "B"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "Sent by: erp, mes" in shown.stdout
    assert "lots B: quantity 20.0 → 25.0" in shown.stdout
    # one change: the MES's first B, the ERP's content, changed nothing
    b = json.loads(runner.invoke(app, ["lot", "show", "B", "--format", "json"]).stdout)
    assert [c["columns"] for c in b["changes"]] == [
        [{"column": "quantity", "before": "20.0", "after": "25.0"}]
    ]
    assert b["sources"] == ["erp", "mes"]
    as_json = json.loads(runner.invoke(app, ["lot", "show", "D", "--format", "json"]).stdout)
    assert as_json["sources"] == ["mes"]


def test_importing_the_same_files_again_changes_nothing(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Both sources' files imported again (read again: --force) write nothing — no change, no
    second source added twice — and the graph stays as it was, B sent by [erp, mes]."""
    _erp_and_mes(runner, tmp_path)
    before = _graph_dump(graph)
    assert _lot_rows(graph)["B"] == (20.0, True, ["erp", "mes"])
    for name in ("erp", "mes"):
        again = _import(runner, str(tmp_path / name), "--source", name, "--force")
        assert again["tables"]["lots"]["changed"] == 0, again
    assert _graph_dump(graph) == before


def test_a_file_identical_to_another_sources_is_read_so_its_rows_gain_that_source(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP imports materials.csv (FLOUR, SALT); the MES a byte-identical materials.csv
    (--source mes). The unchanged-file skip matched name and content, not the source: the
    MES's file was skipped, both rows stayed [erp], and the ERP's --full with only FLOUR
    removed SALT, which the MES still sends (1 removed, exit 0; on dev it was refused). The
    source is in the file's fingerprint now: the MES's file is read, SALT is [erp, mes], and
    the ERP's --full takes only `erp` off it (0 removed)."""
    materials = "material_id,name\nFLOUR,Flour\nSALT,Salt\n"
    _import(runner, str(_folder(tmp_path, "erp", {"materials.csv": materials})),
            "--source", "erp")  # fmt: skip
    mes = _import(runner, str(_folder(tmp_path, "mes", {"materials.csv": materials})),
                  "--source", "mes")  # fmt: skip
    assert mes["unchanged_files"] == {}, mes["unchanged_files"]
    records, _, _ = graph.driver.execute_query(
        "MATCH (m:Material) RETURN m.material_id AS id, m._sources AS sources ORDER BY id",
        database_=graph.database,
    )
    # one short string (inline in the property record), not a list (a dynamic record per row)
    assert [(r["id"], r["sources"]) for r in records] == [("FLOUR", "erp mes"), ("SALT", "erp mes")]
    only_flour = _folder(tmp_path, "erp-full", {"materials.csv": "material_id,name\nFLOUR,Flour\n"})
    erp = _import(runner, str(only_flour), "--source", "erp", "--full", "--max-removals", "100%")
    assert erp["removed"] == 0, erp
    records, _, _ = graph.driver.execute_query(
        "MATCH (m:Material) RETURN m.material_id AS id, m._sources AS sources ORDER BY id",
        database_=graph.database,
    )
    assert [(r["id"], r["sources"]) for r in records] == [("FLOUR", "erp mes"), ("SALT", "mes")]


def test_a_file_without_an_optional_column_another_source_fills_still_makes_its_source_a_sender(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES sends materials with uom and kind, the ERP the same materials with a name only.
    A row a file gave without a column the graph held a value of counted as a partial update,
    whose source was no sender: the ERP never became one of SALT's, and the MES's --full then
    removed SALT though the ERP sends it every night. Every file a row is in makes its source
    a sender (a QC status update too: a lot the ERP deleted is then kept, never removed
    wrongly)."""
    mes = "material_id,name,uom,kind\nFLOUR,Flour,kg,raw\nSALT,Salt,kg,raw\n"
    _import(runner, str(_folder(tmp_path, "mes", {"materials.csv": mes})), "--source", "mes")
    erp = "material_id,name\nFLOUR,Flour\nSALT,Salt\n"
    _import(runner, str(_folder(tmp_path, "erp", {"materials.csv": erp})), "--source", "erp")
    query = "MATCH (m:Material) RETURN m.material_id AS id, m._sources AS sources"
    held = {r["id"]: _names(r["sources"]) for r in graph.driver.execute_query(
        query, database_=graph.database).records}  # fmt: skip
    assert held == {"FLOUR": ["erp", "mes"], "SALT": ["erp", "mes"]}
    flour = "material_id,name,uom,kind\nFLOUR,Flour,kg,raw\n"
    full = _import(runner, str(_folder(tmp_path, "mes-full", {"materials.csv": flour})),
                   "--source", "mes", "--full", "--max-removals", "100%")  # fmt: skip
    assert full["tables"]["materials"]["removed"] in (0, None), full["notes"]
    ids = [r["id"] for r in graph.driver.execute_query(query, database_=graph.database).records]
    assert sorted(ids) == ["FLOUR", "SALT"]


def test_two_sources_sending_files_of_one_name_each_skip_their_own_unchanged_file(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP and the MES both send lots.csv: each took the other's for the last import of
    the name, and with the source in the fingerprint nothing matched — both files read again
    every night (a --force re-import of each source, nightly). A source's unchanged file is
    skipped as its last import of the name had it."""
    erp, mes = _lots(tmp_path, "erp", {"A": 10}), _lots(tmp_path, "mes", {"B": 5})
    for folder, source in ((erp, "erp"), (mes, "mes")):
        _import(runner, str(folder), "--source", source)
    again = {source: _import(runner, str(folder), "--source", source)
             for folder, source in ((erp, "erp"), (mes, "mes"))}  # fmt: skip
    assert [sorted(Path(f).parent.name for f in run["unchanged_files"])
            for run in again.values()] == [["erp"], ["mes"]]  # fmt: skip


def test_dry_run_and_import_refuse_alike_when_the_dump_holds_another_sources_rows(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES holds M1..M10 and the ERP L1..L100. The MES's --full dump holds L1..L100 (the
    same content) and M1: 9 of the MES's 10 rows gone. The dry run said 90 %, refused under
    the default 10 % (exit 2); the import compared after its writes, when L1..L100 had gained
    `mes`, counted 110 held (9 is 8 %) and removed 9 rows, exit 0. Both refuse now."""
    erp = {f"L{i}": i for i in range(1, 101)}
    _import(runner, str(_lots(tmp_path, "erp", erp)), "--source", "erp")
    _import(runner, str(_lots(tmp_path, "mes", {f"M{i}": i for i in range(1, 11)})),
            "--source", "mes")  # fmt: skip
    dump = str(_lots(tmp_path, "mes-full", {**erp, "M1": 1}))
    dry = runner.invoke(app, ["import", dump, "--source", "mes", "--full", "--dry-run",
                              "--format", "json"])  # fmt: skip
    assert dry.exit_code == 2, dry.output
    assert "lacks 9 of the 10 rows mes sent (90%)" in json.loads(dry.stdout)["refused"]
    real = runner.invoke(app, ["import", dump, "--source", "mes", "--full", "--format", "json"])
    assert real.exit_code == 2, real.output
    summary = json.loads(real.stdout)
    assert summary["removed"] == 0
    assert "lacks 9 of the 10 rows mes sent (90%)" in summary["refused"]
    assert len(_lot_rows(graph)) == 110


def test_a_row_only_taken_off_a_source_is_not_a_changed_row_of_the_run(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES's --full without B, which the ERP still sends, records `sent by erp, mes → erp`
    on the ledger; `imports RUN` counted that record as a changed row ("1 changed row", line 0,
    no file) while the run's per-table counts said 0 changed. It says 0 now, and the record
    is still shown."""
    _erp_and_mes(runner, tmp_path)
    dump = str(_lots(tmp_path, "mes-full", {"C": 30, "D": 40}))
    mes = _import(runner, dump, "--source", "mes", "--full", "--max-removals", "1")
    assert mes["tables"]["lots"]["changed"] == 0
    shown = runner.invoke(app, ["imports", mes["run_id"]], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "0 changed rows, 0 removed (--full)" in shown.stdout, shown.stdout
    assert "sent by" in shown.stdout


def _runs_of(graph: TraceGraph) -> list[tuple[Any, Any]]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (r:ImportRun) RETURN r.source AS source, r.source_renamed_from AS before "
        "ORDER BY r.started_at",
        database_=graph.database,
    )
    return [(r["source"], r["before"]) for r in records]


def test_a_renamed_sources_full_run_notes_the_rows_of_the_old_name_and_the_rename_fixes_it(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP ran as `plant_erp` (its mapping plant_erp.toml), then as `erp` (the file
    renamed): its --full with A and B, C deleted in the ERP, kept C — sent under the old name
    only, never compared — with no word, night after night. Now the run notes the 1 lots row
    sent only by plant_erp (silent since erp first ran) with the fix; `imports
    --rename-source plant_erp erp` renames the rows and the ledger's runs (the rename on the
    ledger, `imports RUN` says the name a run ran as), and the next --full removes C. The
    rename run again changes nothing and says so."""
    _import(runner, str(_lots(tmp_path, "old", {"A": 10, "B": 20, "C": 30})),
            "--source", "plant_erp")  # fmt: skip
    new = str(_lots(tmp_path, "new", {"A": 10, "B": 20}))
    # the renamed source's first night (no note yet: a new source's first nights are not
    # enough to call another silent), then its ninth: the runs moved back in time
    _import(runner, new, "--source", "erp")
    graph.driver.execute_query(
        "MATCH (run:ImportRun) SET run.started_at = run.started_at - duration({days: "
        "CASE run.source WHEN 'plant_erp' THEN 10 ELSE 9 END})",
        database_=graph.database,
    )
    dry = runner.invoke(app, ["import", new, "--source", "erp", "--full", "--dry-run",
                              "--format", "json"])  # fmt: skip
    assert any("1 lots row sent only by sources silent" in n
               for n in json.loads(dry.stdout)["notes"]), dry.stdout  # fmt: skip
    first = _import(runner, new, "--source", "erp", "--full", "--max-removals", "100%")
    assert first["removed"] == 0
    assert any(
        n.startswith("--full of source 'erp': 1 lots row sent only by sources silent since "
                     "'erp' first ran (or for 60 days) is not compared, kept whatever the dump "
                     "lacks: 1 by plant_erp (last run: plant_erp 20")
        and n.endswith("run `tracegraph imports --rename-source plant_erp erp`; else that "
                       "source's own --full compares them")
        for n in first["notes"]
    ), first["notes"]  # fmt: skip
    assert _lot_rows(graph)["C"] == (30.0, True, ["plant_erp"])
    renamed = runner.invoke(app, ["imports", "--rename-source", "plant_erp", "erp"])
    assert renamed.exit_code == 0, renamed.output
    assert "Source plant_erp renamed to erp: 3 rows (lots 3), 1 run of the ledger" in " ".join(
        renamed.stdout.split()
    ), renamed.stdout
    assert _lot_rows(graph) == {
        "A": (10.0, True, ["erp"]), "B": (20.0, True, ["erp"]), "C": (30.0, True, ["erp"]),
    }  # fmt: skip
    assert _runs_of(graph) == [("erp", "plant_erp"), ("erp", None), ("erp", None)]
    records, _, _ = graph.driver.execute_query(
        "MATCH (r:SourceRename) RETURN r.old AS old, r.new AS new, r.rows AS rows, "
        "r.user IS NOT NULL AND r.ended_at IS NOT NULL AS recorded",
        database_=graph.database,
    )
    assert [r.data() for r in records] == [
        {"old": "plant_erp", "new": "erp", "rows": 3, "recorded": True}
    ]
    old_run = json.loads(runner.invoke(app, ["imports", "--format", "json"]).stdout)["imports"][-1]
    shown = runner.invoke(app, ["imports", old_run["run_id"]])
    assert "Source: erp; ran as plant_erp, renamed 20" in " ".join(shown.stdout.split())
    again = runner.invoke(app, ["imports", "--rename-source", "plant_erp", "erp"])
    assert again.exit_code == 0 and "nothing changed" in again.stdout, again.output
    second = _import(runner, str(_lots(tmp_path, "new2", {"A": 10, "B": 20})), "--source",
                     "erp", "--full", "--max-removals", "100%")  # fmt: skip
    assert second["removed"] == 1
    assert not any("silent" in n for n in second["notes"]), second["notes"]
    assert sorted(_lot_rows(graph)) == ["A", "B"]


# cli_at's clock: the faketime package (libfaketime), which .ci/run installs; without it the
# clock tests failed with FileNotFoundError rather than saying what is missing.
needs_faketime = pytest.mark.skipif(
    shutil.which("faketime") is None,
    reason="faketime is not installed (apt-get install faketime): the CLI's clock cannot be set",
)


def cli_at(moment: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, its clock at `moment` (faketime, `2026-11-21 09:00:00`,
    running on from there; None: the real clock); the Neo4j server keeps the real one."""
    faked = ["faketime", "-f", f"@{moment}"] if moment else []
    cli = [sys.executable, "-c", "from tracegraph.cli.main import run; run()", *args]
    return subprocess.run([*faked, *cli], capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip


@needs_faketime
def test_a_rename_records_the_time_of_the_process_that_renamed(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A run's times are the importing process's clock, a rename's end (its SourceRename's
    `ended_at`, each run's `source_renamed_at`) was the server's datetime(): with the client's
    clock behind the server's, a rename made at 2026-11-21 09:00 said "renamed on
    2026-12-07T09:32:21", after runs it came before. Run under faketime (the server's clock is
    the real one), every time the rename records is the renaming process's."""
    _import(runner, str(_lots(tmp_path, "erp", {"A": 10})), "--source", "plant_erp")
    renamed = cli_at("2026-11-21 09:00:00", "imports", "--rename-source", "plant_erp", "erp")
    assert renamed.returncode == 0, renamed.stderr
    records, _, _ = graph.driver.execute_query(
        "MATCH (r:SourceRename) MATCH (run:ImportRun {source_renamed_from: 'plant_erp'}) "
        "RETURN [toString(r.started_at), toString(r.ended_at), "
        "toString(run.source_renamed_at)] AS times",
        database_=graph.database,
    )
    times = [t for r in records for t in r["times"]]
    assert len(times) == 3 and all(t.startswith("2026-11-21T09:0") for t in times), times
    again = cli_at(None, "imports", "--rename-source", "plant_erp", "erp")
    assert "to erp on 2026-11-21T09:0" in " ".join(again.stdout.split()), again.stdout


def test_a_new_sources_first_full_run_names_no_source_silent(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP imported A, B, C; the MES's first --full (B, C, D) a moment later noted "1
    lots row sent only by sources silent since 'mes' first ran … run `tracegraph imports
    --rename-source erp mes`" — the ERP had run the night before, and the rename suggested
    would have made the MES's next --full remove the ERP's rows. A source is silent only once
    this one has run for 8 days without it."""
    _import(runner, str(_lots(tmp_path, "erp", {"A": 10, "B": 20, "C": 30})), "--source", "erp")
    mes = str(_lots(tmp_path, "mes", {"B": 20, "C": 30, "D": 40}))
    for args in (["--dry-run"], [], []):
        result = runner.invoke(app, ["import", mes, "--source", "mes", "--full", *args,
                                     "--format", "json"])  # fmt: skip
        assert result.exit_code == 0, result.output
        notes = json.loads(result.stdout)["notes"]
        assert not any("silent" in note for note in notes), notes


def test_a_rename_stopped_part_way_is_finished_by_running_it_again(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A rename killed after some rows were renamed (here: B's, by hand, and its unended
    ledger record) left rows of both
    names and the runs under the old one: running it again renames the rest and the runs;
    a row that named both the old and the new name names the new one once. Unknown names and
    a rename to itself are one line each (exit 2)."""
    _erp_and_mes(runner, tmp_path)
    graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'B'}) SET l._sources = 'mes plant' "
        "CREATE (:SourceRename {rename_id: 'stopped', old: 'erp', new: 'plant'})",
        database_=graph.database,
    )
    result = runner.invoke(app, ["imports", "--rename-source", "erp", "plant"])
    assert result.exit_code == 0, result.output
    # the stopped attempt's record ends with the one that finished its work
    records, _, _ = graph.driver.execute_query(
        "MATCH (r:SourceRename) RETURN r.rename_id AS id, r.ended_at IS NOT NULL AS ended, "
        "r.finished_by IS NOT NULL AS finished ORDER BY id",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in records if r["id"] == "stopped"] == [("stopped", True, True)]
    assert all(r["ended"] for r in records), records
    assert _lot_rows(graph) == {
        "A": (10.0, True, ["plant"]), "B": (20.0, True, ["mes", "plant"]),
        "C": (30.0, True, ["mes", "plant"]), "D": (40.0, True, ["mes"]),
    }  # fmt: skip
    assert [s for s, _ in _runs_of(graph)] == ["plant", "mes"]
    merged = runner.invoke(app, ["imports", "--rename-source", "mes", "plant"])
    assert merged.exit_code == 0 and "one source now" in " ".join(merged.stdout.split())
    assert {k: v[2] for k, v in _lot_rows(graph).items()} == {
        "A": ["plant"], "B": ["plant"], "C": ["plant"], "D": ["plant"],
    }  # fmt: skip
    for args, said in ((["nobody", "x"], "no import run has source 'nobody'"),
                       (["plant", "plant"], "the old and the new name are the same"),
                       (["plant", "a/b"], "--rename-source 'a/b' is no source name")):  # fmt: skip
        wrong = runner.invoke(app, ["imports", "--rename-source", *args])
        assert wrong.exit_code == 2 and said in wrong.stderr, wrong.output
        assert "Traceback" not in wrong.output


# Per link or event table: its file's header, a row per name (a lot, a time), and how its rows'
# sources are read back from the graph (name -> sources).
_ROW_TABLES: dict[str, tuple[str, Any, str]] = {
    "lot_identifiers": (
        "lot_id,scheme,value,issuer\n",
        lambda x: f"{x},tlc,TLC-{x},\n",
        "MATCH (i:Identifier)-[r:IDENTIFIES]->(l:Lot) WHERE r._row_sha IS NOT NULL "
        "RETURN l.lot_id AS name, r._sources AS sources",
    ),
    "shipment_lines": (
        "shipment_id,lot_id,quantity,uom\n",
        lambda x: f"SH1,{x},1,kg\n",
        "MATCH (l:Lot)-[r:SHIPPED]->(:Shipment) RETURN l.lot_id AS name, r._sources AS sources",
    ),
    "device_events": (
        "device_id,event,at,result\n",
        lambda x: f"D1,calibration,2026-11-0{'ABC'.index(x) + 1}T08:00:00Z,pass\n",
        "MATCH (e:DeviceEvent) RETURN substring('ABC', toInteger(substring(toString(e.at), "
        "9, 1)) - 1, 1) AS name, e._sources AS sources",
    ),
}


def _table_rows(graph: TraceGraph, table: str) -> dict[str, Any]:
    records, _, _ = graph.driver.execute_query(_ROW_TABLES[table][2], database_=graph.database)
    return {r["name"]: _names(r["sources"]) for r in records}


def _row_folder(tmp_path: Path, name: str, table: str, rows: str) -> str:
    header, row, _ = _ROW_TABLES[table]
    text = header + "".join(row(x) for x in rows)
    return str(_folder(tmp_path, name, {f"{table}.csv": text}))


def _mes_taken_off_b(
    graph: TraceGraph, runner: CliRunner, tmp_path: Path, table: str
) -> tuple[list[str], dict[str, Any]]:
    """The ERP sends `table`'s rows of A and B, the MES those of B and C; the MES's --full
    with only C's takes it off B's: the graph before it (_graph_dump) and its summary."""
    _import(runner, str(_folder(tmp_path, "base", {
        "lots.csv": LOTS + "A,FLOUR,1,kg\nB,FLOUR,1,kg\nC,FLOUR,1,kg\n",
        "customers.csv": "customer_id,name\nC1,Bakery\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\nSH1,C1,2026-11-04T08:00:00Z\n",
        "devices.csv": "device_id,name\nD1,Oven\n",
    })), "--source", "base")  # fmt: skip
    _import(runner, _row_folder(tmp_path, "erp", table, "AB"), "--source", "erp")
    _import(runner, _row_folder(tmp_path, "mes", table, "BC"), "--source", "mes")
    assert _table_rows(graph, table) == {"A": ["erp"], "B": ["erp", "mes"], "C": ["mes"]}
    before = _graph_dump(graph)
    return before, _import(runner, _row_folder(tmp_path, "mes-full", table, "C"), "--source",
                           "mes", "--full", "--max-removals", "1")  # fmt: skip


@pytest.mark.parametrize("table", sorted(_ROW_TABLES))
def test_a_link_or_event_row_a_full_run_took_its_source_off_comes_back_with_restore(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path, table: str
) -> None:
    """Taken off B's row, the MES had it in no file; restored (TABLE_3.csv in the MES's
    folder: its key and the columns saying which record it is) and imported under the MES,
    B's row is the ERP's and the MES's again, with its values and each one's last row: the
    graph as before the --full."""
    before, mes = _mes_taken_off_b(graph, runner, tmp_path, table)
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", mes["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0 and "warning" not in restored.stderr, restored.output
    assert sorted(p.name for p in folder.iterdir()) == [RESTORED_SHAS, f"{table}_3.csv"]
    _import(runner, str(folder), "--source", "mes")
    assert _graph_dump(graph) == before


@pytest.mark.parametrize("table", sorted(_ROW_TABLES))
def test_a_taken_off_row_its_source_sends_again_is_left_out_of_the_restore(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path, table: str
) -> None:
    """The MES's --full took it off B's row; the MES sends B again the next night. The restore
    of that --full wrote B's row back all the same (TABLE_3.csv), the MES's row of the night
    before the removal: it is the MES's again, so it is left out, said, and nothing is written.
    Then the ERP's --full removes B (the ERP alone sent it now): the MES's restore wrote B's
    whole row under the MES, its values of the night before its removal over the newer ones
    in the ERP's file. It leaves B to the ERP's restore; restored after that one is imported,
    it gives B back to the MES as a taken-off row (TABLE_3.csv)."""
    mes = _mes_taken_off_b(graph, runner, tmp_path, table)[1]
    _import(runner, _row_folder(tmp_path, "mes-again", table, "BC"), "--source", "mes")
    assert _table_rows(graph, table)["B"] == ["erp", "mes"]
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", mes["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert not folder.exists()
    assert (f"lists 1 row: 0 written (the graph lacks them), 1 left out (the graph has them, "
            f"or a later run's restore gives them). {table}: 1 listed, 0 written, 1 left out: "
            "the run's source sends the row again. "
            "Nothing to restore.") in " ".join(restored.stdout.split())  # fmt: skip

    # the MES's dump of C again, as the night of its first --full: on purpose, not older
    _import(runner, _row_folder(tmp_path, "mes-c", table, "C"), "--source", "mes", "--full",
            "--max-removals", "100%", "--accept-older")  # fmt: skip
    erp = _import(runner, _row_folder(tmp_path, "erp-full", table, "A"), "--source", "erp",
                  "--full", "--max-removals", "100%")  # fmt: skip
    assert erp["tables"][table]["removed"] == 1 and "B" not in _table_rows(graph, table)
    # the ERP's file holds B's newer values: the MES's restore leaves it to the ERP's
    restored = runner.invoke(app, ["imports", mes["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert f"removed again by the later run {erp['run_id']}" in " ".join(restored.stdout.split())
    assert not folder.exists()
    erp_folder = tmp_path / "erp-restore"
    restored = runner.invoke(app, ["imports", erp["run_id"], "--restore", str(erp_folder)])
    assert restored.exit_code == 0, restored.output
    _import(runner, str(erp_folder), "--source", "erp")
    # then the MES's again: B comes back to the MES as a taken-off row does
    restored = runner.invoke(app, ["imports", mes["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert sorted(p.name for p in folder.iterdir()) == [RESTORED_SHAS, f"{table}_3.csv"]
    _import(runner, str(folder), "--source", "mes")
    assert _table_rows(graph, table)["B"] == ["erp", "mes"]


@pytest.mark.parametrize("table", sorted(_ROW_TABLES))
def test_a_full_dump_keeps_the_link_and_event_rows_another_source_still_sends(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path, table: str
) -> None:
    """lot_identifiers, shipment_lines and device_events had no test of their provenance: the
    ERP sends the rows of A and B, the MES those of B and C (B the same row). The MES's --full
    with only C keeps B's row with [erp] and removes nothing; the ERP's --full with only A then
    removes B's (the ERP alone sent it) and keeps C's, [mes]; the ledger's record of B's row
    losing the MES is about its node(s) (looked up by key: the keys queries no longer return
    element ids)."""
    mes = _mes_taken_off_b(graph, runner, tmp_path, table)[1]
    assert mes["removed"] == 0, mes
    assert any(n.startswith(f"1 {table} row no longer sent by mes; kept: still sent by erp")
               for n in mes["notes"]), mes["notes"]  # fmt: skip
    assert _table_rows(graph, table) == {"A": ["erp"], "B": ["erp"], "C": ["mes"]}
    records, _, _ = graph.driver.execute_query(
        "MATCH (c:RowChange {sources_only: true})-[:ABOUT]->(n) RETURN c.table AS table, "
        "count(n) AS nodes",
        database_=graph.database,
    )
    assert [r.data() for r in records] == [
        {"table": table, "nodes": 1 if table == "device_events" else 2}
    ]
    erp = _import(runner, _row_folder(tmp_path, "erp-full", table, "A"), "--source", "erp",
                  "--full", "--max-removals", "100%")  # fmt: skip
    assert erp["tables"][table]["removed"] == 1, erp
    assert _table_rows(graph, table) == {"A": ["erp"], "C": ["mes"]}


def test_the_keys_queries_return_no_element_ids_for_shared_rows(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Every *_keys query returned, per row two sources send, its element id and its nodes'
    (~45 characters each): an ERP and a MES both sending 1M lots and 5M links decoded millions
    of ids every --full, for rows nothing dropped. Now [key, sources] only; the few a dump
    lacks are looked up by key (the tests above)."""
    _erp_and_mes(runner, tmp_path)
    found = graph.read("import/lots_keys", source="mes")[0]
    assert sorted(found["shared"]) == [["B", "erp mes"], ["C", "erp mes"]]


def test_restored_rows_come_back_under_the_sources_that_sent_them(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """removed-RUN.csv kept no sources: the ERP's --full with --remove-other-sources removed B
    (sent by the ERP and the MES) and D (the MES's alone), and `imports RUN --restore` wrote
    both for `import DIR --source erp`: B came back the ERP's alone, D the ERP's, never sent
    by it. The file keeps each row's sources (a `sources` column, not one of the values'); the
    restore writes the MES's rows in DIR/mes, and importing each folder under its source gives
    B [erp, mes] and D [mes] again. A file written before the column restores under the run's
    source."""
    _erp_and_mes(runner, tmp_path)
    before = _lot_rows(graph)
    dump = str(_lots(tmp_path, "erp-full", {"A": 10, "C": 30}))
    done = _import(runner, dump, "--source", "erp", "--full", "--remove-other-sources",
                   "--max-removals", "100%")  # fmt: skip
    assert done["removed"] == 2 and sorted(_lot_rows(graph)) == ["A", "C"]
    with open(done["removed_file"], encoding="utf-8-sig") as file:
        assert file.readline().strip() == (
            "table,key,values,sources,supplier_lots,source_shas,taken_off"
        )
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    said = " ".join(restored.stdout.split())
    assert f"import {folder / 'mes'} --source mes" in said, said
    assert (folder / "lots.csv").read_text(encoding="utf-8").splitlines()[1:] == ["B,FLOUR,20.0,kg"]
    assert sorted((folder / "mes" / "lots.csv").read_text(encoding="utf-8").splitlines()[1:]) == [
        "B,FLOUR,20.0,kg", "D,FLOUR,40.0,kg",
    ]  # fmt: skip
    _import(runner, str(folder), "--source", "erp")
    _import(runner, str(folder / "mes"), "--source", "mes")
    assert _lot_rows(graph) == before
    # a file of removed rows written before the sources column: the run's source's rows
    from tracegraph.importing.restore import read_removed_by_source

    older = tmp_path / "removed-old.csv"
    older.write_text('table,key,values\nlots,B,"{""lot_id"": ""B""}"\n', encoding="utf-8")
    assert read_removed_by_source(older, "erp")[0] == {"erp": {"lots": [{"lot_id": "B"}]}}


def test_a_row_several_sources_sent_that_one_sends_again_is_left_out_naming_it(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP's --full with --remove-other-sources removed B (the ERP's and the MES's) and D
    (the MES's); the MES then sends B again at 25 kg. The restore first wrote B into both
    folders at 20 kg, and importing them put 20 back. Then B came back to the ERP as a partial
    row — but a partial row carries its required columns, and a shipment line's quantity went
    over the newer one that way (review of saferestore2). Now B is left out, naming who sends
    it (the ERP's next export makes it a sender again); D, which the graph lacks, comes back."""
    _erp_and_mes(runner, tmp_path)
    dump = str(_lots(tmp_path, "erp-full", {"A": 10, "C": 30}))
    done = _import(runner, dump, "--source", "erp", "--full", "--remove-other-sources",
                   "--max-removals", "100%")  # fmt: skip
    _import(runner, str(_lots(tmp_path, "mes-since", {"B": 25, "C": 30})), "--source", "mes")
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert ("lots: 2 listed, 1 written, 1 left out: the graph holds the row again (sent again "
            "since by mes).") in " ".join(restored.stdout.split())  # fmt: skip
    assert not (folder / "lots_4.csv").exists()
    assert (folder / "mes" / "lots.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "D,FLOUR,40.0,kg"
    ]
    _import(runner, str(folder / "mes"), "--source", "mes")
    assert _lot_rows(graph)["B"] == (25.0, True, ["mes"])
    assert _lot_rows(graph)["D"] == (40.0, True, ["mes"])


SPELLED = "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"


def _erp_and_mes_spell_l1(runner: CliRunner, tmp_path: Path, erp_since: str) -> tuple[Path, Path]:
    """The ERP sends L1 as 000123 of V1, the MES as 123 with L2-L10, then the ERP `erp_since`:
    the MES's folder and its --full dump lacking L1."""
    lots = "".join(f"L{n},FLOUR,{n},kg,V1,{n}\n" for n in range(2, 11))
    erp = _folder(tmp_path, "erp", {"lots.csv": SPELLED + "L1,FLOUR,10,kg,V1,000123\n"})
    mes = _folder(tmp_path, "mes", {"lots.csv": SPELLED + "L1,FLOUR,10,kg,V1,123\n" + lots})
    _import(runner, str(erp), "--source", "erp")
    _import(runner, str(mes), "--source", "mes")
    since = _folder(tmp_path, "erp-since", {"lots.csv": SPELLED + erp_since + "\n"})
    _import(runner, str(since), "--source", "erp")
    return mes, _folder(tmp_path, "bad", {"lots.csv": SPELLED + lots})


def test_rows_a_full_run_takes_its_source_off_are_listed_and_come_back_with_restore(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends L1 as supplier lot 000123 of V1, the MES as 123. The MES's --full
    without L1 (within --max-removals) took the MES off L1 and `123` with it, but listed L1
    nowhere: `imports RUN --restore` gave back nothing ("removed no rows"), and `lot show 123`
    knew no lot for good. removed-RUN.csv lists it now (taken_off 1, the MES's spelling and
    last row); restored into the MES's folder alone and imported under `--source mes`, the MES
    sends L1 again with its spelling — and the ERP's quantities stay: the graph's 11 at the
    removal, the ERP's after the MES's 10, would be the MES's change under the per-column rule,
    written over the ERP's 12 since, so the restored row carries no quantity."""
    mes, bad = _erp_and_mes_spell_l1(runner, tmp_path, "L1,FLOUR,11,kg,V1,000123")
    dry = runner.invoke(app, ["import", str(bad), "--source", "mes", "--full", "--dry-run",
                              "--format", "json"])  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert any("listed in the file of removed rows (taken_off 1)" in note
               for note in json.loads(dry.stdout)["notes"]), dry.stdout  # fmt: skip
    done = _import(runner, str(bad), "--source", "mes", "--full")
    assert done["removed"] == 0 and done["removed_file"], done
    with open(done["removed_file"], encoding="utf-8-sig") as file:
        lines = list(csv.DictReader(file))
    assert [(r["table"], r["key"], r["taken_off"], r["sources"]) for r in lines] == [
        ("lots", "L1", "1", "erp mes")
    ]
    assert json.loads(lines[0]["values"])["quantity"] == 11.0
    assert json.loads(lines[0]["supplier_lots"]) == [
        {"sources": "mes", "supplier_id": "V1", "supplier_lot": "123"}
    ]
    assert json.loads(lines[0]["source_shas"])[1].startswith("mes:")
    assert runner.invoke(app, ["lot", "show", "123"]).exit_code != 0
    # the ERP's quantity after the removal: not undone by the MES's restored row
    _import(runner, str(_folder(tmp_path, "erp12", {
        "lots.csv": SPELLED + "L1,FLOUR,12,kg,V1,000123\n"})), "--source", "erp")  # fmt: skip
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0 and "warning" not in restored.stderr, restored.output
    assert not (folder / "erp").exists() and not (folder / "lots.csv").exists()
    assert (folder / "lots_3.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "lot_id,material_id,supplier_id,supplier_lot",
        "L1,FLOUR,V1,123",
    ]
    _import(runner, str(folder), "--source", "mes")
    assert _lot_rows(graph)["L1"] == (12.0, True, ["erp", "mes"])
    shown = runner.invoke(app, ["lot", "show", "123"])
    assert shown.exit_code == 0 and shown.stdout.startswith("L1 "), shown.output
    # the MES's last row is its own again: its next export, L1 as before, is no news
    again = _import(runner, str(mes), "--source", "mes", "--force")
    assert again["updated"] == 0 and _lot_rows(graph)["L1"][0] == 12.0


def test_a_source_renamed_after_its_full_run_gets_its_spelling_back_from_the_restore(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES's --full took it off L1 and its spelling `123`; then the MES was renamed
    (`imports --rename-source mes line1`). The run's restore wrote L1 back without a supplier
    lot, nothing said: removed-RUN.csv's spelling names mes, the run's source is line1 now.
    The restore reads the file's sources under their names now (the ledger's renames), a
    removed row's too (L10 came back in a folder of mes, a source no run has)."""
    bad = _erp_and_mes_spell_l1(runner, tmp_path, "L1,FLOUR,11,kg,V1,000123")[1]
    lots = bad / "lots.csv"
    lots.write_text(lots.read_text().replace("L10,FLOUR,10,kg,V1,10\n", ""))  # the MES's alone
    done = _import(runner, str(bad), "--source", "mes", "--full", "--max-removals", "2")
    assert done["removed"] == 1
    renamed = runner.invoke(app, ["imports", "--rename-source", "mes", "line1"])
    assert renamed.exit_code == 0, renamed.output
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0 and "warning" not in restored.stderr, restored.output
    assert f"import {folder} --source line1`" in " ".join(restored.stdout.split())
    assert (folder / "lots_3.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "lot_id,material_id,supplier_id,supplier_lot",
        "L1,FLOUR,V1,123",
    ]
    assert not (folder / "mes").exists()  # removed, L10 comes back in line1's folder
    assert (folder / "lots.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == [
        "L10,FLOUR,10.0,kg,V1,10"
    ]
    _import(runner, str(folder), "--source", "line1")
    assert _lot_rows(graph)["L1"][2] == ["erp", "line1"]
    assert _lot_rows(graph)["L10"][2] == ["line1"]
    shown = runner.invoke(app, ["lot", "show", "123"])
    assert shown.exit_code == 0 and shown.stdout.startswith("L1 "), shown.output


def test_a_source_name_taken_again_after_a_rename_is_restored_under_that_name(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES renamed line1 (`imports --rename-source mes line1`), a new system imports
    under the free name mes (L1 spelled 123, and L11) and its --full drops both. The restore
    applied every rename ever made to the file: L11 came back in a folder to import with
    `--source line1`, L1 without its spelling, nothing said. Only renames that ended after the
    run started apply: none here."""
    _erp_and_mes_spell_l1(runner, tmp_path, "L1,FLOUR,11,kg,V1,000123")
    renamed = runner.invoke(app, ["imports", "--rename-source", "mes", "line1"])
    assert renamed.exit_code == 0, renamed.output
    new = _folder(tmp_path, "new-mes", {"lots.csv": SPELLED + "L1,FLOUR,1,kg,V1,123\n"
                                                   "L11,FLOUR,11,kg,V1,11\n"})  # fmt: skip
    _import(runner, str(new), "--source", "mes")
    empty = _folder(tmp_path, "new-mes-bad", {"lots.csv": SPELLED + "L2,FLOUR,2,kg,V1,2\n"})
    done = _import(runner, str(empty), "--source", "mes", "--full", "--max-removals", "2")
    assert done["removed"] == 1, done  # L11; L1 only taken off mes (erp and line1 send it)
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert f"import {folder} --source mes`" in " ".join(restored.stdout.split())
    assert not (folder / "line1").exists()
    assert (folder / "lots.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == [
        "L11,FLOUR,11.0,kg,V1,11"
    ]
    assert (folder / "lots_3.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == [
        "L1,FLOUR,V1,123"
    ]
    _import(runner, str(folder), "--source", "mes")
    assert _lot_rows(graph)["L1"][2] == ["erp", "line1", "mes"]


def test_a_renamed_source_whose_name_is_renamed_again_restores_under_its_first_new_name(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """mes → line1, a new mes, then mes → line2: the first mes's run's file was translated
    to line2 (the last rename of the name mes), though its rows are line1's. In order, a
    rename applies to the name the file's source has by then."""
    mes = _folder(tmp_path, "mes", {"lots.csv": SPELLED + "L1,FLOUR,1,kg,V1,1\n"
                                               "L10,FLOUR,10,kg,V1,10\n"})  # fmt: skip
    _import(runner, str(mes), "--source", "mes")
    bad = _folder(tmp_path, "bad", {"lots.csv": SPELLED + "L1,FLOUR,1,kg,V1,1\n"})
    done = _import(runner, str(bad), "--source", "mes", "--full", "--max-removals", "2")
    assert done["removed"] == 1, done
    assert runner.invoke(app, ["imports", "--rename-source", "mes", "line1"]).exit_code == 0
    new = _folder(tmp_path, "new", {"lots.csv": SPELLED + "L5,FLOUR,5,kg,V1,5\n"})
    _import(runner, str(new), "--source", "mes")  # a new system under the free name
    assert runner.invoke(app, ["imports", "--rename-source", "mes", "line2"]).exit_code == 0
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert f"import {folder} --source line1`" in " ".join(restored.stdout.split())


def test_a_file_of_removed_rows_written_before_the_taken_off_column_still_restores(
    tmp_path: Path,
) -> None:
    """removed-RUN.csv had no `taken_off` column: such a file is read as before, its rows
    removed rows (restored under their sources)."""
    from tracegraph.importing.restore import read_removed_by_source

    older = tmp_path / "removed-old.csv"
    older.write_text('table,key,values,sources,supplier_lots,source_shas\n'
                     'lots,B,"{""lot_id"": ""B""}",erp mes,,\n', encoding="utf-8")  # fmt: skip
    assert read_removed_by_source(older, "erp")[0] == {
        "erp": {"lots": [{"lot_id": "B"}]}, "mes": {"lots": [{"lot_id": "B"}]},
    }  # fmt: skip


def test_a_restore_names_a_taken_off_row_whose_required_column_another_source_changed(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A taken-off row comes back with its required columns as the graph held them at the
    removal: the ERP's SUGAR, not the MES's FLOUR, is the MES's change on import, over any
    newer material. The restore warns, naming the row and the column — once the graph holds
    another value (the ERP's SALT): it warned while the graph still held SUGAR too, which the
    import writes as it is (a tester's 15 inspections named, 0 rows changed)."""
    _, bad = _erp_and_mes_spell_l1(runner, tmp_path, "L1,SUGAR,10,kg,V1,000123")
    done = _import(runner, str(bad), "--source", "mes", "--full")
    same = runner.invoke(app, ["imports", done["run_id"], "--restore", str(tmp_path / "r0")])
    assert same.exit_code == 0, same.output
    assert "taken off comes back" not in " ".join(same.stderr.split()), same.stderr
    salt = _folder(tmp_path, "erp-salt", {"lots.csv": SPELLED + "L1,SALT,10,kg,V1,000123\n"})
    _import(runner, str(salt), "--source", "erp")
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(tmp_path / "r")])
    assert restored.exit_code == 0, restored.output
    said = " ".join(restored.stderr.split())
    assert (
        "warning: 1 row mes was only taken off comes back with columns another source had "
        "changed before the removal"
    ) in said, said
    assert said.count("lots L1: material_id") == 1, said


def test_a_restore_does_not_name_a_time_its_source_sent_as_the_same_instant(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP sends I1 at 04:00Z, the MES at 12:00+08:00: the same instant, no change (the
    ERP's text stays). The restore of the MES's --full that took it off I1 warned that
    inspected_at "comes back with columns another source had changed": it compared the text.
    It compares instants now, as the import does."""
    header = "inspection_id,lot_id,test,result,inspected_at\n"
    erp = {"lots.csv": LOTS + "L1,FLOUR,10,kg\n",
           "inspections.csv": header + "I1,L1,incoming,pass,2026-01-05T04:00:00Z\n"}  # fmt: skip
    _import(runner, str(_folder(tmp_path, "erp", erp)), "--source", "erp")
    mes = header + "I1,L1,incoming,pass,2026-01-05T12:00:00+08:00\n"
    _import(runner, str(_folder(tmp_path, "mes", {"inspections.csv": mes})), "--source", "mes")
    empty = _folder(tmp_path, "mes-full", {"inspections.csv": header})
    done = _import(runner, str(empty), "--source", "mes", "--full", "--max-removals", "100%")
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(tmp_path / "r")])
    assert restored.exit_code == 0, restored.output
    assert "another source had changed" not in restored.stderr, restored.stderr
    assert (tmp_path / "r" / "inspections_3.csv").exists()  # the taken-off row, to send again


def test_a_restore_names_every_column_of_a_taken_off_row_without_column_hashes(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The MES's record of L1 kept before the per-column rule (its row hash alone): the import
    writes the restored row whole as the MES's change, over the ERP's newer values. The
    restore said nothing of it (it named only columns a column hash showed another source had
    changed); it names the row's columns now, those whose value the graph holds otherwise
    since (the ERP's SALT)."""
    _, bad = _erp_and_mes_spell_l1(runner, tmp_path, "L1,FLOUR,10,kg,V1,000123")
    graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'L1'}) SET l._source_shas = reduce(s = '', e IN "
        "split(l._source_shas, ' ') | s + CASE s WHEN '' THEN '' ELSE ' ' END + CASE WHEN e "
        "STARTS WITH 'mes:' THEN 'mes:' + split(e, ':')[1] ELSE e END)",
        database_=graph.database,
    )
    done = _import(runner, str(bad), "--source", "mes", "--full")
    salt = _folder(tmp_path, "erp-salt", {"lots.csv": SPELLED + "L1,SALT,10,kg,V1,000123\n"})
    _import(runner, str(salt), "--source", "erp")
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(tmp_path / "r")])
    assert restored.exit_code == 0, restored.output
    said = " ".join(restored.stderr.split())
    assert "1 row mes was only taken off comes back with columns another source" in said, said
    assert "lots L1: material_id" in said, said
