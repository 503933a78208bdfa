"""Nightly imports that must say what the exports say, as an exploratory tester's thirty
nights found they did not: a link's extra column wiped by a file without it, a full dump's
removal missing from a lot's history, a SAP delta's sum replacing the graph's without a word,
and the same instant in another offset counted as a change."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from hand_plant import HAND_PLANT
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.ledger import import_run
from tracegraph.importing.mappings import load_mapping
from tracegraph.importing.run import ImportSummary, import_paths
from tracegraph.lots import show_lot


def _night(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _rows(graph: TraceGraph, query: str) -> list[tuple[Any, ...]]:
    records, _, _ = graph.driver.execute_query(query, database_=graph.database)
    return [tuple(r.values()) for r in records]


def _tickets(graph: TraceGraph) -> list[tuple[Any, ...]]:
    return _rows(graph, "MATCH (s:ProcessStep)-[r:PRODUCED]->(l:Lot) "
                        "RETURN s.step_id, l.lot_id, r.scale_ticket ORDER BY l.lot_id")  # fmt: skip


def _import(graph: TraceGraph, folder: Path, **options: Any) -> ImportSummary:
    summary = import_paths(graph, [folder], reject_file=folder.parent / "r.csv", **options)
    assert summary.rejects == []
    return summary


OUTPUTS = "step_id,lot_id,quantity,uom\nX,M,40.5,kg\nY,P1,300,pcs\nY,P2,100,pcs\n"
TICKETS = (
    "step_id,lot_id,quantity,uom,scale_ticket\nX,M,40.5,kg,T-1\nY,P1,300,pcs,T-2\nY,P2,100,pcs,\n"
)


def test_a_links_extra_column_stays_when_a_later_file_lacks_the_column(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Night xcol1 gave step_outputs a `scale_ticket` column; night xcol2 the same rows without
    it. The lot's `pallet` stayed, but both links' tickets were cleared, recorded as 2 changed
    rows, exit 0 (4,365 scale tickets gone in the tester's run), against README's "a column its
    file does not have keeps what the graph holds". Now links keep them, as nodes do, with or
    without --full; an empty cell of a column the file has still clears."""
    _import(graph, _night(tmp_path / "n1", {**HAND_PLANT, "step_outputs.csv": TICKETS}))
    assert _tickets(graph) == [("X", "M", "T-1"), ("Y", "P1", "T-2"), ("Y", "P2", None)]
    second = _import(graph, _night(tmp_path / "n2", {"step_outputs.csv": OUTPUTS}))
    assert _tickets(graph) == [("X", "M", "T-1"), ("Y", "P1", "T-2"), ("Y", "P2", None)]
    assert second.updated == 0
    assert import_run(graph, second.run_id)["changes"] == []
    # a full dump of the table without the column: nothing removed, nothing cleared
    third = _import(graph, _night(tmp_path / "n3", {"step_outputs.csv": OUTPUTS}), full=True)
    assert (third.updated, third.removed_rows) == (0, 0)
    assert _tickets(graph) == [("X", "M", "T-1"), ("Y", "P1", "T-2"), ("Y", "P2", None)]
    # a quantity changed in a file without the column: the ticket stays, the change is recorded
    fourth = _import(graph, _night(tmp_path / "n4", {
        "step_outputs.csv": OUTPUTS.replace("X,M,40.5", "X,M,41")}))  # fmt: skip
    assert _tickets(graph)[0] == ("X", "M", "T-1")
    changes = import_run(graph, fourth.run_id)["changes"]
    assert [(c["key"], c["columns"]) for c in changes] == [
        ("X|M", [{"column": "quantity", "before": "40.5", "after": "41.0"}])
    ]
    # the column present with an empty cell clears it
    cleared = TICKETS.replace("T-1", "").replace("40.5", "41")
    fifth = _import(graph, _night(tmp_path / "n5", {"step_outputs.csv": cleared}))
    assert _tickets(graph) == [("X", "M", None), ("Y", "P1", "T-2"), ("Y", "P2", None)]
    changes = import_run(graph, fifth.run_id)["changes"]
    assert [(c["key"], c["columns"]) for c in changes] == [
        ("X|M", [{"column": "scale_ticket", "before": "T-1", "after": ""}])
    ]


