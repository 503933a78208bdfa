"""`tracegraph import PATH... --full`: the files are complete dumps of their tables, and what
the graph holds of those tables that the files no longer have is removed — with a safety limit,
a dry run, a file of what was removed, counts in the summary and the ledger, and a re-run
that completes a killed one."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph
from tracegraph.importing import full, restore
from tracegraph.importing.ledger import import_run
from tracegraph.importing.private_csv import write_private_csv
from tracegraph.importing.restore import read_removed, write_tables
from tracegraph.importing.run import import_paths
from tracegraph.values import iso

from hand_plant import HAND_PLANT  # isort: skip
from test_import import _graph_dump  # isort: skip

LINES_HEADER = "shipment_id,lot_id,quantity,uom\n"
# Tonight's complete shipment lines: SH2's line of P2 moved to SH1, the return RMA1 withdrawn.
NIGHT2_LINES = LINES_HEADER + "SH1,P1,300,pcs\nSH1,P2,50,pcs\n"
REFUSED = (
    "error: the full dump of shipment_lines lacks 2 of the 3 rows canonical sent (67%), more "
    "than --max-removals 10%: nothing was removed (hint: a cut-off export? check the file; if "
    "the rows are gone on purpose, run it again with --max-removals 2 (--dry-run --full lists "
    "them))"
)
REMOVED_LINES = [
    ["shipment_lines", "RMA1|P2",
     '{"lot_id": "P2", "quantity": -10.0, "shipment_id": "RMA1", "uom": "pcs"}', "canonical", "",
     "", ""],
    ["shipment_lines", "SH2|P2",
     '{"lot_id": "P2", "quantity": 50.0, "shipment_id": "SH2", "uom": "pcs"}', "canonical", "", "",
     ""],
]  # fmt: skip


def _night(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def _json(runner: CliRunner, *args: str, code: int = 0) -> dict[str, Any]:
    result = runner.invoke(app, ["import", *args, "--format", "json"])
    assert result.exit_code == code, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    for table in summary["tables"].values():
        assert table["read"] == table["written"] + table["rejected"]
    return summary


def _rows(path: str) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _lines(graph: TraceGraph) -> list[tuple[str, str, float]]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot)-[r:SHIPPED]->(s:Shipment) RETURN s.shipment_id AS s, l.lot_id AS l, "
        "r.quantity AS q ORDER BY s, l",
        database_=graph.database,
    )
    return [(r["s"], r["l"], r["q"]) for r in records]


def _customers(runner: CliRunner, lot: str) -> list[str]:
    traced = runner.invoke(app, ["trace", "forward", lot, "--format", "json"])
    assert traced.exit_code == 0, traced.output
    return [c["customer_id"] for c in json.loads(traced.stdout)["customers"]]


ALL_LINES = [("RMA1", "P2", -10.0), ("SH1", "P1", 300.0), ("SH2", "P2", 50.0)]


def test_a_line_missing_from_a_full_dump_is_removed_and_the_trace_no_longer_reaches_its_customer(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    graph = hand_plant
    night2 = _night(tmp_path, "night2", {"shipment_lines.csv": NIGHT2_LINES})
    assert _customers(runner, "B") == ["C1", "C2"]

    # Half of the table would go: refused by the default limit (10%), nothing removed — the
    # night's rows are written (SH1 now carries P2 too).
    refused = runner.invoke(app, ["import", str(night2), "--full"])
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[-2] == REFUSED
    # the night's counts on stdout, as any run's (a refusal raised said none)
    assert refused.stdout.startswith("Import ") and "0 removed (--full)" in refused.stdout
    assert _lines(graph) == [*ALL_LINES[:2], ("SH1", "P2", 50.0), ALL_LINES[2]]
    assert not list(tmp_path.glob("removed-*.csv"))
    refused_run = graph.read("ledger/import_runs", limit=1)[0]["run"]
    # every file was written before the refusal: its counts are whole, not partial
    assert (refused_run["status"], refused_run["exit_code"]) == ("done", 2)
    assert refused_run.get("counts_partial") is None
    # sent again, the cut-off dump is read and refused again, not skipped as unchanged
    resent = runner.invoke(app, ["import", str(night2), "--full"])
    assert resent.exit_code == 2 and "unchanged" not in resent.output
    assert resent.stderr.splitlines()[-2].startswith(
        "error: the full dump of shipment_lines lacks 2"
    )

    # The dry run reads the graph, removes nothing, and lists what would go.
    dry = _json(runner, str(night2), "--full", "--dry-run", "--max-removals", "2")
    assert (dry["dry_run"], dry["full"], dry["removed"]) == (True, True, 2)
    assert dry["tables"]["shipment_lines"]["removed"] == 2
    assert _rows(dry["removed_file"])[1:] == REMOVED_LINES
    assert len(_lines(graph)) == 4
    assert (
        "2 shipment_lines rows the graph held and the full dump no longer has would be removed: "
        "RMA1|P2, SH2|P2"
    ) in dry["notes"]

    # Allowed: both lines go, written first to removed-RUN.csv beside the reject file.
    done = _json(runner, str(night2), "--full", "--max-removals", "2")
    assert (done["full"], done["removed"], done["tables"]["shipment_lines"]["removed"]) == (
        True, 2, 2
    )  # fmt: skip
    assert done["removed_file"] == str(tmp_path / f"removed-{done['run_id']}.csv")
    assert _rows(done["removed_file"]) == [
        ["table", "key", "values", "sources", "supplier_lots", "source_shas", "taken_off"],
        *REMOVED_LINES,
    ]
    assert oct(os.stat(done["removed_file"]).st_mode & 0o777) == "0o600"
    assert _lines(graph) == [("SH1", "P1", 300.0), ("SH1", "P2", 50.0)]
    assert _customers(runner, "B") == ["C1"]
    run = import_run(graph, done["run_id"])
    assert (run["status"], run["rows_removed"], run["removed"], run["full"]) == (
        "done", 2, ["shipment_lines:RMA1|P2", "shipment_lines:SH2|P2"], True
    )  # fmt: skip
    assert run["removed_file"] == done["removed_file"]
    assert run["tables"]["shipment_lines"]["removed"] == 2
    shown = runner.invoke(app, ["imports", done["run_id"]])
    assert " 0 changed rows, 2 removed (--full)\n" in shown.stdout
    # when it started, with its offset (it was cut to 19 characters: no zone said)
    started = datetime.fromisoformat(str(iso(run["started_at"]))).isoformat(timespec="seconds")
    assert f" ({run['status']}), {started} by " in " ".join(shown.stdout.split())

    # The same dump again: skipped as unchanged, nothing more removed; forced, read and
    # compared again, still nothing.
    again = _json(runner, str(night2), "--full", "--max-removals", "2")
    assert (list(again["unchanged_files"]), again["removed"], again["removed_file"]) == (
        [str(night2 / "shipment_lines.csv")], 0, None
    )  # fmt: skip
    forced = _json(runner, str(night2), "--full", "--force")
    assert (forced["removed"], forced["tables"]["shipment_lines"]["removed"]) == (0, 0)
    assert _lines(graph) == [("SH1", "P1", 300.0), ("SH1", "P2", 50.0)]
    # An import since the last full one (it may have added lines under another file name):
    # the unchanged full dump is read and compared again.
    assert _json(runner, str(night2), "--full")["unchanged_files"]
    _json(runner, str(_night(tmp_path, "delta", {"customers.csv": "customer_id\nC3\n"})))
    after_delta = _json(runner, str(night2), "--full")
    assert (after_delta["unchanged_files"], after_delta["removed"]) == ({}, 0)


def test_without_full_a_missing_line_stays_and_the_same_file_with_full_removes_it(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An import adds and updates; only --full removes. The same bytes imported with --full
    after an import without it are read and compared, not skipped as unchanged."""
    graph = hand_plant
    night2 = _night(tmp_path, "night2", {"shipment_lines.csv": NIGHT2_LINES})
    plain = _json(runner, str(night2))
    assert (plain["full"], plain["removed"], plain["tables"]["shipment_lines"]["removed"]) == (
        False, None, None
    )  # fmt: skip
    assert len(_lines(graph)) == 4 and _customers(runner, "B") == ["C1", "C2"]
    run = import_run(graph, plain["run_id"])
    assert (run["full"], "rows_removed" in run, "removed" in run) == (False, False, False)
    full = _json(runner, str(night2), "--full", "--max-removals", "50%")
    assert full["unchanged_files"] == {} and full["removed"] == 2
    assert _customers(runner, "B") == ["C1"]


def test_a_rejected_row_keeps_its_record_and_an_unreadable_key_keeps_its_table(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Salt lot B's row is rejected tonight for a bad quantity: it is still in the ERP, so its
    lot stays as it was. A row whose lot_id cannot be read could be any lot: nothing of lots
    is removed that night (P2 is missing from the dump too), and a note says why."""
    graph = hand_plant
    lots = HAND_PLANT["lots.csv"].replace("B,SALT,10,kg", "B,SALT,ten,kg")
    bad = _json(runner, str(_night(tmp_path, "n1", {"lots.csv": lots})), "--full", code=1)
    assert (bad["rejected"], bad["removed"]) == (1, 0)
    salt, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'B'})-[:OF]->(m) RETURN l.quantity AS q, m.material_id AS m",
        database_=graph.database,
    )
    assert salt[0].data() == {"q": 10.0, "m": "SALT"}

    unread = lots.replace("P2,BREAD,100,pcs,,\n", ",BREAD,100,pcs,,\n").replace("ten", "10")
    unsure = _json(runner, str(_night(tmp_path, "n2", {"lots.csv": unread})), "--full", code=1)
    assert unsure["removed"] == 0 and unsure["tables"]["lots"]["removed"] is None
    assert (
        f"lots not compared with the graph, nothing of it removed: {tmp_path / 'n2' / 'lots.csv'}"
        ": line 6 was rejected and its key cannot be read (fix the file, then run the full "
        "import again)"
    ) in unsure["notes"]
    assert graph.read("import/lots_keys", source=None)[0]["keys"].count("P2") == 1


def test_a_removed_lot_still_used_becomes_a_stub_and_an_unused_one_goes(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Salt lot B leaves the lots dump but step X still consumed it: a stub (origin unknown),
    named, so the trace from it still reaches the customers; its supplier-lot identity goes
    (flour A keeps its own). Lot Z, which nothing names, is deleted."""
    graph = hand_plant
    extra = HAND_PLANT["lots.csv"] + "Z,FLOUR,5,kg,V9,777\n"
    assert _json(runner, str(_night(tmp_path, "n1", {"lots.csv": extra})))["rejected"] == 0
    without = HAND_PLANT["lots.csv"].replace("B,SALT,10,kg,V2,000123\n", "")
    done = _json(runner, str(_night(tmp_path, "n2", {"lots.csv": without})), "--full",
                 "--max-removals", "2")  # fmt: skip
    assert (done["removed"], done["stub_lots"], done["stubs_left"]) == (2, ["B"], 1)
    assert (
        "1 record of lots kept as stubs (no row of their own; `check` lists those whose origin "
        "is unknown): steps, inspections, shipments, lot identifiers or a recall still name "
        "them: B"
    ) in done["notes"]
    assert not any("created as a stub" in n for n in done["notes"])
    assert _rows(done["removed_file"])[1:] == [
        ["lots", "B", '{"lot_id": "B", "material_id": "SALT", "quantity": 10.0, '
                      '"supplier_id": "V2", "supplier_lot": "000123", "uom": "kg"}', "canonical",
         '[{"sources": "canonical", "supplier_id": "V2", "supplier_lot": "000123"}]', "", ""],
        ["lots", "Z", '{"lot_id": "Z", "material_id": "FLOUR", "quantity": 5.0, '
                      '"supplier_id": "V9", "supplier_lot": "777", "uom": "kg"}', "canonical",
         '[{"sources": "canonical", "supplier_id": "V9", "supplier_lot": "777"}]', "", ""],
    ]  # fmt: skip
    stub, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'B'}) RETURN properties(l) AS p, [(l)-[r]-() | type(r)] AS edges",
        database_=graph.database,
    )
    # ABOUT: the ledger's record of its removed row (`lot show B` lists it)
    assert stub[0].data() == {"p": {"lot_id": "B", "origin_known": False},
                              "edges": ["ABOUT", "INPUT_TO"]}  # fmt: skip
    assert graph.read("import/lots_keys", source=None)[0]["keys"].count("Z") == 0
    identities, _, _ = graph.driver.execute_query(
        "MATCH (i:Identifier) RETURN i.key AS key ORDER BY key", database_=graph.database
    )
    assert [r["key"] for r in identities] == ["supplier_lot|V1|000123"]
    # suppliers V2 and V9 and material SALT were known only from B's and Z's rows: deleted at
    # the end, as a clean import of tonight's files has none
    left = "rows the full dump no longer has, or a corrected reference, left"
    assert done["notes"][2:] == [
        "deleted 1 material known only from references that no row refers to any more: SALT "
        f"({left} it; a clean import has none)",
        "deleted 2 suppliers known only from references that no row refers to any more: V2, V9 "
        f"({left} them; a clean import has none)",
    ]
    assert _customers(runner, "B") == ["C1", "C2"]


def test_a_stub_whose_link_changed_goes_with_its_last_link_a_recalled_one_stays(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Step X consumed the unknown lots ZZ and ZR, then their quantities were corrected (the
    ledger's changes are ABOUT the stubs). The full dump of step_inputs lacks both links: ZZ
    stayed as a stub nothing used, which `check` listed night after night; it goes, as one
    whose link never changed does. ZR was recalled in between: the recall's record keeps it."""
    graph = hand_plant
    inputs = HAND_PLANT["step_inputs.csv"]
    extra = "X,ZZ,{0},kg\nX,ZR,{0},kg\n"
    for night, kg in (("n1", 1), ("n2", 2)):
        _json(runner, str(_night(tmp_path, night, {"step_inputs.csv": inputs + extra.format(kg)})))
    assert runner.invoke(app, ["recall", "ZR", "--out", str(tmp_path / "r")]).exit_code == 0
    # tonight's dump is the hand plant's step_inputs.csv again, byte for byte: an older export
    # by its bytes, which this night means
    done = _json(runner, str(_night(tmp_path, "n3", {"step_inputs.csv": inputs})), "--full",
                 "--max-removals", "100%", "--accept-older")  # fmt: skip
    assert done["tables"]["step_inputs"]["removed"] == 2
    assert (
        "deleted 1 stub lot known only from references that no row refers to any more: ZZ (rows "
        "the full dump no longer has, or a corrected reference, left it; a clean import has none)"
    ) in done["notes"]
    lots, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {origin_known: false}) RETURN l.lot_id AS lot, "
        "[(l)-[r]-() | type(r)] AS edges ORDER BY lot",
        database_=graph.database,
    )
    # the ledger's records of its corrected and its removed link, and the recall's
    assert [(r["lot"], sorted(r["edges"])) for r in lots] == [("ZR", ["ABOUT", "ABOUT", "SOURCE"])]
    # the changes stay in the ledger by table and key
    changes, _, _ = graph.driver.execute_query(
        "MATCH (c:RowChange) RETURN c.key AS key ORDER BY key", database_=graph.database
    )
    # (each link's corrected quantity, and its removal)
    assert [r["key"] for r in changes] == ["X|ZR", "X|ZR", "X|ZZ", "X|ZZ"]