def test_a_full_dumps_removal_is_in_the_lots_history_and_the_runs_changes(
    graph: TraceGraph, runner: CliRunner, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """Night n8full (--full) removed shipment line SH0000010|F0000055: `lot show F0000055`
    listed the night before's change but never the removal, and `imports RUN --format csv` of
    the removal run printed a header alone. A removed row or link is now a change of its run,
    each column it held to no value, marked removed, linked to its lot."""
    _import(graph, _night(tmp_path / "n1", HAND_PLANT))
    lines = "shipment_id,lot_id,quantity,uom\nSH1,P1,300,pcs\nRMA1,P2,-10,pcs\n"
    full = _import(graph, _night(tmp_path / "n2", {"shipment_lines.csv": lines}), full=True)
    assert full.removed_rows == 1
    removed = [c for c in show_lot(graph, "P2")["changes"] if c["removed"]]
    assert [(c["run_id"], c["table"], c["key"], c["line"]) for c in removed] == [
        (full.run_id, "shipment_lines", "SH2|P2", 2)
    ]
    assert {(x["column"], x["before"], x["after"]) for x in removed[0]["columns"]} == {
        ("lot_id", "P2", ""), ("quantity", "50.0", ""), ("shipment_id", "SH2", ""),
        ("uom", "pcs", ""),
    }  # fmt: skip
    assert removed[0]["file"] == str(full.removed_file)
    shown = runner.invoke(app, ["lot", "show", "P2"], env=neo4j_env, terminal_width=200)
    assert "removed by import (--full)" in shown.output, shown.output
    listed = runner.invoke(app, ["imports", full.run_id, "--format", "csv"], env=neo4j_env)
    assert listed.exit_code == 0, listed.output
    rows = list(csv.DictReader(io.StringIO(listed.output)))
    assert {(r["table"], r["key"], r["column"], r["before"], r["after"]) for r in rows} == {
        ("shipment_lines", "SH2|P2", "lot_id", "P2", ""),
        ("shipment_lines", "SH2|P2", "quantity", "50.0", ""),
        ("shipment_lines", "SH2|P2", "shipment_id", "SH2", ""),
        ("shipment_lines", "SH2|P2", "uom", "pcs", ""),
    }
    as_json = runner.invoke(app, ["imports", full.run_id, "--format", "json"], env=neo4j_env)
    assert [c["removed"] for c in json.loads(as_json.output)["changes"]] == [True]


ISSUES = "AUFTRAG,CHARGE,MENGE\n{rows}"
SUMMED = (
    '[[file]]\nmatch = "issues.csv"\ntable = "step_inputs"\ncombine = "sum"\n[file.columns]\n'
    'step_id = "AUFTRAG"\nlot_id = "CHARGE"\nquantity = "MENGE"\nuom = { value = "kg" }\n'
)


def test_a_delta_whose_sum_replaces_a_summed_link_says_so(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """sap1 issued 30 kg of R0000002 to S0000001 in parts; sapd1, a nightly delta holding one
    more 261 movement of 5 kg, made the link 5.0 (30.0 -> 5.0), exit 0, no note, and `lot
    show` said 5 kg used. A sum is of one file's rows (importers/README), so the import now
    says when a summed link replaces the quantity the graph held, and how to feed a delta."""
    plant = {name: text for name, text in HAND_PLANT.items() if name != "step_inputs.csv"}
    _import(graph, _night(tmp_path / "n0", plant))
    (tmp_path / "m.toml").write_text(SUMMED, encoding="utf-8")
    mapping = load_mapping(tmp_path / "m.toml")
    full = ISSUES.format(rows="X,A,25\nX,A,5\nY,M,40.5\n")
    first = _import(graph, _night(tmp_path / "sap1", {"issues.csv": full}), mapping=mapping)
    assert not [n for n in first.notes if "replaced the quantity" in n]
    delta = _night(tmp_path / "sapd1", {"issues.csv": ISSUES.format(rows="X,A,5\n")})
    second = _import(graph, delta, mapping=mapping)
    assert second.updated == 1
    assert (
        f"{delta / 'issues.csv'}: 1 step_inputs link summed from this file's rows (combine = "
        '"sum") replaced the quantity the graph held, not added to it: X|A 30.0 → 5.0. A sum '
        "is of one import's rows: import a delta extract together with the rows it adds to "
        "(each order's movements whole), or a full extract"
    ) in second.notes
    # the same rows again change nothing, and say nothing
    again = _import(graph, _night(tmp_path / "sapd1b", {"issues.csv": ISSUES.format(
        rows="X,A,5\n")}), mapping=mapping)  # fmt: skip
    assert again.updated == 0
    assert not [n for n in again.notes if "replaced the quantity" in n]


STEPS = "step_id,operation,started_at,ended_at\n"


def test_the_same_instant_in_another_offset_is_no_change(graph: TraceGraph, tmp_path: Path) -> None:
    """The MES plant imported (+08:00), then the same plant in canonical shape (UTC): 10,948
    rows "changed", as `started_at 2026-01-05T12:00:00+08:00 → 2026-01-05T04:00:00+00:00`,
    the same instant, burying the real changes. A time is an instant: another offset for it
    is no change, the stored text stays, a note counts such rows; a real change in the same
    row is recorded alone."""
    mes = STEPS + "X,mix,2026-01-05T12:00:00+08:00,2026-01-05T13:00:00+08:00\n"
    _import(graph, _night(tmp_path / "mes", {"steps.csv": mes}))
    utc = STEPS + "X,mix,2026-01-05T04:00:00Z,2026-01-05T05:00:00Z\n"
    canonical = _import(graph, _night(tmp_path / "canonical", {"steps.csv": utc}))
    assert canonical.updated == 0
    assert import_run(graph, canonical.run_id)["changes"] == []
    assert _rows(graph, "MATCH (s:ProcessStep) RETURN toString(s.started_at)") == [
        ("2026-01-05T12:00:00+08:00",)
    ]
    assert (
        f"{tmp_path / 'canonical' / 'steps.csv'}: 1 steps row gave times the graph holds as "
        "the same instants with another offset, kept as stored, not a change (e.g. started_at "
        "2026-01-05T12:00:00+08:00 (2026-01-05T04:00:00+00:00)); 0 of them changed in another "
        "column. An instant is what a time says: an export writing another offset or zone "
        "changes no row"
    ) in canonical.notes
    # a real change beside an offset-only one: the real one alone is recorded
    moved = STEPS + "X,bake,2026-01-05T04:00:00Z,2026-01-05T05:30:00Z\n"
    third = _import(graph, _night(tmp_path / "moved", {"steps.csv": moved}))
    assert third.updated == 1
    (change,) = import_run(graph, third.run_id)["changes"]
    assert change["columns"] == [
        {"column": "ended_at", "before": "2026-01-05T13:00:00+08:00",
         "after": "2026-01-05T05:30:00+00:00"},
        {"column": "operation", "before": "mix", "after": "bake"},
    ]  # fmt: skip