def test_a_dump_without_its_header_removes_nothing_and_one_without_rows_says_so(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Tonight's lots.csv is 0 bytes (the export died): a dry run said every lot the graph
    holds would be removed. It cannot be read, so lots are not compared. A header with no row
    is an empty table's complete dump: compared, and the summary says it holds no rows."""
    empty = _night(tmp_path, "died", {"lots.csv": ""})
    died = _json(runner, str(empty), "--full", "--dry-run", "--max-removals", "100%", code=1)
    assert (died["removed"], died["tables"]["lots"]["rejected"]) == (0, 1)
    assert (
        f"lots not compared with the graph, nothing of it removed: {empty / 'lots.csv'} cannot "
        "be read (fix the file, then run the full import again)"
    ) in died["notes"]
    header = _night(tmp_path, "header", {"lots.csv": "lot_id,material_id\n"})
    bare = _json(runner, str(header), "--full", "--dry-run", "--max-removals", "100%")
    assert bare["tables"]["lots"]["removed"] == 5
    assert bare["notes"][0] == (
        "the full dump of lots holds no rows (a header and nothing under it): every lots row the "
        "graph holds counts as gone"
    )


def test_a_removed_step_still_linked_is_kept_and_goes_with_its_links(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The pack step Y leaves the steps dump while its links are still in the graph: kept,
    with a note (removing it would drop links another dump still holds). With the full dumps of
    its inputs and outputs too, its links go first, then the step."""
    graph = hand_plant
    steps = HAND_PLANT["steps.csv"].replace("Y,pack,2026-11-03T09:00:00+00:00,PACKER-1,OP2,\n", "")
    kept = _json(runner, str(_night(tmp_path, "n1", {"steps.csv": steps})), "--full",
                 "--max-removals", "1")  # fmt: skip
    assert (kept["removed"], kept["tables"]["steps"]["removed"]) == (0, 0)
    assert (
        "1 record of steps not removed: lots or inspections still linked to them (their tables' "
        "rows are still in the graph, or tonight's rows name them; once a full dump of those "
        "tables removes the links, the step goes): Y"
    ) in kept["notes"]
    assert "Y" in graph.read("import/steps_keys", source=None)[0]["keys"]
    # kept is not removed: no note, no ledger id says it was
    assert not any(n.startswith("1 steps row") for n in kept["notes"]), kept["notes"]
    assert import_run(graph, kept["run_id"])["removed"] == []
    links = {
        "steps.csv": steps,
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nX,A,40,kg\nX,B,500,g\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nX,M,40.5,kg\n",
    }
    gone = _json(runner, str(_night(tmp_path, "n2", links)), "--full", "--max-removals", "2")
    assert {t: c["removed"] for t, c in gone["tables"].items()} == {
        "steps": 1, "step_inputs": 1, "step_outputs": 2,
    }  # fmt: skip
    assert graph.read("import/steps_keys", source=None)[0]["keys"] == ["X"]
    assert _customers(runner, "B") == []


def test_a_step_linked_after_keep_linked_looked_is_kept_and_the_ledger_says_so(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Step Y and its links (Y,M in; Y,P1 and Y,P2 out) leave their dumps; between
    keep_linked and the delete, lot A is linked into Y (an analyst in Neo4j Browser, another
    writer): steps_remove keeps Y. The summary said 3 removed and Y kept, but the ledger,
    recorded before the delete, also listed `steps Y` as removed (4 RowChanges `removed`) while
    the graph still held Y. Now ledger, summary and graph agree: 3 removed, Y kept."""
    graph = hand_plant
    keep_linked = full.keep_linked

    def linked_since(graph: TraceGraph, removals: dict[str, full.Removal], *args: Any) -> None:
        keep_linked(graph, removals, *args)
        assert removals["steps"].keys == ["Y"]  # to be removed, as far as keep_linked saw
        graph.driver.execute_query(
            "MATCH (a:Lot {lot_id: 'A'}), (y:ProcessStep {step_id: 'Y'}) "
            "CREATE (a)-[:INPUT_TO {quantity: 1.0, uom: 'kg'}]->(y)",
            database_=graph.database,
        )

    monkeypatch.setattr(full, "keep_linked", linked_since)
    steps = HAND_PLANT["steps.csv"].replace("Y,pack,2026-11-03T09:00:00+00:00,PACKER-1,OP2,\n", "")
    night = _night(tmp_path, "night", {
        "steps.csv": steps,
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nX,A,40,kg\nX,B,500,g\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nX,M,40.5,kg\n",
    })  # fmt: skip
    done = _json(runner, str(night), "--full", "--max-removals", "2")
    gone = ["step_inputs:Y|M", "step_outputs:Y|P1", "step_outputs:Y|P2"]
    assert (done["removed"], _removed(done)) == (
        3, {"steps": 0, "step_inputs": 1, "step_outputs": 2}
    )  # fmt: skip
    assert any(n.startswith("1 record of steps not removed") for n in done["notes"])
    run = import_run(graph, done["run_id"])
    assert (run["rows_removed"], sorted(run["removed"])) == (3, gone)
    assert sorted(f"{c['table']}:{c['key']}" for c in run["changes"] if c["removed"]) == gone
    assert "Y" in graph.read("import/steps_keys", source=None)[0]["keys"]
    # removed-RUN.csv, written before the delete, says what the run set out to remove
    assert [row[:2] for row in _rows(done["removed_file"])][1:] == [
        ["step_outputs", "Y|P1"], ["step_outputs", "Y|P2"], ["step_inputs", "Y|M"], ["steps", "Y"]
    ]  # fmt: skip
    shown = runner.invoke(app, ["imports", done["run_id"]])
    assert " 0 changed rows, 3 removed (--full)\n" in shown.stdout


def test_a_run_killed_while_removing_is_completed_by_running_it_again(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """kill -9 of the importer after the first batch of removals (one key a batch here): the
    removed file already lists both lines; the same import run again removes the other, and
    the graph is that of a run never killed."""
    graph = hand_plant
    night2 = _night(tmp_path, "night2", {"shipment_lines.csv": NIGHT2_LINES})
    killer = (
        "import os, signal\n"
        "from tracegraph.graph import TraceGraph\n"
        "from tracegraph.importing import full\n"
        "from tracegraph.cli.main import run\n"
        "full.BATCH_SIZE = 1\n"
        "write = TraceGraph.write_records\n"
        "def killed(self, name, /, **params):\n"
        "    done = write(self, name, **params)\n"
        "    if name.endswith('_remove'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return done\n"
        "TraceGraph.write_records = killed\n"
        "run()\n"
    )
    importer = subprocess.run(
        [sys.executable, "-c", killer, "import", str(night2), "--full", "--max-removals", "2"],
        cwd=tmp_path, env=os.environ.copy(), capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert importer.returncode == -signal.SIGKILL, importer.stderr
    assert len(_lines(graph)) == 3  # one of the two removed
    (listed,) = tmp_path.glob("removed-*.csv")
    assert _rows(str(listed))[1:] == REMOVED_LINES
    killed_run = graph.read("ledger/import_runs", limit=1)[0]["run"]
    assert (killed_run["status"], killed_run["removed_file"]) == ("running", str(listed))

    rerun = _json(runner, str(night2), "--full", "--max-removals", "2")
    assert rerun["removed"] == 1 and rerun["unchanged_files"] == {}
    after_rerun = _graph_dump(graph)

    graph.reset(keep_schema=True)
    plant = _night(tmp_path, "plant", HAND_PLANT)
    assert import_paths(graph, [plant]).rejects == []
    assert _json(runner, str(night2), "--full", "--max-removals", "2")["removed"] == 2
    assert after_rerun == _graph_dump(graph)


def _stop_after_first_removal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next --full run stops (Ctrl-C) after its first batch of removals, one row a batch."""
    monkeypatch.setattr(full, "BATCH_SIZE", 1)
    write = TraceGraph.write_records

    def stopped(self: TraceGraph, name: str, /, **params: Any) -> Any:
        done = write(self, name, **params)
        if name.endswith("_remove"):
            monkeypatch.setattr(TraceGraph, "write_records", write)  # the first batch only
            raise KeyboardInterrupt
        return done

    monkeypatch.setattr(TraceGraph, "write_records", stopped)


def test_a_rerun_names_the_file_of_a_run_stopped_while_removing(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A --full run stopped (Ctrl-C) after its first batch of removals (one row a batch here):
    RMA1|P2 is gone, and only its removed file lists it. The re-run removes the other two and
    lists only them, and said nothing of the stopped run's file: its restore gave back two rows,
    the return line stayed gone. Its note names that file and the restore that lists it."""
    graph = hand_plant
    outputs = HAND_PLANT["step_outputs.csv"].replace("Y,P2,100,pcs\n", "")
    lines = LINES_HEADER + "SH1,P1,300,pcs\n"  # SH2|P2 and the return RMA1|P2 gone
    night = _night(tmp_path, "night", {"shipment_lines.csv": lines,
                                       "step_outputs.csv": outputs})  # fmt: skip
    _stop_after_first_removal(monkeypatch)
    killed = runner.invoke(app, ["import", str(night), "--full", "--max-removals", "100%"])
    assert killed.exit_code == 130, killed.output
    assert len(_lines(graph)) == 2  # RMA1|P2 removed, SH2|P2 not yet
    killed_run = graph.read("ledger/import_runs", limit=1)[0]["run"]
    rerun = _json(runner, str(night), "--full", "--max-removals", "100%")
    assert rerun["removed"] == 2
    (note,) = [n for n in rerun["notes"] if "was stopped while removing" in n]
    assert note == (
        f"run {killed_run['run_id']} was stopped while removing the rows its full dump no longer "
        f"had: it had listed them in {killed_run['removed_file']} and deleted some or all of "
        "them, which this run's own file of removed rows does not list; to give them back, "
        "restore this run, import its folder, then restore that run (`tracegraph imports "
        f"{killed_run['run_id']} --restore DIR`, then import DIR): each restore writes only the "
        "rows the graph lacks"
    )


def _restored(runner: CliRunner, run_id: str, folder: Path) -> str:
    """`imports RUN --restore FOLDER`'s output, on one line."""
    restored = runner.invoke(app, ["imports", run_id, "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    return " ".join(restored.stdout.split())


def test_the_restore_of_a_run_stopped_while_removing_writes_only_the_rows_the_graph_lacks(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A --full run stopped after deleting RMA1|P2, with SH2|P2 and Y|P2 listed but not yet
    deleted; the re-run's dump has SH2|P2 again, at 40 pcs: it removes Y|P2 alone. The stopped
    run's restore wrote all three back, and imported, SH2|P2's 50 pcs of the file over the
    40 sent since. It writes RMA1|P2 alone (Y|P2 is the re-run's to restore, with the values
    its file holds); the re-run's restore writes Y|P2; the graph is the plant's with SH2|P2 at
    40, property for property."""
    graph = hand_plant
    outputs = HAND_PLANT["step_outputs.csv"].replace("Y,P2,100,pcs\n", "")
    night = _night(tmp_path, "night", {"shipment_lines.csv": LINES_HEADER + "SH1,P1,300,pcs\n",
                                       "step_outputs.csv": outputs})  # fmt: skip
    _stop_after_first_removal(monkeypatch)
    killed = runner.invoke(app, ["import", str(night), "--full", "--max-removals", "100%"])
    assert killed.exit_code == 130, killed.output
    stopped = graph.read("ledger/import_runs", limit=1)[0]["run"]
    assert [r[1] for r in _rows(stopped["removed_file"])[1:]] == ["RMA1|P2", "SH2|P2", "Y|P2"]
    assert ("RMA1", "P2", -10.0) not in _lines(graph)  # the first batch: SH2|P2 is still there
    lines = LINES_HEADER + "SH1,P1,300,pcs\nSH2,P2,40,pcs\n"
    rerun_night = _night(tmp_path, "rerun", {"shipment_lines.csv": lines,
                                             "step_outputs.csv": outputs})  # fmt: skip
    rerun = _json(runner, str(rerun_night), "--full", "--max-removals", "100%")
    assert rerun["removed"] == 1

    said = _restored(runner, stopped["run_id"], tmp_path / "stopped")
    assert (f"{Path(stopped['removed_file']).name} lists 3 rows: 1 written (the graph lacks "
            "them), 2 left out (the graph has them, or a later run's restore gives them). "
            "shipment_lines: 2 listed, 1 written, 1 left out: the graph holds the row again "
            "(sent again since by canonical). step_outputs: 1 listed, 0 written, 1 left out: "
            f"removed again by the later run {rerun['run_id']}, whose file holds the newer "
            "values: restore that run, import it, then restore this one again."
            ) in said  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "stopped").iterdir()) == ["shipment_lines.csv"]
    assert _rows(str(tmp_path / "stopped" / "shipment_lines.csv"))[1:] == [
        ["RMA1", "P2", "-10.0", "pcs"]
    ]
    _json(runner, str(tmp_path / "stopped"))
    assert "1 written (the graph lacks them), 0 left out" in _restored(
        runner, rerun["run_id"], tmp_path / "rerun-restore"
    )
    assert _rows(str(tmp_path / "rerun-restore" / "step_outputs.csv"))[1:] == [
        ["Y", "P2", "100.0", "pcs"]
    ]
    _json(runner, str(tmp_path / "rerun-restore"))
    restored = _graph_dump(graph)

    graph.reset(keep_schema=True)
    assert import_paths(graph, [_night(tmp_path, "plant", HAND_PLANT)]).rejects == []
    _json(runner, str(_night(tmp_path, "since", {"shipment_lines.csv": lines})))
    assert restored == _graph_dump(graph)


def test_the_stopped_runs_restore_first_leaves_the_newer_value_to_the_reruns(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A --full run stopped after deleting RMA1|P2, SH2|P2 listed at 50 but not deleted; an
    import then sends SH2|P2 at 60, and the re-run deletes it at 60. Restored in the order the
    note gave (the stopped run first), SH2|P2 came back at 50 and the re-run's restore left its
    60 out as held: the old value won. The stopped run's restore leaves it to the re-run's."""
    graph = hand_plant
    night = _night(tmp_path, "night", {"shipment_lines.csv": LINES_HEADER + "SH1,P1,300,pcs\n"})
    _stop_after_first_removal(monkeypatch)
    killed = runner.invoke(app, ["import", str(night), "--full", "--max-removals", "100%"])
    assert killed.exit_code == 130, killed.output
    stopped = graph.read("ledger/import_runs", limit=1)[0]["run"]
    _json(runner, str(_night(tmp_path, "since", {"shipment_lines.csv": LINES_HEADER
                                                 + "SH2,P2,60,pcs\n"})))  # fmt: skip
    # the stopped run's dump again: as tonight's, not older
    rerun = _json(runner, str(night), "--full", "--max-removals", "100%", "--accept-older")
    assert rerun["removed"] == 1

    said = _restored(runner, stopped["run_id"], tmp_path / "stopped")
    assert (
        "shipment_lines: 2 listed, 1 written, 1 left out: removed again by the later run "
        f"{rerun['run_id']}, whose file holds the newer values: restore that run, import it, "
        "then restore this one again."
    ) in said
    _json(runner, str(tmp_path / "stopped"))
    assert "1 written (the graph lacks them)" in _restored(runner, rerun["run_id"],
                                                            tmp_path / "rerun")  # fmt: skip
    _json(runner, str(tmp_path / "rerun"))
    assert sorted(_lines(graph)) == [("RMA1", "P2", -10.0), ("SH1", "P1", 300.0),
                                     ("SH2", "P2", 60.0)]  # fmt: skip


def test_the_restore_of_a_full_run_leaves_out_a_row_sent_again_since_with_a_new_value(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A --full run removed salt lot B and the return line RMA1|P2; the next day's import sends
    B again at 12 kg. The restore wrote B back at 10 kg, and importing it put the old value
    over the new: it writes RMA1|P2 alone, and B keeps its 12 kg."""
    graph = hand_plant
    lots = HAND_PLANT["lots.csv"].replace("B,SALT,10,kg,V2,000123\n", "")
    lines = HAND_PLANT["shipment_lines.csv"].replace("RMA1,P2,-10,pcs\n", "")
    night = _night(tmp_path, "n1", {"lots.csv": lots, "shipment_lines.csv": lines})
    done = _json(runner, str(night), "--full", "--max-removals", "1")
    assert done["removed"] == 2
    _json(runner, str(_night(tmp_path, "n2", {"lots.csv": lots + "B,SALT,12,kg,V2,000123\n"})))

    said = _restored(runner, done["run_id"], tmp_path / "restore")
    assert (
        "lists 2 rows: 1 written (the graph lacks them), 1 left out (the graph has them, or a "
        "later run's restore gives them). shipment_lines: 1 listed, 1 written. lots: 1 listed, "
        "0 written, 1 left out: the graph holds the row again (sent again since by canonical)."
    ) in said
    assert sorted(p.name for p in (tmp_path / "restore").iterdir()) == ["shipment_lines.csv"]
    # the same counts as JSON, into another folder
    as_json = runner.invoke(app, ["imports", done["run_id"], "--restore",
                                  str(tmp_path / "again"), "--format", "json"])  # fmt: skip
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == {"warnings": [], "restore": {
        "run_id": done["run_id"], "removed_file": done["removed_file"],
        "listed": 2, "written": 1, "left_out": 1,
        "tables": {"shipment_lines": {"listed": 1, "written": 1, "left_out": []},
                   "lots": {"listed": 1, "written": 0, "left_out": [
                       {"code": "held", "rows": 1, "reason": restore.held_again("canonical")}]}},
        "folders": [{"source": "canonical", "folder": str(tmp_path / "again"),
                     "files": {"shipment_lines.csv": 1},
                     "command": f"tracegraph import {tmp_path / 'again'} --source canonical"}],
    }}  # fmt: skip
    _json(runner, str(tmp_path / "restore"))
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'B'}) RETURN l.quantity AS q", database_=graph.database
    )
    assert [r["q"] for r in records] == [12.0]
    assert ("RMA1", "P2", -10.0) in _lines(graph)


def test_a_mapped_export_compares_the_tables_its_file_fills(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """SAP's deliveries file (LIKP) fills shipments and shipment_lines: a full run of it alone
    compares those two tables and no other. Delivery 0080001002 gone from tonight's export:
    its line goes, then the shipment. A row the mapping cannot convert (a bad date) could be
    any shipment: shipments are not compared that night."""
    sap = Path(__file__).parent.parent / "importers" / "sap"
    first = _json(runner, str(sap), "--mapping", "sap")
    assert first["rejected"] == 0
    lots = sorted(graph.read("import/lots_keys", source=None)[0]["keys"])
    deliveries = (sap / "LIKP_deliveries.csv").read_text(encoding="utf-8")
    gone = "0080001002;C200;06.11.2026;07:10:00;DB Schenker;LS-4712;F-2026-0001;100;ST\n"
    night = _night(tmp_path, "night", {"LIKP_deliveries.csv": deliveries.replace(gone, "")})
    done = _json(runner, str(night), "--mapping", "sap", "--full")
    assert {t: c["removed"] for t, c in done["tables"].items()} == {
        "shipments": 1, "shipment_lines": 1,
    }  # fmt: skip
    assert [row[:2] for row in _rows(done["removed_file"])[1:]] == [
        ["shipment_lines", "0080001002|F-2026-0001"], ["shipments", "0080001002"],
    ]  # fmt: skip
    assert graph.read("import/shipments_keys", source=None)[0]["keys"].count("0080001002") == 0
    # lots are not in the run: the lots no delivery names any more stay as they were
    assert sorted(graph.read("import/lots_keys", source=None)[0]["keys"]) == lots
    bad = deliveries.replace(gone, "").replace("09.11.2026;11:00:00", "31.11.2026;11:00:00")
    bad_night = _night(tmp_path, "bad", {"LIKP_deliveries.csv": bad})
    unsure = _json(runner, str(bad_night), "--mapping", "sap", "--full", code=1)
    assert (unsure["tables"]["shipments"]["removed"], unsure["removed"]) == (None, 0)
    assert any(n.startswith("shipments not compared with the graph") for n in unsure["notes"])


def test_device_events_are_told_apart_by_device_event_and_time(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A device event is its device, kind and time (its event_id), an alarm's also its result:
    the alarm gone from tonight's dump is removed. A rejected event row (an event kind not
    known) has a bad key cell, so it names no record: events are not compared that night, and
    the calibration missing from that dump stays."""
    header = "device_id,event,at,result\n"
    events = (
        "MIXER-1,calibration,2026-11-01T07:00:00Z,ok\n"
        "MIXER-1,alarm,2026-11-03T08:30:00Z,overheat\n"
        "PACKER-1,maintenance,2026-11-02T07:00:00Z,\n"
    )
    _json(runner, str(_night(tmp_path, "n1", {"device_events.csv": header + events})))
    tonight = header + (
        "MIXER-1,calibration,2026-11-01T07:00:00Z,ok\nPACKER-1,maintenance,2026-11-02T07:00:00Z,\n"
    )
    done = _json(runner, str(_night(tmp_path, "n2", {"device_events.csv": tonight})), "--full")
    assert done["removed"] == 1
    assert _rows(done["removed_file"])[1:] == [
        ["device_events", "MIXER-1|alarm|2026-11-03T08:30:00+00:00|overheat",
         '{"at": "2026-11-03T08:30:00+00:00", "device_id": "MIXER-1", "event": "alarm", '
         '"result": "overheat"}', "canonical", "", "", ""],
    ]  # fmt: skip
    rejected = header + "PACKER-1,repair,2026-11-02T07:00:00Z,\n"
    unsure = _json(
        runner, str(_night(tmp_path, "n3", {"device_events.csv": rejected})), "--full", code=1
    )
    assert (unsure["removed"], unsure["tables"]["device_events"]["removed"]) == (0, None)
    assert sorted(graph_keys(hand_plant, "device_events")) == [
        "MIXER-1|calibration|2026-11-01T07:00:00+00:00",
        "PACKER-1|maintenance|2026-11-02T07:00:00+00:00",
    ]


def graph_keys(graph: TraceGraph, table: str) -> list[Any]:
    return list(graph.read(f"import/{table}_keys", source=None)[0]["keys"])


def test_a_spreadsheet_error_in_a_key_cell_keeps_its_table(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Lot P2's id cell is #N/A (a broken look-up in the workbook): the row is rejected and
    could be any lot, so nothing of lots is removed that night — it was taken for the key
    '#N/A', which matches nothing, and P2 was removed."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "lots"
    for line in HAND_PLANT["lots.csv"].splitlines():
        sheet.append(["#N/A" if cell == "P2" else cell for cell in line.split(",")])
    folder = tmp_path / "n1"
    folder.mkdir()
    book.save(folder / "lots.xlsx")
    done = _json(runner, str(folder), "--full", "--rejects", str(tmp_path / "r.csv"), code=1)
    assert (done["rejected"], done["removed"], done["tables"]["lots"]["removed"]) == (1, 0, None)
    assert graph_keys(hand_plant, "lots").count("P2") == 1


def test_the_limit_is_a_share_of_what_the_graph_held_before_the_run(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Two of the plant's five lots (P1, P2) leave the dump while ten new ones arrive: 2 of 5
    held (40 %) is refused at 10 %, as the dry run says — it was 2 of the 15 held after the
    night's writes, which 10 % (rounded up, 2) allowed. The night's rejected row is in the
    reject file all the same."""
    header, *lots = HAND_PLANT["lots.csv"].splitlines()
    kept = [line for line in lots if not line.startswith(("P1,", "P2,"))]
    new = [f"N{i},FLOUR,1,kg,," for i in range(10)] + ["BAD,FLOUR,minus one,kg,,"]
    night = str(_night(tmp_path, "n1", {"lots.csv": "\n".join([header, *kept, *new]) + "\n"}))
    rejects = tmp_path / "rejects.csv"
    # the import would refuse it: exit 2, as the import's (its rejected row alone makes 1)
    dry = _json(runner, night, "--full", "--dry-run", "--rejects", str(rejects), code=2)
    assert dry["tables"]["lots"]["removed"] == 2
    assert "lacks 2 of the 5 rows canonical sent (40%)" in dry["refused"]
    rejects.unlink()
    summary_file = tmp_path / "summary.json"
    given = ["--rejects", str(rejects), "--format", "json", "--summary-file", str(summary_file)]
    refused = runner.invoke(app, ["import", night, "--full", *given])
    assert refused.exit_code == 2, refused.output
    assert "lacks 2 of the 5 rows canonical sent (40%)" in " ".join(refused.stderr.split())
    assert "minus one" in rejects.read_text(encoding="utf-8-sig")
    assert graph_keys(hand_plant, "lots").count("P2") == 1
    # Its rows written, its reject said: a refusal that raised left stdout empty and the
    # summary file a failure's (run id, outcome, error), no counts, no reject file — a nightly
    # monitor learnt of the rejected row only when someone read the ledger.
    printed = json.loads(refused.stdout)
    recorded = json.loads(summary_file.read_text(encoding="utf-8"))
    for summary in (printed, recorded):
        assert (summary["read"], summary["written"], summary["rejected"]) == (14, 13, 1)
        assert summary["removed"] == 0 and summary["reject_file"] == str(rejects)
        assert "lacks 2 of the 5 rows" in summary["refused"]
    assert (recorded["exit_code"], recorded["outcome"]) == (2, "failed")
    assert "lacks 2 of the 5 rows" in recorded["error"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        # accepted silently, exit 0: the nightly script's author took the run for limited
        (["--max-removals", "5"],
         "error: --max-removals is for --full runs (hint: add --full, or leave it out)"),
        # it said "is neither a number of rows nor a percentage"
        (["--full", "--max-removals", "150%"],
         "error: --max-removals '150%' is a percentage out of range: from 0% to 100% (hint: give "
         "a share of the table (--max-removals 10%) or rows per table (--max-removals 500))"),
    ],
)  # fmt: skip
def test_a_max_removals_that_cannot_apply_is_refused(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    args: list[str],
    said: str,
) -> None:
    night = _night(tmp_path, "n1", {"lots.csv": HAND_PLANT["lots.csv"]})
    result = runner.invoke(app, ["import", str(night), *args])
    assert result.exit_code == 2, result.output
    assert said in " ".join(result.output.split()), result.output


def test_an_exact_percentage() -> None:
    from tracegraph.importing.full import parse_limit

    limit = parse_limit("8.8%")
    assert limit.allows(33, 375) and not limit.allows(34, 375)  # 8.8 % of 375 is 33


@pytest.mark.parametrize(
    ("spill", "code"),
    [(["{header}", "{last}"], 1),  # its header repeated: a reject (a second table sheet)
     (["{last}"], 0),  # headerless: 4 of 105 lots on `lots (2)` were removed, exit 0
     (["Exportiert von,ERP PROD"], 0)],  # a cover sheet: no mapping says which sheet to read
)  # fmt: skip
def test_a_workbook_with_sheets_not_read_keeps_its_table(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    spill: list[str],
    code: int,
) -> None:
    """A dump past a sheet's row limit spills into a second sheet, with the table's header or
    without, which the import does not read: its lots (P2 here) were taken for gone. Without a
    mapping naming the sheet to read, any other sheet with data may be such a spill: the table
    is not compared that night, and the note says what to do."""
    header, *lots = HAND_PLANT["lots.csv"].splitlines()
    folder = tmp_path / "n1"
    folder.mkdir()
    second = [line.format(header=header, last=lots[-1]) for line in spill]
    _workbook(folder / "lots.xlsx", {"lots": [header, *lots[:-1]], "lots (2)": second})
    done = _json(runner, str(folder), "--full", "--rejects", str(tmp_path / "r.csv"), code=code)
    assert (done["removed"], done["tables"]["lots"]["removed"]) == (0, None)
    assert any(n.startswith("lots not compared with the graph") and "'lots (2)' may hold lots "
               "rows too" in n and "move its rows to sheet 'lots'" in n
               for n in done["notes"]), done["notes"]  # fmt: skip
    assert graph_keys(hand_plant, "lots").count("P2") == 1


def _workbook(path: Path, sheets: dict[str, list[str]]) -> None:
    """A workbook of the sheets given, each a list of comma-separated lines, in order."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])
    for title, lines in sheets.items():
        sheet = book.create_sheet(title)
        for line in lines:
            sheet.append(line.split(","))
    book.save(path)


# An ERP's lots workbook: the rows on sheet `Daten` (the mapping names it), a cover sheet beside
COVER = ["Exportiert von,ERP PROD", "Exportiert am,08.12.2026"]
DATEN_MAPPING = """[[file]]
match = "Chargen*.xlsx"
table = "lots"
sheet = "Daten"
[file.columns]
lot_id = "Charge"
material_id = "Material"
quantity = "Menge"
uom = "ME"
"""
DATEN_HEADER = "Charge,Material,Menge,ME"


def _daten(tmp_path: Path, sheets: dict[str, list[str]]) -> Path:
    """Tonight's ERP folder: Chargen.xlsx of `sheets` and its mapping (mapping.toml beside)."""
    folder = tmp_path / "erp"
    folder.mkdir()
    _workbook(folder / "Chargen.xlsx", sheets)
    (tmp_path / "erp.toml").write_text(DATEN_MAPPING, encoding="utf-8")
    return folder


def _hand_lots_but(*left_out: str) -> list[str]:
    """The hand plant's lots as DATEN_HEADER's columns, but those `left_out`."""
    return [",".join(line.split(",")[:4]) for line in HAND_PLANT["lots.csv"].splitlines()[1:]
            if line.split(",")[0] not in left_out]  # fmt: skip


def test_a_cover_sheet_does_not_keep_the_table_from_being_compared(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An ERP exports each table with a cover sheet (`Exportiert von | ERP PROD`), the rows on
    the sheet the mapping names: lot P2, gone from the dump, is removed. Every table was left
    uncompared, nothing removed, exit 0, each night."""
    folder = _daten(tmp_path, {"Info": COVER, "Daten": [DATEN_HEADER, *_hand_lots_but("P2")]})
    args = [str(folder), "--mapping", str(tmp_path / "erp.toml"), "--source", "canonical"]
    done = _json(runner, *args, "--full", "--max-removals", "1")
    assert (done["removed"], done["tables"]["lots"]["removed"]) == (1, 1), done["notes"]
    assert not any("not compared" in n for n in done["notes"]), done["notes"]
    assert any("sheets with data not read: 'Info'" in n and "--full compares lots all the same"
               in n for n in done["notes"]), done["notes"]  # fmt: skip
    assert "P2" not in graph_keys(hand_plant, "lots")


def test_a_mapped_workbooks_other_sheet_with_its_header_keeps_the_table(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The mapping reads sheet `Daten`; sheet `Daten (2)` has the columns it reads on its
    header line (lot P2's row): its rows may be the table's, so lots is not compared."""
    folder = _daten(tmp_path, {"Daten": [DATEN_HEADER, *_hand_lots_but("P2")], "Info": COVER,
                               "Daten (2)": [DATEN_HEADER, "P2,BREAD,100,pcs"]})  # fmt: skip
    args = [str(folder), "--mapping", str(tmp_path / "erp.toml"), "--source", "canonical"]
    done = _json(runner, *args, "--full")
    assert (done["removed"], done["tables"]["lots"]["removed"]) == (0, None)
    assert any(n.startswith("lots not compared with the graph") and "'Daten (2)'" in n
               for n in done["notes"]), done["notes"]  # fmt: skip
    assert graph_keys(hand_plant, "lots").count("P2") == 1


def test_a_kept_step_or_shipment_is_not_listed_nor_counted_toward_the_limit_night_after_night(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Step Y and shipment SH2 leave their dumps while lots are still linked to them: kept,
    every night. Kept is not removed: not in removed-RUN.csv, not in the ledger's counts and
    not against --max-removals 0 (which refused the nightly run), in the dry run as in the run."""
    graph = hand_plant
    steps = HAND_PLANT["steps.csv"].replace("Y,pack,2026-11-03T09:00:00+00:00,PACKER-1,OP2,\n", "")
    shipments = HAND_PLANT["shipments.csv"].replace(
        "SH2,C2,2026-11-04T09:00:00+00:00,DN-2,WH-FG\n", ""
    )
    night = str(_night(tmp_path, "n1", {"steps.csv": steps, "shipments.csv": shipments}))
    dry = _json(runner, night, "--full", "--dry-run", "--max-removals", "0")
    assert (dry["removed"], dry["removed_file"]) == (0, None)
    assert not any("would" in n for n in dry["notes"]), dry["notes"]
    assert any(n.startswith("1 record of shipments not removed") for n in dry["notes"])
    for _ in range(2):  # the second night as the first: the same dump, read again
        kept = _json(runner, night, "--full", "--max-removals", "0", "--force")
        assert (kept["removed"], kept["removed_file"]) == (0, None)
        assert {t: c["removed"] for t, c in kept["tables"].items()} == {
            "steps": 0, "shipments": 0
        }  # fmt: skip
        run = import_run(graph, kept["run_id"])
        assert (run["rows_removed"], run["removed"], run.get("removed_file")) == (0, [], None)
        assert not list(tmp_path.glob("removed-*.csv"))
    shipments = graph.read("import/shipments_keys", source=None)[0]["keys"]
    assert sorted(shipments) == ["RMA1", "SH1", "SH2"]


def _removed(summary: dict[str, Any]) -> dict[str, int]:
    return {t: c["removed"] for t, c in summary["tables"].items()}


def test_a_dry_run_keeps_the_step_or_shipment_tonights_link_rows_name_as_the_import_does(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Step Z and shipment SH9, in the graph with nothing linked to them, leave their dumps
    while tonight's step_inputs and shipment_lines link a lot to them. The import writes those
    links before it removes anything, so it keeps both; its dry run, which writes nothing,
    counted them as removed and, at --max-removals 0, said the import would refuse (exit 2)
    where the import ran."""
    graph = hand_plant
    # (tonight's steps.csv and shipments.csv are the hand plant's again: --accept-older)
    before = {
        "steps.csv": "step_id,operation,started_at\nZ,rework,2026-11-03T10:00:00+00:00\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\nSH9,C1,2026-11-06T09:00:00+00:00\n",
    }
    assert import_paths(graph, [_night(tmp_path, "before", before)]).rejects == []
    night = str(_night(tmp_path, "n1", {
        "steps.csv": HAND_PLANT["steps.csv"],
        "shipments.csv": HAND_PLANT["shipments.csv"],
        "step_inputs.csv": HAND_PLANT["step_inputs.csv"] + "Z,A,1,kg\n",
        "shipment_lines.csv": HAND_PLANT["shipment_lines.csv"] + "SH9,P1,1,pcs\n",
    }))  # fmt: skip
    dry = _json(runner, night, "--full", "--accept-older", "--dry-run", "--max-removals", "0")
    assert (dry["removed"], dry["removed_file"], dry["refused"]) == (0, None, None)
    kept = [n for n in dry["notes"] if n.startswith("1 record of ")]
    assert [n.split(":")[-1] for n in kept] == [" Z", " SH9"], dry["notes"]
    done = _json(runner, night, "--full", "--accept-older", "--max-removals", "0")
    assert (done["removed"], done["removed_file"]) == (0, None)
    assert _removed(done) == _removed(dry) == {
        "steps": 0, "step_inputs": 0, "shipments": 0, "shipment_lines": 0,
    }  # fmt: skip
    assert kept == [n for n in done["notes"] if n.startswith("1 record of ")]
    assert "Z" in graph.read("import/steps_keys", source=None)[0]["keys"]
    assert "SH9" in graph.read("import/shipments_keys", source=None)[0]["keys"]


def test_a_dry_run_counts_the_step_an_inspection_moved_off_tonight_as_removed_as_the_import(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Step Z, linked only by inspection I1, leaves the steps dump while tonight's I1 names
    step X: the import moves I1's edge to X before it removes anything, so Z goes. Its dry
    run read I1's edge to Z in the graph and kept Z: it said nothing would be removed."""
    graph = hand_plant
    # (tonight's steps.csv is the hand plant's again: --accept-older)
    header = "inspection_id,test,result,inspected_at,step_id\n"
    before = {
        "steps.csv": "step_id,operation,started_at\nZ,rework,2026-11-03T10:00:00+00:00\n",
        "inspections.csv": header + "I1,moisture,pass,2026-11-03T10:30:00+00:00,Z\n",
    }
    assert import_paths(graph, [_night(tmp_path, "before", before)]).rejects == []
    night = str(_night(tmp_path, "n1", {
        "steps.csv": HAND_PLANT["steps.csv"],
        "inspections.csv": header + "I1,moisture,pass,2026-11-03T10:30:00+00:00,X\n",
    }))  # fmt: skip
    dry = _json(runner, night, "--full", "--accept-older", "--dry-run", "--max-removals", "1")
    assert (dry["removed"], _removed(dry)) == (1, {"steps": 1, "inspections": 0})
    assert _rows(dry["removed_file"])[1][:2] == ["steps", "Z"]
    refused = _json(
        runner, night, "--full", "--accept-older", "--dry-run", "--max-removals", "0", code=2
    )
    assert refused["refused"] is not None
    # I1 names a step neither the files nor the graph hold: the import rejects the row, I1
    # stays on Z, and Z is kept
    unknown = str(_night(tmp_path, "n0", {
        "steps.csv": HAND_PLANT["steps.csv"],
        "inspections.csv": header + "I1,moisture,pass,2026-11-03T10:30:00+00:00,NOPE\n",
    }))  # fmt: skip
    dry_kept = _json(
        runner, unknown, "--full", "--accept-older", "--dry-run", "--max-removals", "0"
    )
    assert (dry_kept["removed"], dry_kept["refused"]) == (0, None)
    kept = _json(
        runner, unknown, "--full", "--accept-older", "--max-removals", "0", code=1
    )  # the reject
    assert (kept["removed"], kept["rejected"], _removed(kept)) == (0, 1, _removed(dry_kept))
    assert "Z" in graph.read("import/steps_keys", source=None)[0]["keys"]
    done = _json(runner, night, "--full", "--accept-older", "--max-removals", "1")
    assert (done["removed"], _removed(done)) == (1, _removed(dry))
    assert sorted(graph.read("import/steps_keys", source=None)[0]["keys"]) == ["X", "Y"]


def test_a_dry_run_beyond_the_limit_exits_2_as_the_import_would(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The import refuses a dump that would remove more than --max-removals with exit 2; its
    dry run exits 2 too (it exited 0, with a note only, and a nightly check of tonight's
    export passed), with the summary on stdout, the reason on stderr, and the summary file
    saying so. Within the limit it exits 0 as before."""
    night2 = str(_night(tmp_path, "night2", {"shipment_lines.csv": NIGHT2_LINES}))
    summary_file = tmp_path / "last.json"
    dry = runner.invoke(app, ["import", night2, "--full", "--dry-run", "--format", "json",
                              "--summary-file", str(summary_file)])  # fmt: skip
    assert dry.exit_code == 2, dry.output
    summary = json.loads(dry.stdout)
    assert (summary["removed"], summary["tables"]["shipment_lines"]["removed"]) == (2, 2)
    would = (
        "the full dump of shipment_lines lacks 2 of the 3 rows canonical sent (67%), more than "
        "--max-removals 10%: the import would refuse them (exit 2, nothing removed)"
    )
    assert summary["refused"] == would
    *_, error, outcome = dry.stderr.splitlines()
    assert (
        "ended, exit 2 (the import would refuse the removals): 2 rows read = 2 would be "
        "written + 0 rejected; 2 would be removed, in "
    ) in outcome
    assert error == (
        f"error: {would} (hint: a cut-off export? check the file; if the rows are gone on "
        f"purpose, import it with --max-removals 2 ({summary['removed_file']} lists them))"
    )
    written = json.loads(summary_file.read_text(encoding="utf-8"))
    assert (written["exit_code"], written["outcome"], written["error"]) == (2, "failed", would)
    assert len(_lines(hand_plant)) == 3
    table = runner.invoke(app, ["import", night2, "--full", "--dry-run"])
    assert table.exit_code == 2 and "error: the full dump of shipment_lines" in table.stderr
    allowed = _json(runner, night2, "--full", "--dry-run", "--max-removals", "2")
    assert (allowed["removed"], allowed["refused"]) == (2, None)


def test_the_removed_rows_of_a_run_are_restored_as_table_files_to_import_again(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Salt lot B and the return line RMA1|P2 were removed by mistake (a dump cut short):
    `imports RUN --restore DIR` writes them as canonical table files, and importing DIR puts
    the graph back as it was (removed-RUN.csv itself is no table file the import reads)."""
    graph = hand_plant
    before = _graph_dump(graph)
    lots = HAND_PLANT["lots.csv"].replace("B,SALT,10,kg,V2,000123\n", "")
    lines = HAND_PLANT["shipment_lines.csv"].replace("RMA1,P2,-10,pcs\n", "")
    night = _night(tmp_path, "n1", {"lots.csv": lots, "shipment_lines.csv": lines})
    done = _json(runner, str(night), "--full", "--max-removals", "1")
    assert done["removed"] == 2 and _graph_dump(graph) != before

    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert sorted(p.name for p in folder.iterdir()) == ["lots.csv", "shipment_lines.csv"]
    assert _rows(str(folder / "shipment_lines.csv")) == [
        ["shipment_id", "lot_id", "quantity", "uom"], ["RMA1", "P2", "-10.0", "pcs"]
    ]  # fmt: skip
    assert f"2 rows of {done['run_id']}'s removed rows written to {folder}" in " ".join(
        restored.stdout.split()
    )
    # an existing table file is not overwritten
    again = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert again.exit_code == 2 and f"{folder / 'lots.csv'} exists" in again.stderr
    assert "Traceback" not in again.output
    back = _json(runner, str(folder))
    assert back["written"] == 2
    assert _graph_dump(graph) == before

    # restored, the rows are the graph's again: a second restore writes none of them
    twice = runner.invoke(app, ["imports", done["run_id"], "--restore", str(tmp_path / "r2")])
    assert twice.exit_code == 0, twice.output
    assert not (tmp_path / "r2").exists()
    assert " ".join(twice.stdout.split()) == (
        f"{Path(done['removed_file']).name} lists 2 rows: 0 written (the graph lacks them), 2 "
        "left out (the graph has them, or a later run's restore gives them). shipment_lines: 1 "
        "listed, 0 written, 1 left out: the graph holds the row again (sent again since by "
        "canonical). lots: 1 listed, 0 written, 1 left out: the graph holds the row again (sent "
        "again since by canonical). Nothing to restore."
    )
    # a run that removed nothing has no file
    none = runner.invoke(app, ["imports", back["run_id"], "--restore", str(tmp_path / "x")])
    assert none.exit_code == 2 and "removed no rows" in none.stderr


def test_a_file_that_is_not_a_file_of_removed_rows_is_refused_in_one_line(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    rejects.write_text("file,line,column,value,reason\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="its first line is not table,key,values"):
        read_removed(rejects)
    edited = tmp_path / "removed.csv"
    edited.write_text('table,key,values\nlots,B,"{""lot_id"": ""B"""\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="is not a file of removed rows"):
        read_removed(edited)
    with pytest.raises(ConfigurationError, match="cannot read the file of removed rows"):
        read_removed(tmp_path / "gone.csv")


def test_a_malformed_supplier_lots_cell_is_refused_naming_the_file_and_line(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A removed-RUN.csv whose supplier_lots cell was edited (a list of numbers, JSON cut off,
    a number as sources) said `supplier_lots [1, 2] is not a list of spellings`, or a json error
    of the cell's own "line 1 column 2", without the file's line; a number as sources was a
    traceback. One line: the file, its line and column, why; exit 2 (a taken_off cell neither 1
    nor empty too)."""
    lots = HAND_PLANT["lots.csv"].replace("B,SALT,10,kg,V2,000123\n", "")
    done = _json(runner, str(_night(tmp_path, "n1", {"lots.csv": lots})), "--full",
                 "--max-removals", "1")  # fmt: skip
    removed = Path(done["removed_file"])
    header, line = _rows(str(removed))
    assert header[4] == "supplier_lots"
    assert header[2] == "values"
    # the first form's {spelling: source} with a list as its source read as the text "['erp']"
    cells = ("[1, 2]", '[{"sources": "erp"', '[{"supplier_lot": "000123", "sources": 7}]',
             '{"000123": ["erp"]}')  # fmt: skip
    edited = [[*line[:4], cell, *line[5:]] for cell in cells]
    edited.append([*line[:2], "{not json", *line[3:]])
    # a source_shas cell that is not [key, "source:…"] (read when the restore writes its folders)
    edited.append([*line[:5], '["B"]', *line[6:]])
    # a taken_off cell that is neither 1 nor empty
    edited.append([*line[:6], "yes"])
    # a record whose key is no key (a list): the restore looks the rows up by key
    edited.append([*line[:2], '{"lot_id": ["B"]}', *line[3:]])
    for row in edited:
        with removed.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([header, row])
        shown = runner.invoke(app, ["imports", done["run_id"], "--restore", str(tmp_path / "r")])
        assert shown.exit_code == 2, shown.output
        assert "Traceback" not in shown.output
        said = " ".join(shown.stderr.split())
        assert f"{removed} is not a file of removed rows" in said, said
        column = ("values" if row[2] in ("{not json", '{"lot_id": ["B"]}') else
                  "source_shas" if row[5] == '["B"]' else
                  "taken_off" if row[6] == "yes" else "supplier_lots")  # fmt: skip
        assert f"line 2, column {column}: " in said, said
        assert "(hint: restore from the removed-RUN.csv the run wrote" in said, said


def test_a_removed_record_longer_than_a_csv_field_may_be_is_read(tmp_path: Path) -> None:
    """A record is one CSV field of JSON: two notes of 9 MB each (the import reads a cell of up
    to 16 MB) made a csv.Error "field larger than field limit", a traceback, not a restore."""
    note = "n" * 9_000_000
    record = {"lot_id": "B", "x_note": note, "x_more": note}
    removed = tmp_path / "removed.csv"
    with removed.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["table", "key", "values"], ["lots", "B", json.dumps(record)]])
    assert read_removed(removed) == {"lots": [record]}
    # a quote left open (a file cut off or edited) is a csv.Error: one line too
    removed.write_text('table,key,values\nlots,B,"{""lot_id"": ""B""}\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="is not a file of removed rows"):
        read_removed(removed)


def test_a_restore_that_fails_part_way_leaves_nothing_and_can_be_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lots.csv was written and then shipment_lines.csv could not be (a full disk, simulated):
    running it again refused with "lots.csv exists", for the file of the first attempt."""
    records: dict[str, list[dict[str, Any]]] = {
        "lots": [{"lot_id": "B", "material_id": "SALT"}],
        "shipment_lines": [{"shipment_id": "RMA1", "lot_id": "P2", "quantity": -10.0}],
    }
    folder = tmp_path / "restore"
    real = write_private_csv
    calls: list[Path] = []

    def disk_full_on_the_second(path: Path, *args: Any) -> Path:
        calls.append(path)
        if len(calls) == 2:
            raise ConfigurationError(f"cannot write the restored rows {path}: No space left")
        return real(path, *args)

    monkeypatch.setattr(restore, "write_private_csv", disk_full_on_the_second)
    with pytest.raises(ConfigurationError, match="No space left"):
        write_tables(records, folder)
    assert list(folder.iterdir()) == []
    monkeypatch.setattr(restore, "write_private_csv", real)
    written = write_tables(records, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["lots.csv", "shipment_lines.csv"]
    assert _rows(str(written["lots"])) == [["lot_id", "material_id"], ["B", "SALT"]]


# A mapped export whose SAP document number and '.'-grouped grade are kept as text on purpose.
TEXT_MAPPING = """delimiter = ";"
decimal = ","
[[file]]
match = "extra*.csv"
table = "lots"
[file.columns]
lot_id = "CHARG"
material_id = "MATNR"
quantity = "MENGE"
uom = "MEINS"
x_sap_document = { column = "MBLNR", text = true }
x_grade = "GRADE"
"""


def test_a_restore_says_which_text_comes_back_as_numbers(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Lot Q's sap_document "4900000001" and grade "1.250" are text in the graph (a mapping's
    `text = true`, a decimal-comma export). Restored as text cells, the import reads them as
    numbers, in every format it reads: the restore said nothing of it. It says so, one line
    per table, naming the columns and how many values."""
    graph = hand_plant
    mapped = _night(tmp_path, "mapped", {
        "extra_lots.csv": "CHARG;MATNR;MENGE;MEINS;MBLNR;GRADE\nQ;SALT;5;kg;4900000001;1.250\n",
        "mapping.toml": TEXT_MAPPING,
    })  # fmt: skip
    first = runner.invoke(app, ["import", str(mapped / "extra_lots.csv"),
                                "--mapping", str(mapped / "mapping.toml")])  # fmt: skip
    assert first.exit_code == 0, first.output
    query = "MATCH (l:Lot {lot_id: 'Q'}) RETURN l.sap_document AS doc, l.grade AS grade"
    assert _lot_q(graph, query) == {"doc": "4900000001", "grade": "1.250"}

    night = _night(tmp_path, "n1", {"lots.csv": HAND_PLANT["lots.csv"]})
    # the mapped export is another source: this full dump of lots removes its lot on purpose
    done = _json(runner, str(night), "--full", "--max-removals", "1", "--remove-other-sources")
    assert done["removed"] == 1
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert " ".join(restored.stderr.split()) == (
        "warning: lots: text that looks like a number comes back as a number on import: "
        "grade (1 value), sap_document (1 value) (hint: to keep it text, import the folder "
        "with a mapping whose x_ column for it has `text = true`)"
    )
    # Q was the mapped source's row: restored in restore/mapped, for import under that source
    assert _json(runner, str(folder / "mapped"), "--source", "mapped")["written"] == 1
    # as the warning said: numbers now ("1.250" as 1.25)
    assert _lot_q(graph, query) == {"doc": 4900000001, "grade": 1.25}


def _lot_q(graph: TraceGraph, query: str) -> dict[str, Any]:
    records, _, _ = graph.driver.execute_query(query, database_=graph.database)
    return dict(records[0].data())


def test_the_import_list_as_csv_has_the_removed_rows(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`imports --format csv` had no removed count, which the table of a run and the JSON
    have: empty for a run without --full (nothing compared), 0 or more for a full one."""
    night2 = str(_night(tmp_path, "night2", {"shipment_lines.csv": NIGHT2_LINES}))
    full = _json(runner, night2, "--full", "--max-removals", "2")
    listed = runner.invoke(app, ["imports", "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    runs = {r["run_id"]: r for r in csv.DictReader(listed.stdout.splitlines())}
    assert runs[full["run_id"]]["rows_removed"] == "2"
    assert [r["rows_removed"] for r in runs.values()] == ["2", ""]  # the plant's import: empty
    shown = json.loads(runner.invoke(app, ["imports", "--format", "json"]).stdout)
    assert [r.get("rows_removed") for r in shown["imports"]] == [2, None]


def _lot_history(runner: CliRunner, lot: str) -> list[tuple[str, str, bool]]:
    """`lot show LOT --format json`'s changes: (table, key, removed), in time order."""
    shown = runner.invoke(app, ["lot", "show", lot, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    changes = json.loads(shown.stdout)["changes"]
    return [(c["table"], c["key"], c["removed"]) for c in changes]


# a lot nothing links to: a --full dump without it deletes its node (a linked one stays, a stub)
SALT_C = "C,SALT,5,kg,V2,000777\n"


def _salt_c_removed(runner: CliRunner, tmp_path: Path) -> dict[str, Any]:
    """Lot C received, its quantity corrected (5 kg to 6), then left out of a --full dump."""
    lots = HAND_PLANT["lots.csv"]
    _json(runner, str(_night(tmp_path, "n1", {"lots.csv": lots + SALT_C})))
    corrected = lots + SALT_C.replace(",5,", ",6,")
    _json(runner, str(_night(tmp_path, "n2", {"lots.csv": corrected})))
    # with a new lot D: the fixture's own dump again would be refused as an older export
    tonight = lots + "D,SALT,1,kg,V2,000778\n"
    done = _json(runner, str(_night(tmp_path, "n3", {"lots.csv": tonight})), "--full")
    assert done["removed"] == 1
    assert _show_exit(runner, "C") == 2  # gone: `lot show` cannot find it
    return done


def _show_exit(runner: CliRunner, lot: str) -> int:
    return runner.invoke(app, ["lot", "show", lot, "--format", "json"]).exit_code


def test_a_removed_lot_restored_lists_its_removal_and_the_changes_before_it(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Nights n6, n7 --full, `imports RUN --restore`, import: the lot had its values back, but
    `lot show` listed only its receipt. The removal went with the ABOUT edge of the deleted
    node; the records keep the lot's key, by which `lot show` finds them again."""
    done = _salt_c_removed(runner, tmp_path)
    folder = tmp_path / "restore"
    restored = runner.invoke(app, ["imports", done["run_id"], "--restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert _json(runner, str(folder))["written"] == 1
    assert _lot_history(runner, "C") == [("lots", "C", False), ("lots", "C", True)]
    shown = runner.invoke(app, ["lot", "show", "C"], terminal_width=200)
    assert "removed by import (--full)" in shown.output, shown.output


def test_a_removed_lot_sent_again_by_another_source_lists_its_removal(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """R9000001: removed by the ERP's --full night, sent again by the MES the night after."""
    _salt_c_removed(runner, tmp_path)
    header = HAND_PLANT["lots.csv"].splitlines()[0]
    again = _night(tmp_path, "n4", {"lots.csv": f"{header}\n{SALT_C}"})
    assert _json(runner, str(again), "--source", "mes")["written"] == 1
    assert _lot_history(runner, "C") == [("lots", "C", False), ("lots", "C", True)]
