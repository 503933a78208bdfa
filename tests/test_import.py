"""`tracegraph import`: every row written or rejected with file, line, column and reason;
counts reconcile; re-running changes nothing. Against the real test server."""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.ledger import import_run, import_runs
from tracegraph.importing.reader import read_table
from tracegraph.importing.run import STUB_ADVICE, check_paths, import_paths
from tracegraph.importing.tables import TABLES
from tracegraph.importing.validate import convert, validate_lazily
from tracegraph.trace import trace_window
from tracegraph.values import iso_seconds

MATERIALS = "material_id,name,uom,kind\nM1,Flour,kg,raw\nSALT,Salt,kg,raw\nB1,Bread,pcs,finished\n"
LOTS_HEADER = "lot_id,material_id,quantity,uom,created_at,status,supplier_id,supplier_lot\n"


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def _import(runner: CliRunner, *args: str) -> tuple[int, dict[str, Any], list[dict[str, str]]]:
    result = runner.invoke(app, ["import", *args, "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    summary = json.loads(result.stdout)
    rejects: list[dict[str, str]] = []
    if summary["reject_file"]:
        with open(summary["reject_file"], encoding="utf-8-sig", newline="") as f:
            rejects = list(csv.DictReader(f))
    for table in summary["tables"].values():
        assert table["read"] == table["written"] + table["rejected"]
    return result.exit_code, summary, rejects


def _one_name(graph: TraceGraph, query: str) -> str:
    records, _, _ = graph.driver.execute_query(query, database_=graph.database)
    assert len(records) == 1, records
    return str(records[0]["name"])


def _graph_dump(graph: TraceGraph) -> list[str]:
    """Every node and relationship with its properties (ledger — runs, their files, row
    changes — and migrations' dates excluded, and the mark of the stubs a finished run named,
    `_reported`, and of the tables a --full run found with no row of unknown source,
    SourcedTable: ledger bookkeeping), for comparisons."""
    nodes, _, _ = graph.driver.execute_query(
        "MATCH (n) WHERE NOT n:ImportRun AND NOT n:ImportedFile AND NOT n:RowChange "
        "AND NOT n:Migration AND NOT n:SourcedTable "
        "RETURN labels(n) AS l, n {.*, _reported: null} AS p",
        database_=graph.database,
    )
    rels, _, _ = graph.driver.execute_query(
        "MATCH (a)-[r]->(b) WHERE NOT a:ImportRun AND NOT a:RowChange "
        "RETURN type(r) AS t, properties(r) AS p, a {.*, _reported: null} AS a, "
        "b {.*, _reported: null} AS b",
        database_=graph.database,
    )
    # keys sorted: a node's properties come back in the order the store keeps them, which an
    # update may change (a step whose end was corrected listed `ended_at` elsewhere)
    return sorted(json.dumps(r.data(), sort_keys=True, default=str) for r in [*nodes, *rels])


def test_clean_import_writes_every_row_and_keeps_leading_zeros(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    plant = tmp_path / "plant"
    _write(plant, "materials.csv", "\ufeff" + MATERIALS)  # with a BOM, as Excel saves it
    _write(plant, "lots.csv", LOTS_HEADER
           + "000123,M1,1000,kg,2026-11-01T08:00:00,released,V7,000456\n"
           + "R-2,SALT,50,kg,2026-11-01,hold,V8,000456\n")  # fmt: skip
    code, summary, rejects = _import(runner, str(plant), "--timezone", "Europe/Berlin")
    assert code == 0 and rejects == []
    assert summary["tables"]["materials"] == {
        "files": [str(plant / "materials.csv")], "read": 3, "written": 3, "rejected": 0,
        "duplicates": 0, "changed": 3, "updated": 0, "removed": None,
    }  # fmt: skip
    rows, _, _ = graph.driver.execute_query(
        "MATCH (i:Identifier)-[:IDENTIFIES]->(l:Lot)-[s:SUPPLIED_BY]->(v:Supplier) "
        "RETURN l.lot_id AS lot, i.key AS key, s.supplier_lot AS supplier_lot, "
        "toString(l.created_at) AS created ORDER BY lot",
        database_=graph.database,
    )
    assert [r.data() for r in rows] == [
        {"lot": "000123", "key": "supplier_lot|V7|000456", "supplier_lot": "000456",
         "created": "2026-11-01T08:00:00+01:00"},
        {"lot": "R-2", "key": "supplier_lot|V8|000456", "supplier_lot": "000456",
         "created": "2026-11-01T00:00:00+01:00"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("L1,M1,-5,kg,2026-11-01,released,,", "quantity", "a quantity cannot be negative here"),
        ("L1,M1,NaN,kg,2026-11-01,released,,", "quantity", "not a finite number"),
        ("L1,M1,abc,kg,2026-11-01,released,,", "quantity", "not a number"),
        (
            'L1,M1,"2,5",kg,2026-11-01,released,,',
            "quantity",
            'not a number: canonical tables write 2.5 (a mapping with decimal = "," reads 2,5, '
            "see importers/README.md)",
        ),
        (
            "L1,M1,5,kgs,2026-11-01,released,,",
            "uom",
            "unknown unit (known: g, gal, kg, l, lb, m, mg, ml, oz, pcs, qt, t)",
        ),
        (
            "L1,M1,5,kg,03.11.2026,released,,",
            "created_at",
            "not an ISO 8601 date/time (e.g. 2026-11-03T08:15:00+01:00); a mapping's column "
            'reads this form with format = "%d.%m.%Y" (importers/README.md)',
        ),
        (
            "L1,M1,5,kg,11/03/2026 08:15,released,,",
            "created_at",
            "not an ISO 8601 date/time (e.g. 2026-11-03T08:15:00+01:00); a mapping's column "
            'reads this form with format = "%d/%m/%Y %H:%M" or format = "%m/%d/%Y %H:%M" '
            "(importers/README.md)",
        ),
        ("L1,M1,5,kg,2026-11-01,shipped,,", "status", "must be one of released, hold, rejected"),
        (",M1,5,kg,2026-11-01,released,,", "lot_id", "required value is empty"),
        ("L1,,5,kg,2026-11-01,released,,", "material_id", "required value is empty"),
        (
            "L1,M1,5,kg,2026-11-01,released,,,extra",
            "",
            "the row has more cells than the header has columns",
        ),
        (  # an 18-digit material number after Excel saved the file
            "L1,1.00042E+17,5,kg,2026-11-01,released,,",
            "material_id",
            "an identifier in Excel's scientific notation: its digits are lost (export the file "
            "again, and do not save it from Excel)",
        ),
        (
            "L" + "9" * 300 + ",M1,5,kg,2026-11-01,released,,",
            "lot_id",
            "identifier longer than 200 characters",
        ),
    ],
)
def test_bad_cells_are_rejected_with_line_column_and_reason(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    row: str, column: str, reason: str,
) -> None:  # fmt: skip
    lots = _write(tmp_path / "in", "lots.csv", LOTS_HEADER + "OK-1,M1,5,kg,2026-11-01,released,,\n"
                  + row + "\n")  # fmt: skip
    code, summary, rejects = _import(runner, str(lots))
    assert code == 1
    assert summary["tables"]["lots"]["read"] == 2
    assert summary["tables"]["lots"]["written"] == 1
    assert [(r["file"], r["line"], r["column"], r["reason"]) for r in rejects] == [
        (str(lots), "3", column, reason)
    ]
    assert graph.status().nodes.get("Lot") == 1


def test_a_reject_file_on_a_usb_stick_is_written_and_said_to_be_readable_by_others(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """`import --rejects /media/stick/rejects.csv`: a USB stick's FAT keeps no modes (a file is
    made 0644 as its fmask says, whatever mode is asked) and refuses chmod (EPERM), and the
    reject file, narrowed by fchmod, failed the night as "cannot write the reject file …
    Operation not permitted": its 1 reject not written (played here as the stick answers: root
    is never refused). It is written, with one note that others may read it."""
    lots = _write(tmp_path / "in", "lots.csv", LOTS_HEADER + "OK-1,M1,5,kg,2026-11-01,released,,\n"
                  + "OK-2,M1,five,kg,2026-11-01,released,,\n")  # fmt: skip
    real_open = os.open

    def fat_open(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        return real_open(path, flags, 0o644, dir_fd=dir_fd)

    def refused(*args: Any, **_: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "open", fat_open)
    monkeypatch.setattr(os, "chmod", refused)
    monkeypatch.setattr(os, "fchmod", refused)
    stick = tmp_path / "stick" / "rejects.csv"
    code, summary, rejects = _import(runner, str(lots), "--rejects", str(stick))
    assert (code, summary["reject_file"], len(rejects)) == (1, str(stick), 1)
    assert [n for n in summary["notes"] if "readable by others" in n] == [
        f"the reject file {stick} is as readable by others as its place makes it (a USB stick's "
        "FAT, a network share keep no permissions): it holds data values"
    ]


def test_a_last_row_cut_short_is_rejected_and_a_short_row_elsewhere_read_as_empty_cells(
    tmp_path: Path,
) -> None:
    """The ERP stopped writing mid-row: the file's last row, short and without a line break
    after it, was taken, its missing cells clearing the lot's supplier and supplier lot. A row
    elsewhere with its trailing empty cells left out (Excel writes such rows) is not cut."""
    rows = LOTS_HEADER + "L1,M1,5,kg,2026-11-01\nL2,M1,5,kg,2026-11-01,released,V7,000123\n"
    lots = _write(tmp_path / "in", "lots.csv", rows + "L3,M1,5,kg,2026-11-01,released,V")
    summary = check_paths([lots], reject_file=tmp_path / "r.csv")
    assert [(r.line, r.value, r.reason) for r in summary.rejects] == [
        (4, "L3,M1,5,kg,2026-11-01,released,V", "the file's last row has fewer cells than the "
         "header has columns and no line break after it: cut short (an export that stopped "
         "mid-row?)"),
    ]  # fmt: skip
    assert summary.table_counts()["lots"]["written"] == 2
    # The short row read as empty cells is said (it clears those values in the graph); the cut
    # last row, rejected, is not counted among them
    assert [n for n in summary.notes if "fewer cells" in n] == [
        f"{lots}: 1 row with fewer cells than the header (line 2) was read with the missing "
        "cells empty, which clears those values in the graph (if a row was cut, mend it and "
        "import again)"
    ]
    # a short row that is rejected (its quotes do not pair up) was not read: not in the note
    _write(tmp_path / "in", "lots.csv", LOTS_HEADER + 'L1,M1,5,kg\nL2,"M1,5,kg\nL3,M1,5,kg\n')
    unpaired = check_paths([lots], reject_file=tmp_path / "r.csv")
    assert [r.line for r in unpaired.rejects] == [3]
    assert [n for n in unpaired.notes if "fewer cells" in n] == [
        f"{lots}: 1 row with fewer cells than the header (line 2) was read with the missing "
        "cells empty, which clears those values in the graph (if a row was cut, mend it and "
        "import again)"
    ]
    # Whole, the last row is taken; the missing line break is noted (its last value may be cut)
    _write(tmp_path / "in", "lots.csv", rows + "L3,M1,5,kg,2026-11-01,released,V7,0001")
    assert read_table(lots).notes == ("no line break after the last row: check line 4 is whole",)


def test_missing_required_column_rejects_the_file_on_its_header_line(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A header without a required column is not the table's header: one reject on line 1 (it
    was one per row, and a header-only such file was a clean empty table)."""
    lots = _write(tmp_path / "in", "lots.csv", "lot_id,quantity\nL1,5\nL2,6\n")
    code, _summary, rejects = _import(runner, str(lots))
    assert code == 1
    assert [(r["line"], r["column"], r["reason"]) for r in rejects] == [
        ("1", "material_id", "not a lots header: material_id missing (its columns: lot_id, "
         "quantity): export the table with its header, or import this export with a --mapping"),
    ]  # fmt: skip
    assert graph.status().nodes.get("Lot", 0) == 0


def test_duplicates_identical_once_conflicting_rejected(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    materials = _write(tmp_path / "in", "materials.csv",
                       "material_id,name\nM1,Flour\nM1,Flour\nM1,Rye flour\n")  # fmt: skip
    code, summary, rejects = _import(runner, str(materials))
    assert code == 1
    assert summary["tables"]["materials"]["duplicates"] == 1
    assert summary["tables"]["materials"]["written"] == 2
    assert [(r["line"], r["column"], r["value"], r["reason"]) for r in rejects] == [
        ("4", "name", "Rye flour", "duplicate material_id with a different name than line 2")
    ]


def test_an_extra_column_named_like_the_importers_own_is_kept_under_another_name(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An MES alarm log's own event_id (and a lots export's origin_known) were dropped without a
    word: the importer keeps those names for itself. Stored as export_event_id, said once."""
    folder = tmp_path / "in"
    alarm = "OVEN-1,alarm,2026-11-03T08:00Z,hot,MES-77\n"
    _write(folder, "device_events.csv", "device_id,event,at,result,event_id\n" + alarm)
    _write(folder, "lots.csv", "lot_id,material_id,origin_known\nL1,M1,no\n")
    code, summary, _ = _import(runner, str(folder))
    assert code == 0
    records, _, _ = graph.driver.execute_query(
        "MATCH (e:DeviceEvent) MATCH (l:Lot {lot_id: 'L1'}) RETURN e.export_event_id AS event, "
        "e.event_id STARTS WITH 'MES' AS replaced, l.export_origin_known AS origin, "
        "l.origin_known AS known", database_=graph.database,
    )  # fmt: skip
    assert [r.data() for r in records] == [
        {"event": "MES-77", "replaced": False, "origin": "no", "known": True}
    ]
    assert [n for n in summary["notes"] if "keeps for itself" in n] == [
        f"{folder / 'lots.csv'}: column origin_known is a name tracegraph keeps for itself: its "
        "values are stored as export_origin_known",
        f"{folder / 'device_events.csv'}: column event_id is a name tracegraph keeps for itself: "
        "its values are stored as export_event_id",
    ]
    again = runner.invoke(app, ["import", str(folder), "--force", "--format", "json"])
    assert json.loads(again.stdout)["tables"]["device_events"]["changed"] == 0
    # a file with export_event_id too: the renamed column does not overwrite it
    _write(folder, "device_events.csv", "device_id,event,at,event_id,export_event_id\n"
           "OVEN-1,alarm,2026-11-03T09:00Z,MES-78,theirs\n")  # fmt: skip
    assert _import(runner, str(folder / "device_events.csv"))[0] == 0
    both, _, _ = graph.driver.execute_query(
        "MATCH (e:DeviceEvent) WHERE e.export_event_id = 'theirs' "
        "RETURN e.export_export_event_id AS kept", database_=graph.database,
    )  # fmt: skip
    assert [r["kept"] for r in both] == ["MES-78"]


def test_a_receipt_without_its_supplier_is_rejected_not_dropped(tmp_path: Path) -> None:
    """received_at is stored on the link to the supplier: with supplier_id empty, the row was
    written and its receipt date dropped without a word (no receiving event, no check)."""
    lots = _write(tmp_path / "in", "lots.csv", "lot_id,material_id,supplier_id,received_at\n"
                  "L1,M1,,2026-11-03T08:00Z\nL2,M1,V1,2026-11-03T08:00Z\nL3,M1,,\n")  # fmt: skip
    summary = check_paths([lots], reject_file=tmp_path / "r.csv")
    assert [(r.line, r.column, r.value, r.reason) for r in summary.rejects] == [
        (2, "received_at", "2026-11-03T08:00Z", "a receipt needs its supplier_id (a sister plant "
         "is a supplier too): without one it cannot be stored"),
    ]  # fmt: skip
    assert summary.table_counts()["lots"]["written"] == 2
    # a file without the supplier_id column: the same
    _write(tmp_path / "in", "lots.csv", "lot_id,material_id,received_at\nL1,M1,2026-11-03\n")
    without = check_paths([lots], reject_file=tmp_path / "r.csv")
    assert [(r.line, r.column) for r in without.rejects] == [(2, "received_at")]


def test_a_conflicting_duplicates_reject_quotes_the_cell_as_written(tmp_path: Path) -> None:
    """The reject named the value as read (`3.0`, an ISO time) where the file has `3`: the
    value column is for finding the cell in the file."""
    lots = _write(tmp_path / "in", "lots.csv", "lot_id,material_id,quantity,uom,created_at\n"
                  "L1,M1,2,kg,2026-11-03\nL1,M1,3,kg,2026-11-03\n"
                  "L2,M1,2,kg,2026-11-03 08:15\nL2,M1,2,kg,2026-11-03T09:15\n")  # fmt: skip
    summary = check_paths([lots], reject_file=tmp_path / "r.csv")
    assert [(r.line, r.column, r.value) for r in summary.rejects] == [
        (3, "quantity", "3"),
        (5, "created_at", "2026-11-03T09:15"),
    ]


@pytest.mark.parametrize(
    ("local", "stored"),
    [
        ("2026-10-25T02:30:00", "2026-10-25T02:30:00+02:00"),  # shown twice: the first, CEST
        ("2026-03-29T02:30:00", "2026-03-29T02:30:00+01:00"),  # skipped: the offset before
        ("2026-07-01T02:30:00", "2026-07-01T02:30:00+02:00"),
    ],
)
def test_local_times_at_the_clock_changes_are_read_as_the_readme_says(
    local: str, stored: str
) -> None:
    column = TABLES["lots"].column("created_at")
    assert column is not None
    assert convert(column, local, ZoneInfo("Europe/Berlin")).isoformat() == stored


def test_a_step_ending_in_the_repeated_hour_ends_after_it_starts(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The night summer time ends, 02:00-03:00 happens twice. A step from 02:40 to 02:10 ran
    across the change; read as the first 02:10 it ended before it began."""
    steps = (
        "step_id,operation,started_at,ended_at\n"
        "S1,bake,2026-10-25T02:40:00,2026-10-25T02:10:00\n"  # across the change: 30 min
        "S2,bake,2026-10-25T02:10:00,2026-10-25T02:40:00\n"  # inside the first hour
        "S3,bake,2026-10-25T01:50:00,2026-10-25T01:20:00\n"  # no repeated hour: a typo
        "S4,bake,2026-10-25T02:40:00+02:00,2026-10-25T02:10:00+02:00\n"  # offsets say so
        "S5,bake,2026-10-25T00:30:00,2026-10-25T02:10:00\n"  # ends after either reading
    )
    _write(tmp_path / "in", "steps.csv", steps)
    folder = str(tmp_path / "in")
    dry = runner.invoke(app, ["import", folder, "--timezone", "Europe/Berlin", "--dry-run",
                              "--format", "json"])  # fmt: skip
    code, summary, _ = _import(runner, folder, "--timezone", "Europe/Berlin")
    assert code == 0
    note = (
        f"{tmp_path / 'in' / 'steps.csv'}: 1 steps row ends in the hour the clocks go back, "
        "which the clock showed twice: read as the second of the two (as the first, each would "
        "end before it starts)"
    )
    # read in the zone given: no note of times without an offset (see the test of that note);
    # the cells of the repeated hour read as the first are counted (S1, S2 start; S2, S5 end)
    path = tmp_path / "in" / "steps.csv"
    twice = (
        "without a UTC offset name local times that Europe/Berlin showed twice (the clocks went "
        "back): read as the first"
    )
    example = (
        "(2026-10-25T02:40:00 as 2026-10-25T02:40:00+02:00); for the second, write its offset "
        "(2026-10-25T02:40:00+01:00)"
    )
    assert (
        summary["notes"]
        == [
            note,
            f"{path}: 2 steps.started_at values {twice} {example}",
            f"{path}: 2 steps.ended_at values {twice} {example}",
        ]
        == json.loads(dry.stdout)["notes"]
    )
    records, _, _ = graph.driver.execute_query(
        "MATCH (s:ProcessStep) RETURN s.step_id AS step, toString(s.started_at) AS started, "
        "toString(s.ended_at) AS ended ORDER BY step",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in records] == [
        ("S1", "2026-10-25T02:40:00+02:00", "2026-10-25T02:10:00+01:00"),
        ("S2", "2026-10-25T02:10:00+02:00", "2026-10-25T02:40:00+02:00"),
        ("S3", "2026-10-25T01:50:00+02:00", "2026-10-25T01:20:00+02:00"),
        ("S4", "2026-10-25T02:40:00+02:00", "2026-10-25T02:10:00+02:00"),
        ("S5", "2026-10-25T00:30:00+02:00", "2026-10-25T02:10:00+02:00"),
    ]
    # Importing the same rows again finds the same graph: nothing changed.
    again = runner.invoke(app, ["import", folder, "--timezone", "Europe/Berlin", "--force",
                                "--format", "json"])  # fmt: skip
    assert json.loads(again.stdout)["tables"]["steps"]["changed"] == 0


def test_a_local_time_whose_offset_has_seconds_is_stored_as_the_same_moment_in_utc(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """1900-01-01 in Shanghai (an MES's "no expiry") is local mean time, +08:05:43: Neo4j's
    datetime() cannot read an offset in seconds, and the import stopped at that batch on
    every run (the dry run said it was clean). Written as the same moment in UTC."""
    _write(tmp_path / "in", "lots.csv",
           "lot_id,material_id,expires_at\nLMT3,FLOUR,1900-01-01\nLMT4,FLOUR,2027-01-01\n"
           "LMT5,FLOUR,2026-01-01T08:00:00+01:00:30\n")  # fmt: skip
    folder = str(tmp_path / "in")
    dry = runner.invoke(app, ["import", folder, "--timezone", "Asia/Shanghai", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    code, summary, _ = _import(runner, folder, "--timezone", "Asia/Shanghai")
    assert code == 0
    assert summary["tables"]["lots"]["written"] == 3
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot) RETURN l.lot_id AS lot, toString(l.expires_at) AS expires ORDER BY lot",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in records] == [
        ("LMT3", "1899-12-31T15:54:17Z"),
        ("LMT4", "2027-01-01T00:00:00+08:00"),
        ("LMT5", "2026-01-01T06:59:30Z"),
    ]
    again = runner.invoke(app, ["import", folder, "--timezone", "Asia/Shanghai", "--force",
                                "--format", "json"])  # fmt: skip
    assert json.loads(again.stdout)["tables"]["lots"]["changed"] == 0


def test_a_time_past_year_9999_in_utc_is_said_to_be_after_it() -> None:
    """9999-12-31 23:59:59 at -00:00:30 (an offset in seconds) is in year 10000 in UTC: it was
    rejected as "before year 1"."""
    received = TABLES["lots"].column("received_at")
    assert received is not None
    with pytest.raises(ValueError, match=r"^after year 9999 in UTC: its offset -00:00:30 has"):
        convert(received, "9999-12-31T23:59:59-00:00:30", ZoneInfo("UTC"))


def test_times_neo4j_or_python_cannot_hold_are_rejected_and_sentinels_go_through_a_recall(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An offset beyond ±18:00 (a typo) stopped the import at its batch on every run, as the
    offset in seconds did; 0001-01-01 in Shanghai (+08:05:43 then) is in year 0 in UTC and was
    an internal error (exit 3). A "no date" 0001-01-01+08:00 received and a 9999-12-31 23:59:59
    -05:00 expiry are stored, and the lot's recall package is written (it stopped with an
    OverflowError converting them to UTC)."""
    _write(tmp_path / "in", "lots.csv",
           "lot_id,material_id,quantity,uom,supplier_id,received_at,expires_at\n"
           "Z1,SALT,5,kg,V1,2026-11-03T08:15:00+18:01,\n"
           "Z2,SALT,5,kg,V1,0001-01-01,\n"
           "Z3,SALT,5,kg,V1,2026-11-03T08:15:00-18:00,\n"
           "Z4,SALT,5,kg,V1,0001-01-01T00:00:00+08:00,9999-12-31T23:59:59-05:00\n")  # fmt: skip
    code, summary, rejects = _import(runner, str(tmp_path / "in"), "--timezone", "Asia/Shanghai")
    assert code == 1
    assert [(r["line"], r["column"], r["reason"]) for r in rejects] == [
        ("2", "received_at", "a UTC offset beyond ±18:00, which no place uses (a typo?)"),
        ("3", "received_at", "before year 1 in UTC: Asia/Shanghai was +08:05:43 then, which "
         "only UTC can store (for no date, leave the cell empty)"),
    ]  # fmt: skip
    assert summary["tables"]["lots"]["written"] == 2
    out = tmp_path / "recall"
    result = runner.invoke(app, ["recall", "Z4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    events = list(csv.DictReader((out / "tracking_events.csv").read_text("utf-8-sig").splitlines()))
    assert [(e["event_type"], e["event_date"], e["event_date_utc"]) for e in events] == [
        ("receiving", "0001-01-01T00:00:00+08:00", ""),  # no UTC date and time before year 1
    ]
    stock = load_workbook(out / "recall.xlsx")["stock to block"]
    # as the plant wrote it (in UTC it is past 9999-12-31, which no Excel date is)
    assert stock["H2"].value == datetime(9999, 12, 31, 23, 59, 59)


def test_a_canonical_column_spelled_otherwise_rejects_the_file(tmp_path: Path) -> None:
    """`Status` would have been kept as an extra property and the lot's status left empty: a
    hold lost without a word."""
    _write(tmp_path / "in", "lots.csv",
           "lot_id,material_id,Quantity,uom,supplier lot\nL1,M1,5,kg,000123\n")  # fmt: skip
    summary = check_paths([tmp_path / "in"], reject_file=tmp_path / "r.csv")
    assert [(r.line, r.column, r.reason) for r in summary.rejects] == [
        (2, "Quantity", "column 'Quantity' is not a column of lots; 'quantity' is (column names "
         "are lower case with underscores): rename it, or map it with --mapping"),
    ]  # fmt: skip
    assert summary.table_counts()["lots"]["written"] == 0


@pytest.mark.parametrize("header", ["quantity (kg)", "quantity\n(kg)", "quantity [kg]"])
def test_a_canonical_column_with_its_unit_in_the_header_rejects_the_file(
    tmp_path: Path, header: str
) -> None:
    """A workbook's `quantity (kg)` (or `quantity⏎(kg)`, a line break in the header cell) was
    kept as an extra property of that name, every lot's quantity empty, exit 0, no note."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "lots"
    sheet.append(["lot_id", "material_id", header, "uom"])
    sheet.append(["L1", "M1", 5, "kg"])
    (tmp_path / "in").mkdir()
    workbook.save(tmp_path / "in" / "lots.xlsx")
    summary = check_paths([tmp_path / "in"], reject_file=tmp_path / "r.csv")
    shown = header.replace("\n", "\\n")
    assert [(r.line, r.column, r.reason) for r in summary.rejects] == [
        (2, header, f"column '{shown}' is not a column of lots; 'quantity' is (column names carry "
         f"no unit): rename '{shown}' to quantity and put kg in uom, or map it with --mapping"),
    ]  # fmt: skip
    assert summary.table_counts()["lots"]["written"] == 0


def test_a_column_with_a_unit_beside_the_column_itself_is_an_extra(tmp_path: Path) -> None:
    """`name (de)` beside `name` is a column of its own (a translation), not a misspelling."""
    _write(tmp_path / "de", "materials.csv", "material_id,name,name (de),uom\nM1,Salt,Salz,kg\n")
    beside = check_paths([tmp_path / "de"], reject_file=tmp_path / "r2.csv")
    assert (beside.rejects, beside.table_counts()["materials"]["written"]) == ([], 1)


@pytest.mark.parametrize(
    ("table", "text"),
    [
        ("materials", "material_id,name (de),name (en),uom\nM1,Salz,Salt,kg\n"),
        ("lots", "lot_id,material_id,quantity,uom,status (old)\nL1,M1,5,kg,hold\n"),
        ("customers", "customer_id,contact (email),contact (phone)\nC1,a@b.example,+49 1\n"),
    ],
)
def test_a_column_and_a_word_in_brackets_that_is_no_measure_is_an_extra(
    tmp_path: Path, table: str, text: str
) -> None:
    """`status (old)`, `name (de)` without `name`, `contact (email)`: columns of their own,
    imported as extras as ever — a unit-in-the-header check refused the whole file ("column
    names carry no unit: rename 'status (old)' to status"), every row lost for the night."""
    _write(tmp_path / "in", f"{table}.csv", text)
    summary = check_paths([tmp_path / "in"], reject_file=tmp_path / "r.csv")
    assert (summary.rejects, summary.table_counts()[table]["written"]) == ([], 1)


def test_files_the_reader_cannot_split_rightly_are_rejected_not_misread(tmp_path: Path) -> None:
    """A quote never closed swallowed the rows below it (4 rows read as 1, exit 0); UTF-8 read
    as UTF-16 gave no rows at all; a folder named like a table stopped the import."""
    folder = tmp_path / "in"
    _write(folder, "materials.csv",
           'material_id,name,uom\nQM1,"Flour,kg\nQM2,Salt,kg\nQM3,Sugar,kg\n')  # fmt: skip
    _write(folder, "operators.csv", "operator_id,name\nOP1,Anna\nOP2,Ben\n")
    # An address over two lines, one with as many commas as a row: a note, not swallowed rows.
    _write(folder, "suppliers.csv", 'supplier_id,name,country\n'
           'V1,"Müller GmbH\nWerk 2, Halle 3, Tor 5",DE\nV2,Other,FR\n')  # fmt: skip
    (folder / "lots.csv").mkdir()
    summary = check_paths([folder], reject_file=tmp_path / "r.csv")
    assert [(r.line, r.reason[:40]) for r in summary.rejects] == [
        (2, "the row's quotes do not pair up: a quote"),
    ]
    # A quote closed by a later row's quote (a row swallowed in the middle of a file) too, and
    # a note over two lines in the last row is a cell.
    _write(folder, "customers.csv", 'customer_id,name,contact\nC1,"Widget,ok\nC2,Gadget,fine\n'
           'C3,"Thing",x\nC4,a,b\nC5,c,"Ship to:\nHauptstr. 5, 12345 Berlin, DE"\n\n')  # fmt: skip
    again = check_paths([folder], reject_file=tmp_path / "r.csv")
    assert [(Path(r.file).name, r.line) for r in again.rejects] == [
        ("materials.csv", 2), ("customers.csv", 2),
    ]  # fmt: skip
    assert again.table_counts()["customers"]["written"] == 2
    assert f"skipped {folder / 'lots.csv'}: a folder" in summary.notes[0]
    wrong = check_paths([folder / "operators.csv"], encoding="utf-16",
                        reject_file=tmp_path / "r.csv")  # fmt: skip
    assert [r.reason for r in wrong.rejects] == [
        f"{folder / 'operators.csv'}: read as utf-16 the file has no line breaks, though its "
        "bytes hold 3: that is not its encoding (hint: leave --encoding out to detect it, or "
        "pass the right one)"
    ]


def test_a_utf8_file_is_read_as_utf8_when_another_encoding_is_given(tmp_path: Path) -> None:
    """The SAP mapping says Windows-1252; a file saved as UTF-8 stored "fÃ¼r" for "für"."""
    path = _write(tmp_path, "materials.csv", "material_id;name\nM1;Weizenmehl für Brötchen\n")
    raw = read_table(path, "cp1252")
    assert raw.rows[0][1]["name"] == "Weizenmehl für Brötchen"
    assert raw.encoding == "utf-8 (not cp1252 as given: the file is UTF-8)"
    # A real Windows-1252 file is not valid UTF-8, and is read as given.
    path.write_bytes("material_id;name\nM1;Weizenmehl für Brötchen\n".encode("cp1252"))
    assert read_table(path, "cp1252").rows[0][1]["name"] == "Weizenmehl für Brötchen"
    # Nor GBK given for a UTF-8 file of Chinese text (面粉 was stored as 闈㈢矇), nor the MES
    # mapping's GB18030; a GBK file is read as given, even one that reads as UTF-8 by chance
    # (女 in GBK is Ů in UTF-8).
    path.write_text("material_id;name\nM1;Mühle 面粉\n", encoding="utf-8")
    for given in ("gbk", "gb18030"):
        raw = read_table(path, given)
        assert raw.rows[0][1]["name"] == "Mühle 面粉"
        assert raw.encoding == f"utf-8 (not {given} as given: the file is UTF-8)"
    for chinese in ("面粉", "女"):
        path.write_bytes(f"material_id;name\nM1;{chinese}\n".encode("gbk"))
        assert read_table(path, "gbk").rows[0][1]["name"] == chinese


def test_xlsx_error_cells_are_rejected_and_zero_padded_numbers_keep_their_zeros(
    tmp_path: Path,
) -> None:
    """A lot called #REF! and a supplier lot 123 where Excel showed 000123 were imported."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "lots"
    sheet.append(["lot_id", "material_id", "quantity", "uom", "supplier_id", "supplier_lot",
                  "lookup"])  # fmt: skip
    sheet.append(["L1", "M1", 5, "kg", "V7", 123, "#N/A"])  # a helper column's error: left out
    sheet["F2"].number_format = "000000"
    sheet.append(["#REF!", "M1", "#N/A", "kg", "V7", 124, "x"])
    path = tmp_path / "in" / "lots.xlsx"
    path.parent.mkdir()
    book.save(path)
    raw = read_table(path)
    assert raw.rows[0][1]["supplier_lot"] == "000123"
    first = next(validate_lazily(raw, "lots", ZoneInfo("UTC"))[1])
    assert (first["lot_id"], first["_extra"]) == ("L1", {})
    summary = check_paths([path], reject_file=tmp_path / "r.csv")
    assert [(r.line, r.column, r.value, r.reason) for r in summary.rejects] == [
        (3, "lot_id", "#REF!", "a spreadsheet error instead of a value: fix its formula in the "
         "workbook, then export"),
    ]  # fmt: skip


def test_xlsx_formulas_without_a_stored_value_are_rejected_not_read_as_empty(
    tmp_path: Path,
) -> None:
    """A workbook written by a program (openpyxl, a report tool) stores =B2*1000 and no value:
    read as an empty cell, the lot's quantity went blank without a word. Saved by Excel the
    formula's value is stored beside it, and that value is read."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "lots"
    sheet.append(["lot_id", "material_id", "kg", "quantity", "uom", "helper"])
    sheet.append(["L1", "M1", 5, "=C2*1000", "g", "=C2+1"])
    sheet.append(["L2", "M1", 6, 6000, "g", "=C3+1"])  # only the helper is a formula: kept
    path = tmp_path / "in" / "lots.xlsx"
    path.parent.mkdir()
    book.save(path)
    summary = check_paths([path], reject_file=tmp_path / "r.csv")
    assert [(r.line, r.column, r.value, r.reason) for r in summary.rejects] == [
        (2, "quantity", "=C2*1000", "a formula whose value was never calculated (the workbook "
         "was written by a program, not saved by Excel): open it in Excel or LibreOffice and "
         "save it, then import again"),
    ]  # fmt: skip
    rows = list(validate_lazily(read_table(path), "lots", ZoneInfo("UTC"))[1])
    assert [(r["lot_id"], r["quantity"], r["_extra"]) for r in rows] == [
        ("L2", 6000.0, {"kg": 6})  # the helper's formula is no value to keep
    ]
    # What Excel stores on saving: the formula and its value — a number, or text typed as
    # such (t="str"), an empty text included (=IF(…,"",…) left the cell empty, and was
    # rejected as never calculated).
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"]
    assert b"<f>C2*1000</f><v />" in xml
    xml = xml.replace(b"<f>C2*1000</f><v />", b"<f>C2*1000</f><v>5000</v>")
    xml = xml.replace(b'<c r="F2"><f>C2+1</f><v />', b'<c r="F2" t="str"><f>C2+1</f><v></v>')
    parts["xl/worksheets/sheet1.xml"] = xml.replace(b"<v />", b"<v>7</v>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    rows = list(validate_lazily(read_table(path), "lots", ZoneInfo("UTC"))[1])
    assert [(r["lot_id"], r["quantity"], r["_extra"]) for r in rows] == [
        ("L1", 5000.0, {"kg": 5}), ("L2", 6000.0, {"kg": 6, "helper": 7}),
    ]  # fmt: skip


def _step_extras(tmp_path: Path, text: str) -> dict[str, Any]:
    """The extra columns of a steps.csv's one row, as validation reads them."""
    _write(tmp_path / "in", "steps.csv", text)
    rows = list(validate_lazily(read_table(tmp_path / "in" / "steps.csv"), "steps",
                                ZoneInfo("UTC"))[1])  # fmt: skip
    extra: dict[str, Any] = rows[0]["_extra"]
    return extra


def test_long_digit_codes_in_extra_columns_stay_text(tmp_path: Path) -> None:
    """An 18-digit SSCC as a float lost its last digits (340123450000000017 → 3.4012345e17)."""
    extra = _step_extras(
        tmp_path,
        "step_id,operation,started_at,sscc,temp,shelf,speed,bin\n"
        "S1,bake,2026-11-02T06:00:00Z,340123450000000017,182.5,12,40.0,007\n",
    )
    assert extra == {"sscc": "340123450000000017", "temp": 182.5, "shelf": 12, "speed": 40,
                     "bin": "007"}  # fmt: skip
    # a whole number stays an integer (it was stored and shown as 12.0), 40.0 too (an XLSX or
    # Parquet file gives 40: one value, one type), and a code with a leading zero text
    assert [type(extra[k]) for k in ("shelf", "speed", "bin")] == [int, int, str]


def test_a_leading_plus_keeps_an_extra_cell_text_in_a_semicolon_file_too(tmp_path: Path) -> None:
    """A telephone +4930123456 lost its '+' as a number; in a ';' file (Excel in a German
    locale) +49,5 is no decimal either: one rule, while -0,5 and 252,5 are still numbers."""
    extra = _step_extras(
        tmp_path,
        "step_id;operation;started_at;phone;delta;peak;drift\n"
        "S1;bake;2026-11-02T06:00:00Z;+4930123456;+49,5;252,5;-0,5\n",
    )
    assert extra == {"phone": "+4930123456", "delta": "+49,5", "peak": 252.5, "drift": -0.5}


def test_rows_imported_when_whole_numbers_were_floats_are_not_changed_by_integers() -> None:
    """Extras kept 12 as 12.0 before; a re-read of the same row must not count it changed
    (every step of a plant rewritten, its ledger full of "12.0 → 12")."""
    from tracegraph.importing.changes import difference
    from tracegraph.importing.writer import _row_sha

    assert _row_sha(["S1", None], {"shelf": 12, "temp": 182.5}) == _row_sha(
        ["S1", None], {"shelf": 12.0, "temp": 182.5}
    )
    assert _row_sha(["S1"], {"shelf": 12}) != _row_sha(["S1"], {"shelf": 13})
    same = difference("steps", "S1", 2, {"shelf": 12.0, "op": "bake"}, {"shelf": 12, "op": "bake"},
                      ())  # fmt: skip
    assert same.columns == ()
    moved = difference("steps", "S1", 2, {"shelf": 12.0}, {"shelf": 13}, ())
    assert (moved.columns, moved.before, moved.after) == (("shelf",), ("12.0",), ("13",))


def test_an_import_into_a_database_without_the_schema_installs_it_first(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`demo generate` then `import`, without `db init`: every MERGE scanned its label (20 min
    for a 100k-row plant), and a lot look-up failed on the missing full-text index."""
    graph.reset()  # constraints and indexes too
    looked_up = runner.invoke(app, ["lot", "show", "L-404"])
    assert looked_up.exit_code == 2
    assert "lacks the graph model's indexes (hint: run `tracegraph db init`" in " ".join(
        looked_up.stderr.split()
    )
    _write(tmp_path / "in", "materials.csv", MATERIALS)
    code, summary, _ = _import(runner, str(tmp_path / "in"))
    assert code == 0
    assert summary["notes"] == [
        "the database had no schema: installed the graph model's constraints and indexes first"
    ]
    assert {"lot_id"} <= {p for o in graph.schema_objects() if o.kind == "constraint"
                          for p in o.properties if o.labels_or_types == ("Lot",)}  # fmt: skip
    assert _import(runner, str(tmp_path / "in"), "--force")[1]["notes"] == []


def test_gbk_file_is_detected_and_read(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    _write(tmp_path / "in", "materials.csv", "material_id,name\n物料-01,面粉\nM2,食盐\n", "gbk")
    code, _summary, _ = _import(runner, str(tmp_path / "in"))
    assert code == 0
    names, _, _ = graph.driver.execute_query(
        "MATCH (m:Material) RETURN m.material_id AS id, m.name AS name ORDER BY id",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in names] == [("M2", "食盐"), ("物料-01", "面粉")]


@pytest.mark.parametrize(
    ("separator", "encoding", "note"),
    [
        (";", "utf-8", "utf-8 (semicolon-separated)"),  # Excel in German or French locales
        ("\t", "utf-16", "utf-16 (tab-separated)"),  # Excel's "Unicode text" export
        ("|", "utf-8-sig", "utf-8-sig (pipe-separated)"),
        ("sep=;", "utf-8", "utf-8 (semicolon-separated)"),  # Excel's hint line before the header
    ],
)
def test_csv_separator_and_utf16_are_detected(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    separator: str, encoding: str, note: str,
) -> None:  # fmt: skip
    # A name with commas in a semicolon file: counting characters would pick the comma.
    rows = [["material_id", "name", "Hinweis, intern, alt"], ["000042", "Mehl, Type 550", "a"],
            ["M2", "Salz", "b"]]  # fmt: skip
    if separator.startswith("sep="):
        text = separator + "\n" + "".join(";".join(row) + "\n" for row in rows)
    else:
        text = "".join(separator.join(row) + "\n" for row in rows)
    _write(tmp_path / "in", "materials.csv", text, encoding)
    result = runner.invoke(app, ["import", str(tmp_path / "in")])
    assert result.exit_code == 0, result.stderr
    log = "materials.csv → materials: 2 rows read, 2 written (2 new, 0 changed), 0 rejected"
    assert f"{log}, {note}," in result.stderr
    # the summary table splits new and changed rows as the log line does (its `changed`
    # counted the 2 new rows)
    header, row = (line.split() for line in result.stdout.splitlines()[-2:])
    assert dict(zip(header, row, strict=True)) == {
        "table": "materials", "read": "2", "written": "2", "rejected": "0", "duplicates": "0",
        "new": "2", "changed": "0",
    }  # fmt: skip
    names, _, _ = graph.driver.execute_query(
        "MATCH (m:Material) RETURN m.material_id AS id, m.name AS name ORDER BY id",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in names] == [("000042", "Mehl, Type 550"), ("M2", "Salz")]


@pytest.mark.parametrize("ascii_rows_before", [0, 12_000])  # 12,000 rows: 200k+ characters
def test_a_western_european_file_is_not_read_as_chinese(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    ascii_rows_before: int,
) -> None:  # fmt: skip
    """Excel on a German Windows saves CSV in Windows-1252. Read as GB18030 (the fallback after
    UTF-8), "Mühle Müller" became "M黨le M黮ler", silently; now the file asks for --encoding."""
    plain = "".join(f"A{n:05d},Plain name {n}\n" for n in range(ascii_rows_before))
    text = "material_id,name\n" + plain + "M1,Weizenmehl Type 550 (Mühle Müller)\nM2,Käse\n"
    path = _write(tmp_path / "in", "materials.csv", text, "cp1252")
    code, _summary, rejects = _import(runner, str(path))
    assert code == 1
    assert [(r["line"], r["reason"]) for r in rejects] == [(
        "0",
        f"{path}: not UTF-8 (from line {ascii_rows_before + 2}), and not Chinese text in "
        "GB18030/GBK either (hint: pass its "
        "encoding with --encoding: cp1252 for a Western European Excel export, cp1250 for a "
        "Central European one, gb18030 if it is Chinese)",
    )]  # fmt: skip
    assert graph.status().nodes.get("Material") == 0
    # ...and the nightly log says so (it had no line for the file, the reason in the reject file)
    logged = runner.invoke(app, ["import", str(path), "--dry-run", "--rejects",
                                 str(tmp_path / "r.csv")])  # fmt: skip
    assert "materials.csv: not read, the whole file is rejected — " in logged.stderr
    code, _summary, _ = _import(runner, str(path), "--encoding", "cp1252")
    assert code == 0
    names, _, _ = graph.driver.execute_query(
        "MATCH (m:Material) WHERE m.material_id STARTS WITH 'M' RETURN m.name AS name "
        "ORDER BY m.material_id",
        database_=graph.database,
    )
    assert [r["name"] for r in names] == ["Weizenmehl Type 550 (Mühle Müller)", "Käse"]


def test_a_utf8_file_with_a_line_in_another_encoding_is_refused_not_read_as_chinese(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A UTF-8 file with one row pasted in from a Windows-1252 export is not UTF-8: read
    whole as GB18030, the fallback, "Müller" was stored as "M眉ller" and "Crème" as "Cr鑝e"
    (Chinese-looking enough), exit 0. Refused, naming the line."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "materials.csv").write_bytes(
        "material_id,name\nM1,Weizenmehl Müller\nM2,Mühle\n".encode()
        + "M3,Crème\n".encode("cp1252")
    )
    code, _summary, rejects = _import(runner, str(folder))
    assert code == 1
    assert [(r["line"], r["reason"]) for r in rejects] == [(
        "0",
        f"{folder / 'materials.csv'}: UTF-8 but for some lines, the first line 4: text saved "
        "in another encoding? "
        "(hint: mend the lines and save the file as UTF-8, or pass the encoding it is all in "
        "with --encoding)",
    )]  # fmt: skip
    assert graph.status().nodes.get("Material", 0) == 0


def test_a_short_gbk_file_with_a_rare_name_character_is_read_as_chinese(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """喆 is outside GB2312 (a GBK given-name character): one in a short file is still Chinese."""
    path = _write(tmp_path / "in", "operators.csv", "operator_id,name\nOP1,李喆\n", "gbk")
    code, _summary, _ = _import(runner, str(path))
    assert code == 0
    assert _one_name(graph, "MATCH (o:Operator) RETURN o.name AS name") == "李喆"


def test_formulas_and_long_values_are_plain_text(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    long_text = "x" * 10_240
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "materials.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerows([["material_id", "name", "note"],
                     ["M1", '=HYPERLINK("http://x","y")', long_text],
                     ["M2", "+cmd|' /C calc'!A0", "@SUM(1)"]])  # fmt: skip
    code, _, _ = _import(runner, str(folder))
    assert code == 0
    rows, _, _ = graph.driver.execute_query(
        "MATCH (m:Material) RETURN m.name AS name, m.note AS note ORDER BY m.material_id",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in rows] == [
        ('=HYPERLINK("http://x","y")', long_text), ("+cmd|' /C calc'!A0", "@SUM(1)"),
    ]  # fmt: skip


def test_an_indexed_text_too_long_for_the_index_is_a_rejected_row(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A step's operation of 9,000 characters (the schema indexes it): Neo4j's range index
    refused the key and the whole batch, and the import stopped there on every run while the
    dry run said it was clean. One rejected row; the others written."""
    long_text = "é" * 4_001  # 8,002 bytes in UTF-8 (4,001 characters)
    _write(tmp_path / "in", "steps.csv",
           f"step_id,operation,started_at\nS1,{long_text},2026-11-03T08:00:00Z\n"
           f"S2,mix,2026-11-03T09:00:00Z\nS3,{'x' * 8_000},2026-11-03T10:00:00Z\n")  # fmt: skip
    _write(
        tmp_path / "in",
        "shipments.csv",
        f"shipment_id,customer_id,shipped_at,reference_doc\n"
        f"SH1,C1,2026-11-04T08:00:00Z,{'D' * 9_000}\n",
    )
    folder = str(tmp_path / "in")
    dry = runner.invoke(app, ["import", folder, "--dry-run", "--format", "json"])
    code, summary, rejects = _import(runner, folder)
    assert code == 1 == dry.exit_code
    assert sorted((r["line"], r["column"], r["reason"]) for r in rejects) == [
        ("2", "operation", "8,002 bytes: the schema indexes operation, which holds at most "
         "8,000 (UTF-8)"),
        ("2", "reference_doc", "9,000 bytes: the schema indexes reference_doc, which holds at "
         "most 8,000 (UTF-8)"),
    ]  # fmt: skip
    assert summary["tables"]["steps"]["written"] == 2
    assert graph.status().nodes["ProcessStep"] == 2


def test_an_imports_own_files_and_a_file_named_twice_are_not_read_as_tables(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Run in the export folder, an import leaves rejects-RUN.csv there, and the next run read
    it as a table ("unknown table", exit 1); a file named twice (itself and its folder) was
    read, counted and written twice; --rejects naming an export wrote over it."""
    folder = tmp_path / "export"
    lots = _write(folder, "lots.csv", "lot_id,material_id,quantity\nL1,M1,5\nL2,M1,-1\n")
    monkeypatch.chdir(folder)
    code, summary, _ = _import(runner, ".")
    assert code == 1 and Path(summary["reject_file"]).parent == folder
    (folder / "removed-20261205T232025Z-d02e06.csv").write_text("table,key\nlots,L9\n")
    again = runner.invoke(app, ["import", ".", str(lots), "--force", "--format", "json"])
    assert again.exit_code == 1, again.stderr
    tables = json.loads(again.stdout)["tables"]
    assert list(tables) == ["lots"]
    assert (tables["lots"]["read"], tables["lots"]["written"]) == (2, 1)
    assert (f"skipped 2 files an import wrote in . (reject and removal lists): "
            f"{Path(summary['reject_file']).name}, removed-20261205T232025Z-d02e06.csv") in (
        json.loads(again.stdout)["notes"]
    )  # fmt: skip
    kept = lots.read_text()
    refused = runner.invoke(app, ["import", str(folder), "--rejects", str(lots)])
    assert refused.exit_code == 2
    assert f"the reject file {lots} is one of the files to import" in refused.stderr
    assert lots.read_text() == kept
    refused = runner.invoke(app, ["import", str(folder), "--rejects", str(tmp_path)])
    assert refused.exit_code == 2
    assert f"the reject file {tmp_path} is a folder" in refused.stderr


def test_an_extra_column_of_digits_e_digits_stays_text(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """2E5 and 12E3 are batch and part codes as often as numbers: 12E3 was stored as 12000.0.
    Decimals are still numbers (a parameter compared in a query), and so are exponents with a
    point or a sign (Excel's and pandas' 1E-05, a spreadsheet cell's 2.5E+4)."""
    _write(tmp_path / "in", "materials.csv",
           "material_id,code,temp\nM1,12E3,182.5\nM2,2e5,-18\nM3,1.5E-3,1E-05\n")  # fmt: skip
    code, _, _ = _import(runner, str(tmp_path / "in"))
    assert code == 0
    rows, _, _ = graph.driver.execute_query(
        "MATCH (m:Material) RETURN m.code AS code, m.temp AS temp ORDER BY m.material_id",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in rows] == [("12E3", 182.5), ("2e5", -18), (0.0015, 1e-05)]


def test_an_identifier_with_a_control_character_is_rejected(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A lot id with a line break (a quoted cell over two lines) or a tab was written: a lot
    no one can type, and a trace's CSV line broken in two."""
    _write(tmp_path / "in", "lots.csv",
           'lot_id,material_id\nL1,M1\n"L\n2",M1\nL\t3,M1\n')  # fmt: skip
    code, summary, rejects = _import(runner, str(tmp_path / "in"))
    assert code == 1
    assert [(r["line"], r["column"], r["reason"]) for r in rejects] == [
        ("3", "lot_id", "an identifier with a control character in it (a line break, a tab)"),
        ("5", "lot_id", "an identifier with a control character in it (a line break, a tab)"),
    ]
    assert summary["tables"]["lots"]["written"] == 1


def test_empty_and_unknown_files(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A file without even a header line (0 bytes, a BOM alone, blank lines; a workbook's
    empty sheet) is what a nightly export that died leaves: it passed as a clean import of an
    empty table. It cannot be read, as an unreadable file: rejected whole, on line 0. A header
    with no row under it is an empty table, read clean."""
    import openpyxl

    folder = tmp_path / "in"
    _write(folder, "materials.csv", "")
    (folder / "suppliers.csv").write_bytes(b"\xef\xbb\xbf")
    _write(folder, "customers.csv", " \r\n\n")
    _write(folder, "locations.csv", "location_id,name\n")
    book = openpyxl.Workbook()
    book.save(folder / "devices.xlsx")
    _write(folder, "widgets.csv", "a,b\n1,2\n")
    _write(folder, "readme.txt", "not a table")
    code, summary, rejects = _import(runner, str(folder))
    assert code == 1
    hint = (" (hint: export the table again; a table with no rows tonight is its header line "
            "and nothing under it)")  # fmt: skip
    assert sorted((r["file"], r["line"], r["reason"]) for r in rejects) == [
        (str(folder / "customers.csv"), "0", f"{folder / 'customers.csv'}: the file is empty: no "
         "header line; an export that died?" + hint),
        (str(folder / "devices.xlsx"), "0", f"{folder / 'devices.xlsx'}: sheet 'Sheet' is empty: "
         "no header row; an export that died?" + hint),
        (str(folder / "materials.csv"), "0", f"{folder / 'materials.csv'}: the file is empty: no "
         "header line; an export that died?" + hint),
        (str(folder / "suppliers.csv"), "0", f"{folder / 'suppliers.csv'}: the file is empty: no "
         "header line; an export that died?" + hint),
        (str(folder / "widgets.csv"), "2", "unknown table 'widgets' (known: materials, "
         "suppliers, customers, locations, devices, operators, lots, steps, step_inputs, "
         "step_outputs, inspections, shipments, shipment_lines, device_events, lot_identifiers)"),
    ]  # fmt: skip
    for table in ("materials", "suppliers", "customers", "devices"):
        assert summary["tables"][table]["rejected"] == 1
    assert summary["tables"]["locations"] == {**summary["tables"]["locations"], "read": 0,
                                              "rejected": 0}  # fmt: skip
    assert summary["notes"] == [f"skipped {folder / 'readme.txt'}: not a table file "
                                "(.csv, .xlsx, .parquet)"]  # fmt: skip


def test_a_table_file_in_a_form_not_read_is_an_unread_file_not_a_note(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The ERP wrote tonight's lots as lots.xls (or packed them): a note said it was skipped,
    and the run ended clean (exit 0) while the table went stale."""
    folder = tmp_path / "in"
    _write(folder, "materials.csv", "material_id,name\nM1,Flour\n")
    (folder / "lots.xls").write_bytes(b"\xd0\xcf\x11\xe0 an old Excel workbook")
    (folder / "Shipments.csv.gz").write_bytes(b"\x1f\x8b packed")
    for copy in ("materials.csv.bak", "materials.csv.1", "materials.csv~", "steps.pdf"):
        (folder / copy).write_text("an operator's copy, a rotated log, a report")
    code, summary, rejects = _import(runner, str(folder))
    assert code == 1
    hint = " (hint: tables are .csv, .xlsx, .parquet files: save it as one, or unpack it)"
    assert [(r["file"], r["line"], r["reason"]) for r in rejects] == [
        (str(folder / "lots.xls"), "0", f"{folder / 'lots.xls'}: a .xls file, which tracegraph "
         "does not read" + hint),
        (str(folder / "Shipments.csv.gz"), "0", f"{folder / 'Shipments.csv.gz'}: a .csv.gz file, "
         "which tracegraph does not read" + hint),
    ]  # fmt: skip
    assert summary["tables"]["materials"]["written"] == 1
    # copies and rotations beside tonight's file are not tables: skipped with a note, as before
    assert sorted(n.split(":")[0] for n in summary["notes"] if n.startswith("skipped")) == [
        f"skipped {folder / name}" for name in
        ("materials.csv.1", "materials.csv.bak", "materials.csv~", "steps.pdf")
    ]  # fmt: skip


def test_a_column_named_twice_rejects_every_row(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Which `name` is the material's? Not guessed; nameless columns are no concern."""
    folder = tmp_path / "in"
    _write(
        folder,
        "materials.csv",
        "material_id,name,,uom,name,\nM1,Flour,,kg,Mehl,\nM2,Salt,x,kg,Salz,\n",
    )
    code, summary, rejects = _import(runner, str(folder))
    assert code == 1
    assert summary["tables"]["materials"] == {**summary["tables"]["materials"], "rejected": 2}
    assert [(r["line"], r["column"], r["reason"]) for r in rejects] == [
        (line, "name", "column 'name' appears twice in the header") for line in ("2", "3")
    ]


def test_references_to_unknown_lots_become_stubs_and_unknown_steps_are_rejected(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _write(folder, "steps.csv", "step_id,operation,started_at,oven_temp_c\n"
                                "S1,bake,2026-11-02T06:00:00Z,182.5\n")  # fmt: skip
    _write(folder, "step_inputs.csv", "step_id,lot_id,quantity,uom\nS1,OLD-9,1,kg\nS9,OLD-9,1,kg\n")
    code, summary, rejects = _import(runner, str(folder))
    assert code == 1
    assert summary["stubs_created"] == 1
    assert [(r["line"], r["column"], r["value"]) for r in rejects] == [("3", "step_id", "S9")]
    # named, as new devices are, in the summary and in the ledger (it was a count alone)
    stub_note = (
        "1 lot named by steps, inspections, shipments or lot identifiers but given no row of its "
        f"own was created as a stub (origin unknown): OLD-9 ({STUB_ADVICE})"
    )
    assert summary["notes"] == [stub_note] and summary["stub_lots"] == ["OLD-9"]
    assert summary["stubs_left"] == 1
    run = import_run(graph, summary["run_id"])
    assert (run["notes"], run["stub_lots"], run["stubs_created"]) == ([stub_note], ["OLD-9"], 1)
    assert run["stubs_left"] == 1
    shown = runner.invoke(app, ["import", str(folder), "--force"])
    assert "created as stubs (origin_known = false)" not in shown.stdout  # nothing new: no note
    assert "stub" not in shown.stdout
    stub, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'OLD-9'})-[:INPUT_TO]->(s:ProcessStep) "
        "RETURN l.origin_known AS known, s.oven_temp_c AS temp",
        database_=graph.database,
    )
    assert stub[0].data() == {"known": False, "temp": 182.5}
    traced = runner.invoke(app, ["trace", "forward", "OLD-9"])
    assert "OLD-9 · origin unknown" in traced.stdout and "None" not in traced.stdout
    # The lot's own row comes the next night: one stub completed, none created (it was -1).
    _write(tmp_path / "next", "lots.csv", f"{LOTS_HEADER}OLD-9,M1,5,kg,2026-11-01T06:00:00Z,,,\n")
    _, later, _ = _import(runner, str(tmp_path / "next"))
    assert later["stubs_created"] == 0
    assert graph.read("import/stub_lot_ids")[0]["ids"] == []


def test_a_stub_made_and_gone_in_one_run_is_not_reported(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Two nights' inspections in one run, the second correcting the first's lot id: the typo's
    stub lot is made, then deleted as nothing refers to it. The run said "1 lot(s) referenced
    before their own record were created as stubs" though no stub was left to name."""
    _write(tmp_path / "lots", "lots.csv", f"{LOTS_HEADER}L1,M1,5,kg,2026-11-01T06:00Z,,,\n")
    assert runner.invoke(app, ["import", str(tmp_path / "lots")]).exit_code == 0
    header = "inspection_id,lot_id,test,result,inspected_at\n"
    typo = _write(
        tmp_path / "d1", "inspections.csv", header + "I1,L-1,seal,pass,2026-11-03T10:00Z\n"
    )
    fixed = _write(
        tmp_path / "d2", "inspections.csv", header + "I1,L1,seal,pass,2026-11-03T10:00Z\n"
    )
    result = runner.invoke(app, ["import", str(typo), str(fixed)])
    assert result.exit_code == 0, result.stderr
    assert "created as stubs" not in result.stdout and "created as a stub" not in result.stdout
    assert (
        "note: deleted 1 stub lot known only from references that no row refers to any more: "
        "L-1 (a corrected reference left it; a clean import has none)"
    ) in " ".join(result.stdout.split())
    assert graph.read("import/stub_lot_ids")[0]["ids"] == []
    # the stub was made (the ledger and the JSON count it, as before), and is gone: none named,
    # none left (stubs_left: the count of stubs the run leaves, stubs_created said 1)
    run = import_runs(graph, limit=1)[0]
    assert (run["stubs_created"], run["stub_lots"], run["stubs_left"]) == (1, [], 0)
    again = runner.invoke(app, ["import", str(typo), str(fixed), "--force", "--format", "json"])
    assert (json.loads(again.stdout)["stubs_created"], json.loads(again.stdout)["stubs_left"]) == (
        1, 0
    )  # fmt: skip
    listed = runner.invoke(app, ["imports", "--format", "csv"])
    assert listed.stdout.splitlines()[0].endswith(
        ",reject_file,stubs_left,rows_removed,source,mapping,mapping_sha256,exit_code,outcome"
        ",full,all_unchanged"
    )
    # no --full: no removed count; no mapping; done, clean; not --full, not all unchanged
    assert listed.stdout.splitlines()[1].endswith(",0,,canonical,,,0,clean,false,false")


def test_a_lot_named_before_its_row_in_one_run_is_no_stub(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A run whose first folder's inspection names L5 and whose second folder has L5's lots
    row: every lots row is written before any row that names a lot, whatever the folders'
    order, so no stub is made (and none completed) — stubs_created and stubs_left say 0."""
    header = "inspection_id,lot_id,test,result,inspected_at\n"
    first = _write(
        tmp_path / "a", "inspections.csv", header + "I1,L5,seal,pass,2026-11-03T10:00Z\n"
    )
    second = _write(tmp_path / "b", "lots.csv", f"{LOTS_HEADER}L5,M1,5,kg,2026-11-01T06:00Z,,,\n")
    code, summary, _ = _import(runner, str(first), str(second))
    assert code == 0
    assert (summary["stubs_created"], summary["stubs_left"], summary["stub_lots"]) == (0, 0, [])
    run = import_runs(graph, limit=1)[0]
    assert (run["stubs_created"], run["stubs_left"]) == (0, 0)
    assert graph.read("import/stub_lot_ids")[0]["ids"] == []


def test_master_data_made_from_references_alone_is_named_in_the_notes(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A typo in a step's device makes a device no row describes: named, so it is found."""
    folder = tmp_path / "in"
    _write(folder, "devices.csv", "device_id,name\nOVEN-9,Oven 9\n")
    _write(folder, "steps.csv", "step_id,operation,started_at,device_id\n"
                                "S1,bake,2026-11-02T06:00:00Z,OVEN-9\n"
                                "S2,bake,2026-11-02T07:00:00Z,OVEN-99\n")  # fmt: skip
    code, summary, _ = _import(runner, str(folder))
    assert code == 0
    assert summary["notes"] == [
        "1 device named by references but given no row of its own was created: OVEN-99 "
        "(a typo in a reference makes one)"
    ]
    # Named once: the next import that names it again does not repeat it.
    _write(tmp_path / "next", "steps.csv", "step_id,operation,started_at,device_id\n"
                                           "S3,bake,2026-11-03T07:00:00Z,OVEN-99\n")  # fmt: skip
    assert _import(runner, str(tmp_path / "next"))[1]["notes"] == []


def test_a_link_repeated_by_a_second_file_of_the_same_run_is_not_doubled(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Links to a step this run created skip the look-up of existing links — until the first
    file of that link table is written: a second one must find (and update) what it made."""
    _write(tmp_path / "a", "steps.csv", "step_id,operation,started_at\nS1,mix,2026-11-02T06:00Z\n")
    _write(tmp_path / "a", "step_inputs.csv", "step_id,lot_id,quantity,uom\nS1,L1,1,kg\n")
    _write(tmp_path / "b", "step_inputs.csv",
           "step_id,lot_id,quantity,uom\nS1,L1,2,kg\nS1,L2,1,kg\n")  # fmt: skip
    code, summary, _ = _import(runner, str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 0
    assert summary["tables"]["step_inputs"]["changed"] == 3
    links, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot)-[r:INPUT_TO]->(:ProcessStep {step_id: 'S1'}) "
        "RETURN l.lot_id AS lot, r.quantity AS q ORDER BY lot",
        database_=graph.database,
    )
    assert [r.data() for r in links] == [{"lot": "L1", "q": 2.0}, {"lot": "L2", "q": 1.0}]


def test_extra_columns_of_link_tables_are_kept_on_the_links(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Extra columns of step_inputs, step_outputs and shipment_lines become properties of the
    link; a changed value replaces its own, an unchanged row is kept, and a file without the
    column keeps what the link holds, as a node's row does (it cleared it: a night without
    the scale_ticket column wiped every ticket); an empty cell of the column clears it."""
    folder = tmp_path / "in"
    _write(folder, "steps.csv", "step_id,operation,started_at\nS1,mix,2026-11-02T06:00Z\n")
    _write(folder, "shipments.csv", "shipment_id,customer_id,shipped_at\nSH1,C1,2026-11-03\n")
    _write(folder, "step_inputs.csv", "step_id,lot_id,quantity,uom,scale_ticket\n"
                                      "S1,L1,1,kg,T-0042\nS1,L2,2,kg,\n")  # fmt: skip
    _write(folder, "step_outputs.csv", "step_id,lot_id,quantity,uom,bin\nS1,L3,3,kg,007\n")
    _write(folder, "shipment_lines.csv", "shipment_id,lot_id,quantity,uom,pallet\n"
                                         "SH1,L3,3,kg,P-1\n")  # fmt: skip
    query = (
        "MATCH (a)-[r:INPUT_TO|PRODUCED|SHIPPED]->(b) "
        "RETURN type(r) AS type, coalesce(a.lot_id, a.step_id) AS a, "
        "[k IN keys(r) WHERE NOT k IN ['_row_sha', '_sources'] | [k, r[k]]] AS props "
        "ORDER BY type, a"
    )

    def links() -> list[dict[str, Any]]:
        rows, _, _ = graph.driver.execute_query(query, database_=graph.database)
        return [{**r.data(), "props": sorted(map(tuple, r["props"]))} for r in rows]

    assert _import(runner, str(folder))[0] == 0
    assert links() == [
        {"type": "INPUT_TO", "a": "L1",
         "props": [("quantity", 1.0), ("scale_ticket", "T-0042"), ("uom", "kg")]},
        {"type": "INPUT_TO", "a": "L2", "props": [("quantity", 2.0), ("uom", "kg")]},
        {"type": "PRODUCED", "a": "S1",
         "props": [("bin", "007"), ("quantity", 3.0), ("uom", "kg")]},
        {"type": "SHIPPED", "a": "L3",
         "props": [("pallet", "P-1"), ("quantity", 3.0), ("uom", "kg")]},
    ]  # fmt: skip
    before = links()
    forced = runner.invoke(app, ["import", str(folder), "--force", "--format", "json"])
    assert sum(t["changed"] for t in json.loads(forced.stdout)["tables"].values()) == 0
    assert links() == before

    _write(folder, "step_inputs.csv", "step_id,lot_id,quantity,uom\nS1,L1,1,kg\nS1,L2,2,kg\n")
    _write(folder, "shipment_lines.csv", "shipment_id,lot_id,quantity,uom,pallet\n"
                                         "SH1,L3,3,kg,P-2\n")  # fmt: skip
    code, changed, _ = _import(runner, str(folder))
    assert code == 0
    assert changed["tables"]["step_inputs"]["changed"] == 0
    assert changed["tables"]["shipment_lines"]["changed"] == 1
    assert links() == [
        before[0], before[1], before[2],
        {"type": "SHIPPED", "a": "L3",
         "props": [("pallet", "P-2"), ("quantity", 3.0), ("uom", "kg")]},
    ]  # fmt: skip
    _write(folder, "step_inputs.csv", "step_id,lot_id,quantity,uom,scale_ticket\n"
                                      "S1,L1,1,kg,\nS1,L2,2,kg,\n")  # fmt: skip
    code, changed, _ = _import(runner, str(folder))
    assert (code, changed["tables"]["step_inputs"]["changed"]) == (0, 1)
    assert links()[0] == {"type": "INPUT_TO", "a": "L1", "props": [("quantity", 1.0),
                                                                  ("uom", "kg")]}  # fmt: skip


def test_a_night_whose_every_file_is_unchanged_says_nothing_was_imported(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An ERP night sent again (every file unchanged, all skipped) ended like any good night:
    "0 rows read = 0 written + 0 rejected", exit 0 (clean), and the day's data went missing
    unnoticed. A note names the files, the run that imported them and when; the log's last
    line and the JSON (`all_unchanged`) say it; the exit code stays 0 (nothing failed)."""
    folder = tmp_path / "in"
    _write(folder, "materials.csv", MATERIALS)
    _write(folder, "lots.csv", LOTS_HEADER + "L1,M1,5,kg,2026-11-01,released,V7,000456\n")
    first = _import(runner, str(folder))[1]
    assert first["all_unchanged"] is False
    started = iso_seconds(import_run(graph, first["run_id"])["started_at"])
    result = runner.invoke(app, ["import", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    again = json.loads(result.stdout)
    assert again["all_unchanged"] is True
    note = (
        "nothing imported: every file had the content of the last file of its name imported, "
        f"as the run that imported it (materials.csv, lots.csv: run {first['run_id']}, started "
        f"{started}). Is the "
        "exporter sending yesterday's files? Check tonight's export; `--force` reads them again"
    )
    assert again["notes"] == [note]
    assert import_run(graph, again["run_id"])["notes"] == [note]
    assert note in " ".join(result.stderr.split())  # the nightly log (stderr) too
    last = result.stderr.splitlines()[-1].split(" ", 2)[2]
    meaning = "exit 0 (clean, nothing imported: every file unchanged)"
    assert last.startswith(f"import {again['run_id']} ended, {meaning}")
    # a third night the same: the run that imported the content is the first night's, not the
    # second's, which skipped it too (it named the second: the exporter stuck for a week read
    # as yesterday's files)
    shown = " ".join(runner.invoke(app, ["import", str(folder)]).stdout.split())
    assert "note: nothing imported: every file had the content of the last file" in shown
    assert f"lots.csv: run {first['run_id']}, started {started})" in shown
    _write(folder, "lots.csv", LOTS_HEADER + "L1,M1,6,kg,2026-11-01,released,V7,000456\n")
    one_new = _import(runner, str(folder))[1]
    assert one_new["all_unchanged"] is False
    assert not any(n.startswith("nothing imported") for n in one_new["notes"])
    assert list(one_new["unchanged_files"]) == [str(folder / "materials.csv")]
    # a --full night the same, another source's import since: every file is read and compared,
    # and when that changes and removes nothing, it is said with what the run did (it said
    # "nothing imported" and to --force the files it had read and compared)
    dumped = _import(runner, str(folder), "--full")[1]  # the files' first --full import
    assert dumped["all_unchanged"] is False  # other settings: read, and nothing changed
    other = tmp_path / "qc"
    _write(other, "lots.csv", "lot_id,material_id,status\nL1,M1,released\n")
    assert _import(runner, str(other), "--source", "qc")[0] == 0
    result = runner.invoke(app, ["import", str(folder), "--full", "--format", "json"])
    full = json.loads(result.stdout)
    assert full["all_unchanged"] is True and full["read"] == dumped["read"] > 0
    last = result.stderr.splitlines()[-1].split(" ", 2)[2]
    meaning = "exit 0 (clean, every file unchanged: read and compared, nothing to remove)"
    assert last.startswith(f"import {full['run_id']} ended, {meaning}"), last
    assert not any(n.startswith("nothing imported") for n in full["notes"])
    said = [n for n in full["notes"] if n.startswith("--full: every file had the content")]
    assert len(said) == 1 and dumped["run_id"] in said[0], full["notes"]
    assert said[0].endswith(
        f"; read and compared all the same, as an import ran since: {full['read']:,} rows, none "
        "changed, nothing to remove. Is the exporter sending yesterday's files? Check tonight's "
        "export"
    )


def test_a_run_before_the_ledger_kept_all_unchanged_is_inferred_from_what_it_read(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A run before the ledger kept `all_unchanged` counts as all unchanged when it read no
    file and skipped some; one that read a header-only file beside them was listed `done,
    unchanged` (review of nightlog: it imported that file)."""
    folder = tmp_path / "in"
    _write(folder, "materials.csv", MATERIALS)
    _import(runner, str(folder))
    again = _import(runner, str(folder))[1]
    _write(folder, "steps.csv", "step_id,operation,started_at\n")
    header_only = _import(runner, str(folder))[1]
    assert (again["all_unchanged"], header_only["all_unchanged"]) == (True, False)
    for run_id in (again["run_id"], header_only["run_id"]):
        graph.driver.execute_query("MATCH (r:ImportRun {run_id: $id}) REMOVE r.all_unchanged",
                                   id=run_id, database_=graph.database)  # fmt: skip
    assert import_run(graph, again["run_id"])["all_unchanged"] is True
    assert import_run(graph, header_only["run_id"])["all_unchanged"] is False


def test_a_dry_run_of_a_night_the_import_would_skip_says_nothing_would_be_imported(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The dry run of a night sent again (every file as last imported) never said what the
    import would: no note, `all_unchanged` false. Asked the ledger (its server answers), it
    says so as the import does, the files read all the same; one file new, or --force, not."""
    folder = tmp_path / "in"
    _write(folder, "materials.csv", MATERIALS)
    _write(folder, "lots.csv", LOTS_HEADER + "L1,M1,5,kg,2026-11-01,released,V7,000456\n")
    first = _import(runner, str(folder))[1]
    started = iso_seconds(import_run(graph, first["run_id"])["started_at"])
    dry = _import(runner, str(folder), "--dry-run")[1]
    assert (dry["all_unchanged"], dry["read"]) == (True, first["read"])
    # the import's note and unchanged files, said of an import to come: the dry run's counts
    # (the rows it checked) sat beside "nothing imported", its unchanged_files empty
    would = "the import would import nothing (the counts are of the rows checked all the same)"
    (note,) = [n for n in dry["notes"] if n.startswith(would)]
    skipped = _import(runner, str(folder))[1]
    assert note == skipped["notes"][0].replace("nothing imported", would, 1)
    assert dry["unchanged_files"] == skipped["unchanged_files"] != {}
    assert f"materials.csv, lots.csv: run {first['run_id']}, started {started})" in note
    forced = _import(runner, str(folder), "--dry-run", "--force")[1]
    assert forced["all_unchanged"] is False and note not in forced["notes"]
    # --full: the import reads the files when they were never imported so (other settings)
    assert _import(runner, str(folder), "--dry-run", "--full")[1]["all_unchanged"] is False
    assert _import(runner, str(folder), "--full")[0] == 0
    dumped = _import(runner, str(folder), "--dry-run", "--full")[1]
    assert dumped["all_unchanged"] is True
    assert dumped["unchanged_files"] == {}  # as the --full import's: it reads every file
    _write(folder, "lots.csv", LOTS_HEADER + "L1,M1,6,kg,2026-11-01,released,V7,000456\n")
    assert _import(runner, str(folder), "--dry-run")[1]["all_unchanged"] is False


def test_a_dry_run_whose_ledger_look_up_fails_validates_all_the_same(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The ledger's look-up of a dry run without --full is optional, but a read of it that
    failed (the server answered the connection, then not the look-up) failed the whole dry
    run: exit 2, "stopped part-way … whole batches were written", no summary, no reject file.
    It falls back to the note that whether the files are unchanged is not known. The read
    fails for real: the server has no database of that name."""
    folder = tmp_path / "in"
    _write(folder, "materials.csv", MATERIALS)
    _write(folder, "lots.csv", LOTS_HEADER + "L1,M1,5,kg,2026-11-01,released,V7,000456\nL2\n")
    assert import_paths(graph, [folder]).tables["lots"].written == 1
    absent = TraceGraph(graph.driver, database="absent")
    dry = check_paths([folder], ledger=lambda: absent)
    assert (dry.all_unchanged, dry.tables["lots"].written, dry.rejected) == (False, 1, 1)
    assert dry.reject_file is not None and dry.reject_file.exists()
    (unknown,) = [note for note in dry.notes if "is not known" in note]
    assert unknown.startswith("the ledger could not be read (") and "absent" in unknown, unknown


def test_reimport_is_a_no_op_and_a_changed_row_replaces_its_edges(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _write(folder, "materials.csv", MATERIALS)
    _write(folder, "lots.csv", LOTS_HEADER + "L1,M1,5,kg,2026-11-01,released,V7,000456\n")
    assert _import(runner, str(folder))[0] == 0
    before = _graph_dump(graph)
    code, again, _ = _import(runner, str(folder))
    assert code == 0
    assert sorted(again["unchanged_files"]) == [str(folder / "lots.csv"),
                                               str(folder / "materials.csv")]  # fmt: skip
    assert _graph_dump(graph) == before
    # the ledger says why the night read nothing: `imports RUN` said "0 rows read" alone
    first_run = next(iter(again["unchanged_files"].values()))
    listed = runner.invoke(app, ["imports", again["run_id"], "--format", "json"])
    assert json.loads(listed.stdout)["unchanged_files"] == again["unchanged_files"]
    shown = runner.invoke(app, ["imports", again["run_id"]], terminal_width=200)
    assert "Skipped as unchanged: 2 files, the content an earlier run imported: " in shown.stdout
    assert f"lots.csv (as {first_run})" in shown.stdout
    assert f"materials.csv (as {first_run})" in shown.stdout
    forced = runner.invoke(app, ["import", str(folder), "--force", "--format", "json"])
    assert json.loads(forced.stdout)["tables"]["lots"]["changed"] == 0
    assert _graph_dump(graph) == before

    _write(folder, "lots.csv", LOTS_HEADER + "L1,SALT,5,kg,2026-11-01,hold,V8,000456\n")
    code, changed, _ = _import(runner, str(folder))
    assert changed["tables"]["lots"]["changed"] == 1
    lot_and_edges = (
        "MATCH (l:Lot {lot_id: 'L1'})-[:OF]->(m) "
        "RETURN m.material_id AS m, l.material_id AS lm, l.status AS s, l.supplier_id AS ls, "
        "[(l)-[:SUPPLIED_BY]->(v) | v.supplier_id] AS v"
    )
    rows, _, _ = graph.driver.execute_query(lot_and_edges, database_=graph.database)
    assert [r.data() for r in rows] == [
        {"m": "SALT", "lm": "SALT", "s": "hold", "ls": "V8", "v": ["V8"]}
    ]
    # the old identity goes with it (it stayed, unlinked: not in a clean import's graph)
    identities, _, _ = graph.driver.execute_query(
        "MATCH (i:Identifier) RETURN i.key AS key", database_=graph.database
    )
    assert [r["key"] for r in identities] == ["supplier_lot|V8|000456"]
    # the supplier dropped: edge and copy both go
    _write(folder, "lots.csv", LOTS_HEADER + "L1,SALT,5,kg,2026-11-01,hold,,\n")
    assert _import(runner, str(folder))[1]["tables"]["lots"]["changed"] == 1
    rows, _, _ = graph.driver.execute_query(lot_and_edges, database_=graph.database)
    assert [r.data() for r in rows] == [
        {"m": "SALT", "lm": "SALT", "s": "hold", "ls": None, "v": []}
    ]
    # The dump back to the bytes of an earlier night (the hold lifted, the supplier back):
    # it was skipped as "imported before", and the graph kept the hold.
    _write(folder, "lots.csv", LOTS_HEADER + "L1,SALT,5,kg,2026-11-01,hold,V8,000456\n")
    code, reverted, _ = _import(runner, str(folder))
    assert str(folder / "lots.csv") not in reverted["unchanged_files"]
    assert reverted["tables"]["lots"]["changed"] == 1
    rows, _, _ = graph.driver.execute_query(lot_and_edges, database_=graph.database)
    assert [r.data() for r in rows] == [
        {"m": "SALT", "lm": "SALT", "s": "hold", "ls": "V8", "v": ["V8"]}
    ]
    # ...and the same dump again, with no change since, is skipped
    assert str(folder / "lots.csv") in _import(runner, str(folder))[1]["unchanged_files"]


def test_a_file_without_a_column_leaves_that_column_as_the_graph_has_it(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A status update `lot_id,material_id,status` cleared the lot's quantity, supplier, supplier
    lot and received time, silently but for the ledger; a steps file without a parameter column
    cleared the parameter. A column the file has, left empty, still clears its value."""
    full = tmp_path / "full"
    _write(full, "lots.csv", "lot_id,material_id,quantity,uom,status,supplier_id,supplier_lot,"
                             "received_at,grade\n"
                             "L1,M1,5,kg,released,V7,000456,2026-11-01T06:00Z,A\n"
                             "L2,M1,3,kg,released,V7,000457,2026-11-01T06:00Z,B\n"
                             "L3,M1,2,kg,released,,000458,,C\n")  # fmt: skip
    # a device whose longest step the steps raise (not a column: no change when re-imported)
    _write(full, "devices.csv", "device_id,name\nOVEN-1,Oven 1\n")
    _write(full, "steps.csv", "step_id,operation,started_at,ended_at,device_id,oven_c\n"
                              "S1,bake,2026-11-02T06:00Z,2026-11-02T07:00Z,OVEN-1,182.5\n"
                              )  # fmt: skip
    assert _import(runner, str(full))[0] == 0
    before = _graph_dump(graph)

    held = tmp_path / "held"
    _write(held, "lots.csv", "lot_id,material_id,status\nL1,M1,hold\nL2,M1,released\n"
                             "L3,M1,released\n")  # fmt: skip
    _write(held, "steps.csv", "step_id,operation,started_at\nS1,bake,2026-11-02T06:00Z\n")
    code, summary, _ = _import(runner, str(held))
    assert code == 0
    assert {t: c["updated"] for t, c in summary["tables"].items()} == {"lots": 1, "steps": 0}
    run = json.loads(runner.invoke(app, ["imports", summary["run_id"], "--format", "json"]).stdout)
    assert [(c["key"], c["columns"]) for c in run["changes"]] == [
        ("L1", [{"column": "status", "before": "released", "after": "hold"}])
    ]
    assert len(_graph_dump(graph)) == len(before)  # no node or edge lost
    kept, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'L1'})-[r:SUPPLIED_BY]->(v) MATCH (s:ProcessStep)-[:ON]->(d) "
        "RETURN l.status AS status, l.quantity AS q, l.grade AS grade, v.supplier_id AS v, "
        "r.supplier_lot AS lot, toString(r.received_at) AS received, s.oven_c AS oven, "
        "d.device_id AS device, [(l)<-[:IDENTIFIES]-(i) | i.value] AS aliases",
        database_=graph.database,
    )
    assert kept[0].data() == {
        "status": "hold", "q": 5.0, "grade": "A", "v": "V7", "lot": "000456",
        "received": "2026-11-01T06:00:00Z", "oven": 182.5, "device": "OVEN-1",
        "aliases": ["000456"],
    }  # fmt: skip
    # A lot without a supplier keeps its supplier lot on its Identifier only: kept too.
    alias, _, _ = graph.driver.execute_query(
        "MATCH (i:Identifier)-[:IDENTIFIES]->(l:Lot {lot_id: 'L3'}) RETURN i.value AS v",
        database_=graph.database,
    )
    assert [r["v"] for r in alias] == ["000458"]
    # The full file again puts everything back as it was, and then changes nothing.
    forced = runner.invoke(app, ["import", str(full), "--force", "--format", "json"])
    assert json.loads(forced.stdout)["tables"]["lots"]["updated"] == 1
    assert _graph_dump(graph) == before
    again = runner.invoke(app, ["import", str(full), "--force", "--format", "json"])
    assert json.loads(again.stdout)["updated"] == 0
    # A node a killed run wrote without its hash (marked last, see _merge_rows) is completed
    # from what it holds, not cleared by the partial file.
    graph.driver.execute_query("MATCH (l:Lot {lot_id: 'L1'}) REMOVE l._row_sha",
                               database_=graph.database)  # fmt: skip
    _write(held, "lots.csv", "lot_id,material_id,status\nL1,M1,hold\n")
    assert _import(runner, str(held))[1]["stubs_created"] == 0
    rerun, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'L1'}) RETURN l.quantity AS q, l.grade AS g, l.status AS s",
        database_=graph.database,
    )
    assert rerun[0].data() == {"q": 5.0, "g": "A", "s": "hold"}
    # An empty cell in a column the file has clears the value, as before.
    _write(held, "lots.csv", "lot_id,material_id,supplier_id,supplier_lot\nL2,M1,,\n")
    _import(runner, str(held))
    gone, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'L2'}) RETURN l.quantity AS q, l.grade AS g, "
        "[(l)-[:SUPPLIED_BY]->(v) | v.supplier_id] AS v, "
        "[(l)<-[:IDENTIFIES]-(i) | i.value] AS aliases",
        database_=graph.database,
    )
    assert gone[0].data() == {"q": 3.0, "g": "B", "v": [], "aliases": []}


def test_a_row_completed_from_the_graph_hashes_as_the_full_row_does(tmp_path: Path) -> None:
    """keep_unsaid recomputes a row's hash from its parameter map: it must be cypher_row's for
    every table, or a full file imported after a partial one would look changed."""
    from tracegraph.importing.writer import cypher_row, shaped_sha
    from tracegraph.plant import generate_plant

    generate_plant(lots=300, seed=4, out=tmp_path / "plant")
    tables = 0
    for path in sorted((tmp_path / "plant").glob("*.csv")):
        _, rows = validate_lazily(read_table(path), path.stem, ZoneInfo("Europe/Berlin"))
        for row in rows:
            shaped = cypher_row(path.stem, row)
            assert shaped_sha(path.stem, shaped) == shaped["props"]["_row_sha"], (path, row)
        tables += 1
    assert tables == 14


def test_the_ledger_records_every_changed_row_with_its_old_and_new_values(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row that changes what the graph held is recorded on its run: table, key, file, line and,
    per changed column (references kept as edges and link quantities too), the old and the new
    value; new rows, stubs being completed and unchanged rows are not. `tracegraph imports`
    lists the runs and shows one run's changes."""
    folder = tmp_path / "in"
    _write(folder, "materials.csv", MATERIALS)
    _write(
        folder,
        "lots.csv",
        LOTS_HEADER + "L1,M1,5,kg,2026-11-01,released,V7,000456\n"
        "L2,M1,3,kg,2026-11-01,released,V7,000457\n",
    )
    _write(
        folder,
        "steps.csv",
        "step_id,operation,started_at,device_id,oven_c\nS1,bake,2026-11-02T06:00Z,OVEN-1,182.5\n",
    )
    _write(folder, "step_inputs.csv", "step_id,lot_id,quantity,uom\nS1,L1,1,kg\nS1,L9,1,kg\n")
    first = _import(runner, str(folder))[1]
    assert first["updated"] == 0  # all new (L9 a stub, referenced before its own row)

    _write(
        folder,
        "lots.csv",
        LOTS_HEADER + "L1,M1,4.5,kg,2026-11-01T06:00,hold,V8,000456\n"
        "L2,M1,3,kg,2026-11-01,released,V7,000457\n"
        "L9,SALT,2,kg,2026-10-01,released,,\n",
    )
    _write(
        folder,
        "steps.csv",
        "step_id,operation,started_at,device_id,oven_c\nS1,bake,2026-11-02T06:00Z,OVEN-2,190\n",
    )
    _write(folder, "step_inputs.csv", "step_id,lot_id,quantity,uom\nS1,L1,1.5,kg\nS1,L9,1,kg\n")
    code, second, _ = _import(runner, str(folder))
    assert code == 0
    assert second["updated"] == 3  # L1, S1 and the link S1|L1; not L2 (same), not L9 (a stub)
    assert {name: t["updated"] for name, t in second["tables"].items() if t["updated"]} == {
        "lots": 1, "steps": 1, "step_inputs": 1,
    }  # fmt: skip

    shown = runner.invoke(app, ["imports", second["run_id"], "--format", "json"])
    assert shown.exit_code == 0, shown.stderr
    run = json.loads(shown.stdout)
    assert run["rows_updated"] == 3 and run["tables"]["lots"]["updated"] == 1
    changes = {(c["table"], c["key"]): c for c in run["changes"]}
    assert set(changes) == {("lots", "L1"), ("steps", "S1"), ("step_inputs", "S1|L1")}
    assert changes[("lots", "L1")]["file"] == str(folder / "lots.csv")
    assert changes[("lots", "L1")]["line"] == 2
    assert changes[("lots", "L1")]["columns"] == [
        {
            "column": "created_at",
            "before": "2026-11-01T00:00:00+00:00",
            "after": "2026-11-01T06:00:00+00:00",
        },
        {"column": "quantity", "before": "5.0", "after": "4.5"},
        {"column": "status", "before": "released", "after": "hold"},
        {"column": "supplier_id", "before": "V7", "after": "V8"},
    ]
    assert changes[("steps", "S1")]["columns"] == [
        {"column": "device_id", "before": "OVEN-1", "after": "OVEN-2"},
        {"column": "oven_c", "before": "182.5", "after": "190"},
    ]
    assert changes[("step_inputs", "S1|L1")]["columns"] == [
        {"column": "quantity", "before": "1.0", "after": "1.5"},
    ]
    about, _, _ = graph.driver.execute_query(
        "MATCH (:ImportRun {run_id: $run})-[:CHANGED]->(c:RowChange)-[:ABOUT]->(n) "
        "RETURN c.key AS key, coalesce(n.lot_id, n.step_id) AS node ORDER BY key, node",
        run=second["run_id"], database_=graph.database,
    )  # fmt: skip
    assert [tuple(r.values()) for r in about] == [
        ("L1", "L1"), ("S1", "S1"), ("S1|L1", "L1"), ("S1|L1", "S1"),
    ]  # fmt: skip

    # The lot's dossier lists the changes to its own row and to its links, with their import.
    dossier = json.loads(runner.invoke(app, ["lot", "show", "L1", "--format", "json"]).stdout)
    assert [(c["table"], c["key"], c["run_id"]) for c in dossier["changes"]] == [
        ("lots", "L1", second["run_id"]), ("step_inputs", "S1|L1", second["run_id"]),
    ]  # fmt: skip
    assert dossier["changes"][1]["columns"] == changes[("step_inputs", "S1|L1")]["columns"]
    timeline = runner.invoke(app, ["lot", "show", "L1", "--format", "csv"]).stdout
    assert f"changed by import,{second['run_id']},,,step_inputs S1|L1: quantity 1.0 → 1.5" in (
        timeline
    )

    forced = runner.invoke(app, ["import", str(folder), "--force", "--format", "json"])
    assert json.loads(forced.stdout)["updated"] == 0
    listed = runner.invoke(app, ["imports", "--format", "json"])
    runs = json.loads(listed.stdout)["imports"]
    assert [r["rows_updated"] for r in runs] == [0, 3, 0]  # newest first
    assert runs[1]["run_id"] == second["run_id"]
    as_csv = runner.invoke(app, ["imports", second["run_id"], "--format", "csv"])
    assert as_csv.stdout.splitlines()[0] == "table,key,file,line,column,before,after"
    assert len(as_csv.stdout.splitlines()) == 1 + 7  # one row per changed column
    assert second["run_id"] in runner.invoke(app, ["imports"]).stdout
    as_table = runner.invoke(app, ["imports", second["run_id"]])
    assert "released" in as_table.stdout and "OVEN-2" in as_table.stdout
    monkeypatch.setattr("tracegraph.cli.ledger.CHANGES_SHOWN", 5)
    shortened = runner.invoke(app, ["imports", second["run_id"]]).stdout
    assert "… 2 more changed columns (--format csv or json has them all)" in shortened
    unknown = runner.invoke(app, ["imports", "no-such-run"])
    assert unknown.exit_code == 2
    assert "no import run 'no-such-run'" in unknown.stderr and "Traceback" not in unknown.stderr


def test_xlsx_and_parquet_tables(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "in"
    folder.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["material_id", "name", "kind"])
    sheet.append(["000042", "Flour", "raw"])
    sheet.append([7, "Seven", "raw"])  # an id Excel stored as a number
    book.save(folder / "materials.xlsx")
    pq.write_table(pa.table({"supplier_id": ["V7", "007"], "name": ["Mill", "Salt Co"]}),
                   folder / "suppliers.parquet")  # fmt: skip
    code, _summary, _ = _import(runner, str(folder))
    assert code == 0
    ids, _, _ = graph.driver.execute_query(
        "MATCH (n) WHERE n:Material OR n:Supplier "
        "RETURN coalesce(n.material_id, n.supplier_id) AS id ORDER BY id",
        database_=graph.database,
    )
    assert [r["id"] for r in ids] == ["000042", "007", "7", "V7"]


def test_long_numbers_a_spreadsheet_stored_are_not_taken_as_ids(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Excel keeps 15 digits: the 18-digit material 100042000000000017, typed in as a number,
    is stored as 1.00042E+17 and read back as 100042000000000000 — another material."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["material_id", "name"])
    sheet.append([100042000000000017, "Flour"])
    sheet.append([123456789012345, "Fifteen digits"])  # kept exactly
    book.save(tmp_path / "materials.xlsx")
    code, _summary, rejects = _import(runner, str(tmp_path / "materials.xlsx"))
    assert code == 1
    assert [(r["line"], r["column"], r["reason"]) for r in rejects] == [(
        "2", "material_id",
        "an identifier of 16 or more digits stored as a number: spreadsheets keep 15, so its "
        "last digits may be lost (store the column as text and export again)",
    )]  # fmt: skip
    ids, _, _ = graph.driver.execute_query(
        "MATCH (m:Material) RETURN m.material_id AS id", database_=graph.database
    )
    assert [r["id"] for r in ids] == ["123456789012345"]


def test_a_reject_file_that_cannot_be_written_stops_the_import_before_it_starts(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    _write(tmp_path / "in", "materials.csv", MATERIALS)
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "rejects.csv"
    for dry_run in ([], ["--dry-run"]):
        result = runner.invoke(app, ["import", str(tmp_path / "in"), "--rejects", str(target),
                                     *dry_run])  # fmt: skip
        assert result.exit_code == 2, result.stdout
        assert result.stderr.startswith(f"error: cannot write the reject file {target}: ")
        assert result.stderr.rstrip().endswith(
            "(hint: pass --rejects a file in a folder you can write)"
        )
    assert graph.status().total_nodes == 0  # no ledger entry, no lock, nothing imported


def test_an_import_neo4j_refuses_says_a_rerun_stops_there_again(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A statement Neo4j refuses (here a constraint of the user's own; a full dump's removal
    once) is refused again: the hint said a re-run completes the import, and a tester re-ran
    it in circles."""
    constraint = "test_refused_material_name"
    graph.driver.execute_query(
        f"CREATE CONSTRAINT {constraint} IF NOT EXISTS FOR (m:Material) REQUIRE m.name IS UNIQUE",
        database_=graph.database,
    )
    try:
        _write(tmp_path / "in", "materials.csv", "material_id,name\nM1,Salt\nM2,Salt\n")
        result = runner.invoke(app, ["import", str(tmp_path / "in")])
        assert result.exit_code == 2, result.output
        error = next(line for line in result.stderr.splitlines() if line.startswith("error: "))
        assert " stopped part-way: Neo4j refused the request: " in error, error
        assert error.endswith(
            "(hint: error code Neo.ClientError.Schema.ConstraintValidationFailed; running the "
            "same import again is safe (whole batches were written, nothing twice) but is "
            "refused again until what Neo4j names changes)"
        ), error
        assert (
            "(did not complete; Neo4j refused a request, which it refuses again)"
            in (result.stderr.splitlines()[-1])
        ), result.stderr
    finally:
        graph.driver.execute_query(f"DROP CONSTRAINT {constraint}", database_=graph.database)


def test_import_records_a_ledger_entry(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    _write(tmp_path / "in", "materials.csv", MATERIALS)
    _, summary, _ = _import(runner, str(tmp_path / "in"))
    runs, _, _ = graph.driver.execute_query(
        "MATCH (r:ImportRun {run_id: $id}) RETURN r.status AS status, r.rows_read AS read, "
        "r.rows_written AS written, size(r.sha256) AS files, r.host IS NOT NULL AS host",
        id=summary["run_id"], database_=graph.database,
    )  # fmt: skip
    assert runs[0].data() == {"status": "done", "read": 3, "written": 3, "files": 1, "host": True}


def test_readme_import_command(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The README's example, run as written from a folder holding exports/2026-11-23."""
    _write(tmp_path / "exports" / "2026-11-23", "materials.csv", MATERIALS)
    result = runner.invoke(app, ["import", "exports/2026-11-23", "--timezone", "Europe/Berlin"])
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout.splitlines()[0]
        .split(": ", 1)[1]
        .startswith("3 rows read = 3 written + 0 rejected")
    )
    assert graph.status().nodes["Material"] == 3


def test_dry_run_checks_the_files_without_a_server_and_writes_nothing(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The README's dry run: the import's counts and rejects for the files' content, with no
    server to ask (exit 1, not 2); a line naming a shipment no valid row is counts as a note."""
    folder = tmp_path / "exports" / "2026-11-23"
    _write(folder, "materials.csv", MATERIALS)
    _write(folder, "lots.csv", LOTS_HEADER + "L1,M1,5,kg,2026-11-01,released,,\n"
           "L2,M1,-5,kg,2026-11-01,released,,\nL3,M1,5,kgs,2026-11-01,released,,\n")  # fmt: skip
    _write(folder, "shipments.csv", "shipment_id,customer_id,shipped_at\n"
           "SH1,C1,2026-11-02T08:00:00Z\nSH2,C1,yesterday\n")  # fmt: skip
    _write(folder, "shipment_lines.csv", "shipment_id,lot_id,quantity,uom\n"
           "SH1,L1,2,kg\nSH2,L1,1,kg\nSH9,L1,1,kg\n")  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:9")  # nothing answers there
    monkeypatch.setenv("NEO4J_PASSWORD", "not-a-password")
    dry = runner.invoke(app, ["import", "exports/2026-11-23", "--dry-run"])
    assert dry.exit_code == 1, dry.stderr
    assert dry.stdout.splitlines()[0].startswith(
        "Dry run, nothing written to the graph: 11 rows read = 8 would be written + 3 rejected"
    )
    assert "lots.csv → lots: 3 rows read, 1 would be written, 2 rejected" in dry.stderr
    unverified = ("2 shipment_lines rows name a shipment that no valid row of these files is: "
                  "the import rejects them unless the graph already holds it")  # fmt: skip
    assert f"note: {unverified}" in dry.stdout
    dry_json = runner.invoke(app, ["import", "exports/2026-11-23", "--dry-run", "--format", "json"])
    checked = json.loads(dry_json.stdout)
    assert checked["dry_run"] is True
    assert checked["notes"] == [
        unverified,
        "exports/2026-11-23/lots.csv: 1 lots.created_at value without a UTC offset was read as "
        "UTC time (written in another zone? give it with --timezone ZONE, or `timezone` in the "
        "mapping)",
        # the ledger would tell whether the import skips every file as unchanged
        "no server answered (cannot reach Neo4j at bolt://127.0.0.1:9): whether the import "
        "would skip the files as unchanged is not known",
    ]
    assert checked["tables"]["lots"]["changed"] is None  # unknown without the graph, not 0
    with open(checked["reject_file"], encoding="utf-8-sig", newline="") as f:
        dry_rejects = [(r["file"], r["line"], r["column"], r["reason"]) for r in csv.DictReader(f)]

    monkeypatch.setenv("NEO4J_URI", neo4j_env["NEO4J_URI"])
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_env["NEO4J_PASSWORD"])
    code, imported, rejects = _import(runner, "exports/2026-11-23")
    assert code == 1
    counts = ("read", "written", "rejected", "duplicates")
    for table in ("materials", "lots", "shipments"):
        assert [checked["tables"][table][n] for n in counts] == [
            imported["tables"][table][n] for n in counts
        ]
    # The import also rejects the two lines the note counted (SH2's row was rejected, SH9 is
    # nowhere); everything else it rejects, the dry run rejected the same way.
    imported_rejects = [(r["file"], r["line"], r["column"], r["reason"]) for r in rejects]
    missing = "shipment_id names a shipment that is neither in this import nor in the graph"
    # SH2's line names the rejected row (it said SH2 was nowhere: one bad date read as two
    # unrelated errors)
    rejected = ("shipment_id names a shipment whose own row was rejected (shipments.csv line "
                "3): this row is written with it once that row is corrected")  # fmt: skip
    lines_file = str(Path("exports/2026-11-23/shipment_lines.csv"))
    assert [r for r in imported_rejects if r[0] == lines_file] == [
        (lines_file, "3", "shipment_id", rejected),
        (lines_file, "4", "shipment_id", missing),
    ]
    assert dry_rejects == [r for r in imported_rejects if r[0] != lines_file]
    # A dry run after the import still reads every file (it is never "unchanged").
    again = runner.invoke(app, ["import", "exports/2026-11-23", "--dry-run", "--format", "json"])
    assert json.loads(again.stdout)["read"] == 11


def test_import_queries_plan_no_eager(graph: TraceGraph) -> None:
    """Bulk writes must stream: an Eager operator would buffer each batch and hide conflicts.
    Exceptions, each buffering only the rows it is given: the *_detach queries and the MERGE
    queries of link tables, which run for rows whose content changed (and for new links that
    carry extra columns, set as a map; lot_identifiers' too); the steps_longest_* queries,
    which read and raise one
    bound per device or operator of a batch (a few dozen rows at most); record_changes, the
    ledger of a batch's changed rows; delete_orphan_references, run once at the end of an
    import for the few nodes no row refers to any more; the *_remove queries of a full import
    (--full), which read a batch of removed rows' nodes before they delete them;
    rename_source_rows (imports --rename-source), whose Eager is inside its per-row subquery
    (one row: a node or a link, which the planner cannot tell apart);
    lots_identity_sources and lots_identities_dropped, which take a source off the supplier-lot
    identities of a batch's lots and delete those no source sends any more (only for lots a
    source joins or leaves, or with two sources' spellings), and lots_supplier_lot_left, which
    reads and sets the number a batch's lots a source left keep."""
    from tracegraph import queries

    def operators(plan: dict[str, Any]) -> list[str]:
        found = [str(plan["operatorType"]).split("@")[0]]
        for child in plan.get("children", []):
            found += operators(child)
        return found

    checked = 0
    for name in queries.available():
        if not name.startswith("import/") or "_detach" in name or "_longest_" in name:
            continue
        if name.endswith("_remove"):
            continue
        if name in (
            "import/step_inputs",
            "import/step_outputs",
            "import/shipment_lines",
            "import/lot_identifiers",
            "import/record_changes",
            "import/delete_orphan_references",
            "import/rename_source_rows",
            "import/lots_identity_sources",
            "import/lots_identities_dropped",
            "import/lots_supplier_lot_left",
        ):
            continue
        with graph.driver.session(database=graph.database) as session:
            summary = session.run(
                "EXPLAIN " + queries.load(name), rows=[], keys=[], ids=[], props={},
                run_id="", fingerprint="", longest=[], changes=[], runs=[],
            ).consume()  # fmt: skip
        assert summary.plan is not None
        assert "Eager" not in operators(summary.plan), name
        checked += 1
    assert checked >= 30


def _small_plant(folder: Path, lots: int = 20_000) -> None:
    steps = lots // 10
    _write(folder, "materials.csv", MATERIALS)
    _write(folder, "lots.csv", LOTS_HEADER + "".join(
        f"L{i:06d},{('M1', 'SALT')[i % 2]},{i % 97 + 1},kg,2026-11-01T08:{i % 60:02d}:00Z,"
        f"released,V{i % 7},{i:06d}\n" for i in range(lots)))  # fmt: skip
    _write(folder, "steps.csv", "step_id,operation,started_at,device_id,oven_temp_c\n" + "".join(
        f"S{i:05d},bake,2026-11-02T06:00:00Z,OVEN-{i % 3},{180 + i % 9}\n"
        for i in range(steps)))  # fmt: skip
    _write(
        folder,
        "step_inputs.csv",
        "step_id,lot_id,quantity,uom\n"
        + "".join(
            f"S{i:05d},L{(i * 7 + k) % lots:06d},1,kg\n" for i in range(steps) for k in range(3)
        ),
    )
    _write(
        folder,
        "step_outputs.csv",
        "step_id,lot_id,quantity,uom\n"
        + "".join(f"S{i:05d},L{(i * 11 + 5) % lots:06d},3,kg\n" for i in range(steps)),
    )


@pytest.mark.slow
def test_killed_import_rerun_gives_the_graph_of_a_clean_run(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "plant"
    _small_plant(folder)
    importer = subprocess.Popen(
        [sys.executable, "-c", "from tracegraph.cli.main import run; run()", "import", str(folder)],
        cwd=tmp_path, env=os.environ.copy(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while importer.poll() is None and time.monotonic() < deadline:
        if graph.status().nodes.get("Lot", 0) >= 5_000:  # the first batch of lots is committed
            importer.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    importer.wait()
    assert importer.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    killed_at = graph.status().nodes.get("Lot", 0)
    assert 5_000 <= killed_at < 20_000

    rerun = runner.invoke(app, ["import", str(folder)])  # not kept waiting by the killed one
    assert rerun.exit_code == 0, rerun.stderr
    after_rerun = _graph_dump(graph)
    runs = [r["run"]["status"] for r in graph.read("ledger/import_runs", limit=10)]
    assert runs == ["done", "interrupted"]  # the killed run's entry no longer says running

    graph.reset(keep_schema=True)
    clean = runner.invoke(app, ["import", str(folder)])
    assert clean.exit_code == 0, clean.stderr
    assert after_rerun == _graph_dump(graph)


def test_a_second_import_waits_briefly_then_says_which_import_runs(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two imports never write at once: while one holds the import lock, another exits 2 and
    names it. Once the lock is free, the next import runs, and marks entries left 'running' by
    killed imports as interrupted. (A killed importer's lock goes with its connection: the
    kill -9 test above re-runs right after the kill.)"""
    from datetime import UTC, datetime

    from tracegraph.importing import run

    monkeypatch.setattr(run, "LOCK_WAIT_SECONDS", 0.5)
    _write(tmp_path / "in", "materials.csv", MATERIALS)
    graph.write("import/lock_node")
    graph.write("import/start_run", props={
        "run_id": "20261204T020000Z-nightly", "status": "running", "user": "etl",
        "host": "mes-gw", "started_at": datetime(2026, 12, 4, 2, 0, tzinfo=UTC),
    })  # fmt: skip
    with graph.held_lock("import/take_lock", wait_seconds=1.0, token="the other import") as held:
        assert held
        busy = runner.invoke(app, ["import", str(tmp_path / "in")])
    assert busy.exit_code == 2
    assert busy.stdout == ""
    assert busy.stderr.splitlines()[-2] == (  # before the outcome line (no terminal)
        "error: another import is running: run 20261204T020000Z-nightly by etl@mes-gw, started "
        "2026-12-04T02:00:00+00:00 (hint: wait for it to finish, then run this one again)"
    )
    assert graph.status().nodes.get("Material", 0) == 0  # the busy import wrote nothing
    assert graph.status().nodes["ImportRun"] == 1
    # nor does `db reset` empty the database under a running import (it left a graph whose
    # rows the next import took as written, without their edges)
    monkeypatch.setattr(run, "BUSY_WAIT_SECONDS", 0.5)
    with graph.held_lock("import/take_lock", wait_seconds=1.0, token="the other import") as held:
        assert held
        refused = runner.invoke(app, ["db", "reset", "--yes"])
    assert refused.exit_code == 2
    assert refused.stderr.startswith(
        "error: an import is running (run 20261204T020000Z-nightly by etl@mes-gw, started "
        "2026-12-04T02:00:00+00:00): db reset would leave its graph half-written"
    ), refused.stderr
    assert graph.status().nodes["ImportRun"] == 1

    code, summary, _ = _import(runner, str(tmp_path / "in"))
    assert code == 0 and summary["tables"]["materials"]["written"] == 3
    runs = [r["run"] for r in graph.read("ledger/import_runs", limit=10)]
    statuses = {run["run_id"]: run["status"] for run in runs}
    assert statuses == {"20261204T020000Z-nightly": "interrupted", summary["run_id"]: "done"}


def test_an_import_that_fails_unexpectedly_is_recorded_as_failed(
    graph: TraceGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only tracegraph's own errors: a bug half-way through an import leaves its ledger
    entry failed, not running."""
    from tracegraph.importing import run

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(run, "write_table", broken)
    _write(tmp_path / "in", "materials.csv", MATERIALS)
    with pytest.raises(RuntimeError, match="a bug"):
        import_paths(graph, [tmp_path / "in"])
    runs = [r["run"] for r in graph.read("ledger/import_runs", limit=10)]
    assert [(r["status"], r["ended_at"] is not None) for r in runs] == [("failed", True)]


@pytest.mark.parametrize(("error", "code"), [
    (RuntimeError("a bug"), 3),
    (OSError(errno.EINVAL, "Invalid argument"), 3),
    (OSError(errno.ENOSPC, "No space left on device"), 2),
    (MemoryError(), 2),  # recorded 3, exited 2 (review)
])  # fmt: skip
def test_a_run_that_crashes_records_the_exit_code_the_process_exits_with(
    graph: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, error: Exception, code: int,
) -> None:  # fmt: skip
    """An OSError half-way through a nightly import (the tester's EINVAL) exited 3 while its
    --summary-file and ledger entry said `"exit_code": null` and its last line "exit
    non-zero": a monitoring job reading exit_code got nothing. Both keep the code the
    process exits with now (3 for a bug, 2 for the machine's full disk), run through the
    console script's entry point."""
    from tracegraph.cli.main import run
    from tracegraph.importing import run as importing

    def broken(*_: Any, **__: Any) -> None:
        raise error

    monkeypatch.setattr(importing, "write_table", broken)  # the database stays real
    _write(tmp_path / "in", "materials.csv", MATERIALS)
    summary_file = tmp_path / "last.json"
    argv = ["tracegraph", "import", str(tmp_path / "in"), "--summary-file", str(summary_file)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        run()
    assert exited.value.code == code
    written = json.loads(summary_file.read_text(encoding="utf-8"))
    assert (written["exit_code"], written["outcome"]) == (code, "failed")
    (entry,) = [r["run"] for r in graph.read("ledger/import_runs", limit=10)]
    assert (entry["run_id"], entry["exit_code"], entry["outcome"]) == (
        written["run_id"], code, "failed",
    )  # fmt: skip


def test_a_lock_without_its_node_is_an_error_not_a_lock(graph: TraceGraph) -> None:
    """With no ImportLock node (a reset between creating it and taking it), taking the lock
    locks nothing: that is an error, never a lock held in name only."""
    from tracegraph.errors import DatabaseError

    with (
        pytest.raises(DatabaseError, match="the lock query found nothing to lock"),
        graph.held_lock("import/take_lock", wait_seconds=1.0, token="t"),
    ):
        pass


def test_readme_plant_commands(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The README's synthetic plant, generated and imported as written: nothing rejected."""
    readme_command = ["demo", "generate", "--lots", "5000", "--seed", "1", "--out", "plant"]
    generated = runner.invoke(app, readme_command)
    assert generated.exit_code == 0, generated.stderr
    imported = runner.invoke(app, ["import", "plant"])
    assert imported.exit_code == 0, imported.stderr
    assert "+ 0 rejected" in imported.stdout.splitlines()[0]
    lots = sum(1 for _ in (tmp_path / "plant" / "lots.csv").open()) - 1
    assert graph.status().nodes["Lot"] == lots
    assert graph.read("import/stub_lot_ids")[0]["ids"] == []


@pytest.mark.slow
def test_server_killed_mid_import_rerun_gives_the_graph_of_a_clean_run(tmp_path: Path) -> None:
    """kill -9 of the Neo4j server itself (not the importer) in the middle of an import: after a
    restart (Neo4j recovers from its transaction log), a re-run yields the clean run's graph."""
    import signal
    import subprocess
    import sys
    import time

    from tracegraph import server
    from tracegraph.config import load_settings
    from tracegraph.db import connect

    home = tmp_path / ".tracegraph"
    options = server.ServerOptions(
        bolt_port=server.free_port(), http_port=server.free_port(), heap="512m",
        pagecache="256m",
    )  # fmt: skip
    server.start(home, options)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TRACEGRAPH_"))}
    env["TRACEGRAPH_HOME"] = str(home)
    folder = tmp_path / "plant"
    _small_plant(folder)
    try:
        settings = load_settings(env=env)
        graph = TraceGraph(connect(settings), settings.database, settings.uri)
        graph.init_schema()
        importer = subprocess.Popen(
            [sys.executable, "-c", "from tracegraph.cli.main import run; run()", "import",
             str(folder)],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 300
        pid = server.running_pid(home)
        assert pid is not None
        while importer.poll() is None and time.monotonic() < deadline:
            if graph.status().nodes.get("Lot", 0) >= 5_000:
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        _, stderr = importer.communicate(timeout=120)
        graph.driver.close()
        assert importer.returncode == 2, "the import should fail when its server dies"
        # which run stopped, and that running it again is the way on
        last = " ".join(stderr.split("error: ")[-1].split())
        assert re.match(r"import \d{8}T\d{6}Z-[0-9a-f]{6} stopped part-way: cannot reach Neo4j",
                        last), stderr  # fmt: skip
        assert "then run the same import again: it completes this one" in last, stderr
        assert "Traceback" not in stderr

        server.start(home, options)  # recovery from the transaction log
        graph = TraceGraph(connect(settings), settings.database, settings.uri)
        killed_at = graph.status().nodes.get("Lot", 0)
        assert 5_000 <= killed_at < 20_000
        rerun = subprocess.run(
            [sys.executable, "-c", "from tracegraph.cli.main import run; run()", "import",
             str(folder)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr
        after_rerun = _graph_dump(graph)
        graph.reset(keep_schema=True)
        clean = import_paths(graph, [folder])
        assert clean.rejected == 0
        assert after_rerun == _graph_dump(graph)
        graph.driver.close()
    finally:
        server.stop(home)


def test_sigterm_ends_an_import_as_interrupted_in_the_ledger(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGTERM (`timeout` in a cron job) ended an import silently with 143, its ledger entry
    "running" for a dead process; now one line, and the run says interrupted."""
    import os
    import signal

    from tracegraph.importing import run

    _write(tmp_path / "in", "materials.csv", MATERIALS)
    original = run._write_raw

    def terminated(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGTERM)
        return original(*args, **kwargs)

    monkeypatch.setattr(run, "_write_raw", terminated)
    result = runner.invoke(app, ["import", str(tmp_path / "in")])
    assert result.exit_code == 130, result.output
    # before the outcome line (no terminal: see test_nightly.py)
    assert result.stderr.splitlines()[-2] == "error: interrupted (hint: a re-run is safe)"
    runs = [r["run"] for r in graph.read("ledger/import_runs", limit=10)]
    assert [r["status"] for r in runs] == ["interrupted"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # put back


def test_a_reject_file_the_disk_could_not_hold_is_not_left_cut_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk left rejects.csv cut off at 64 kB: a complete-looking list of fewer rejects.
    Now nothing is left but the error (the run can be run again with --rejects elsewhere)."""
    import errno

    from tracegraph.errors import ConfigurationError
    from tracegraph.importing import run
    from tracegraph.importing.validate import Reject

    rejects = [Reject("lots.csv", n, "quantity", "x", "not a number") for n in range(2, 5)]
    written: list[str] = []

    def disk_fills(value: str) -> str:
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(value)
        return value

    monkeypatch.setattr(run, "spreadsheet_safe", disk_fills)
    path = tmp_path / "rejects.csv"
    with pytest.raises(ConfigurationError) as full:
        run.write_rejects(path, rejects)
    assert "No space left on device" in str(full.value)
    assert list(tmp_path.iterdir()) == []


RECEIPTS_HEADER = (
    "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at,location_id\n"
)


def _receipt_places(graph: TraceGraph) -> dict[str, tuple[Any, Any]]:
    """Per received lot: where it was received (SUPPLIED_BY) and where it is (AT)."""
    rows, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot)-[r:SUPPLIED_BY]->() "
        "RETURN l.lot_id AS lot, r.received_location_id AS received, "
        "[(l)-[:AT]->(at) | at.location_id][0] AS now",
        database_=graph.database,
    )
    return {r["lot"]: (r["received"], r["now"]) for r in rows}


def _receiving_events(graph: TraceGraph, lot_id: str) -> list[tuple[Any, Any]]:
    from tracegraph.recall import tracking_events
    from tracegraph.trace import trace_forward

    return [(e["location_id"], e["location_description"])
            for e in tracking_events(graph, trace_forward(graph, [lot_id]))
            if e["event_type"] == "receiving"]  # fmt: skip


def test_a_moved_lot_keeps_where_it_was_received(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A later lots.csv moves EY1 from Dallas to Reno: the recall's receiving event still says
    Dallas (it said Reno), the move is a changed row in the ledger, and re-importing changes
    nothing. A lot received only by a later row is received where that row puts it."""
    folder = tmp_path / "in"
    _write(folder, "locations.csv", "location_id,name\nDAL,Dallas DC\nRNO,Reno plant\n")
    _write(folder, "lots.csv", RECEIPTS_HEADER
           + "EY1,EGG,100,kg,V1,S-77,2026-11-01T08:00Z,DAL\n"
           + "OIL1,OIL,50,kg,,,,DAL\n")  # fmt: skip
    assert _import(runner, str(folder))[0] == 0
    assert _receipt_places(graph) == {"EY1": ("DAL", "DAL")}
    assert _receiving_events(graph, "EY1") == [("DAL", "Dallas DC")]

    # EY1 moves; OIL1 gets its receipt (a corrected row) while it sits in Reno
    _write(folder, "lots.csv", RECEIPTS_HEADER
           + "EY1,EGG,100,kg,V1,S-77,2026-11-01T08:00Z,RNO\n"
           + "OIL1,OIL,50,kg,V2,O-1,2026-11-02T08:00Z,RNO\n")  # fmt: skip
    code, moved, _ = _import(runner, str(folder))
    assert code == 0 and moved["tables"]["lots"]["changed"] == 2
    assert _receipt_places(graph) == {"EY1": ("DAL", "RNO"), "OIL1": ("RNO", "RNO")}
    assert _receiving_events(graph, "EY1") == [("DAL", "Dallas DC")]
    changes, _, _ = graph.driver.execute_query(
        "MATCH (c:RowChange {key: 'EY1'}) RETURN c.columns AS columns, c.before AS before, "
        "c.after AS after",
        database_=graph.database,
    )
    assert [c.data() for c in changes] == [
        {"columns": ["location_id"], "before": ["DAL"], "after": ["RNO"]}
    ]
    before = _graph_dump(graph)
    forced = runner.invoke(app, ["import", str(folder), "--force", "--format", "json"])
    assert json.loads(forced.stdout)["tables"]["lots"]["changed"] == 0
    assert _graph_dump(graph) == before

    # A correction of the receipt itself (another supplier lot) does not move it either, and a
    # lot moved back is received where it was.
    _write(folder, "lots.csv", RECEIPTS_HEADER
           + "EY1,EGG,100,kg,V1,S-78,2026-11-01T08:00Z,RNO\n")  # fmt: skip
    assert _import(runner, str(folder))[1]["tables"]["lots"]["changed"] == 1
    assert _receipt_places(graph)["EY1"] == ("DAL", "RNO")


def _locations(graph: TraceGraph) -> set[str]:
    rows, _, _ = graph.driver.execute_query(
        "MATCH (n:Location) RETURN n.location_id AS id", database_=graph.database
    )
    return {r["id"] for r in rows}


def test_a_location_a_receipt_names_is_never_deleted(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The SAP import received R0000003 at 1000-0001 (known from the lots rows alone), the
    ERP's import put it at its own location: the import deleted 1000-0001, which nothing but
    the receipt's received_location_id named, and the recall's receiving event still named
    it, with no description. The location stays while a receipt names it; a full dump's
    dropped locations row keeps it as a reference, as it does one a lot is AT."""
    folder = tmp_path / "in"
    _write(folder, "lots.csv", RECEIPTS_HEADER + "EY1,EGG,100,kg,V1,S-77,2026-11-01T08:00Z,DAL\n")
    assert _import(runner, str(folder))[0] == 0
    _write(folder, "lots.csv", RECEIPTS_HEADER + "EY1,EGG,100,kg,V1,S-77,2026-11-01T08:00Z,RNO\n")
    code, moved, _ = _import(runner, str(folder))
    assert code == 0 and not [n for n in moved["notes"] if n.startswith("deleted")]
    assert _receipt_places(graph) == {"EY1": ("DAL", "RNO")}
    assert _locations(graph) == {"DAL", "RNO"}

    # its own row, gone from a full dump: kept as a reference while the receipt names it
    _write(folder, "locations.csv", "location_id,name\nDAL,Dallas DC\nRNO,Reno plant\n")
    assert _import(runner, str(folder))[0] == 0
    assert _receiving_events(graph, "EY1") == [("DAL", "Dallas DC")]
    _write(folder, "locations.csv", "location_id,name\nRNO,Reno plant\n")
    assert _import(runner, str(folder), "--full")[0] == 0
    assert _locations(graph) == {"DAL", "RNO"}
    # the lot gone, nothing names DAL any more: deleted
    _write(folder, "lots.csv", RECEIPTS_HEADER + "OIL1,OIL,50,kg,,,,RNO\n")
    assert _import(runner, str(folder), "--full")[0] == 0
    assert _locations(graph) == {"RNO"}


def test_a_receipt_imported_without_its_location_shows_the_current_one_and_says_so(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Lots imported before receipts kept their location: the receiving event falls back to
    where the lot is now, in words. The next location a row gives becomes the receipt's (it had
    none for good), and a later move does not replace it."""
    folder = tmp_path / "in"
    _write(folder, "locations.csv", "location_id,name\nDAL,Dallas DC\nRNO,Reno plant\n")
    _write(folder, "lots.csv", RECEIPTS_HEADER + "EY1,EGG,100,kg,V1,S-77,2026-11-01T08:00Z,DAL\n")
    assert _import(runner, str(folder))[0] == 0
    graph.driver.execute_query(  # as an older tracegraph wrote it
        "MATCH (:Lot)-[r:SUPPLIED_BY]->() REMOVE r.received_location_id", database_=graph.database
    )
    assert _receiving_events(graph, "EY1") == [
        ("DAL", "Dallas DC (where the lot is now; where it was received was not recorded)")
    ]
    _write(folder, "lots.csv", RECEIPTS_HEADER + "EY1,EGG,100,kg,V1,S-77,2026-11-01T08:00Z,RNO\n")
    assert _import(runner, str(folder))[1]["tables"]["lots"]["changed"] == 1
    assert _receipt_places(graph) == {"EY1": ("RNO", "RNO")}  # the first location known since
    assert _receiving_events(graph, "EY1") == [("RNO", "Reno plant")]
    _write(folder, "lots.csv", RECEIPTS_HEADER + "EY1,EGG,100,kg,V1,S-77,2026-11-01T08:00Z,DAL\n")
    assert _import(runner, str(folder))[1]["tables"]["lots"]["changed"] == 1
    assert _receipt_places(graph) == {"EY1": ("RNO", "DAL")}  # moved: the receipt stays


def test_a_receipt_first_imported_without_a_location_column_takes_the_first_one_given(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A received lot first imported from a lots file without a location_id column had no
    receipt location for good: the recall package said "where it was received was not recorded"
    however many later files gave one. The first location a later row gives is taken (the
    first known), never replaced by a later one; a lot with a receipt location keeps it."""
    folder = tmp_path / "in"
    _write(folder, "locations.csv", "location_id,name\nDAL,Dallas DC\nRNO,Reno plant\n")
    no_column = "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at\n"
    _write(folder, "lots.csv", no_column + "EY1,EGG,100,kg,V1,S-77,2026-11-01T08:00Z\n")
    assert _import(runner, str(folder))[0] == 0
    assert _receipt_places(graph) == {"EY1": (None, None)}
    # a delta without the column again says nothing of where it is: nothing to take
    _write(folder, "lots.csv", no_column + "EY1,EGG,90,kg,V1,S-77,2026-11-01T08:00Z\n")
    assert _import(runner, str(folder))[0] == 0
    assert _receipt_places(graph) == {"EY1": (None, None)}
    _write(folder, "lots.csv", RECEIPTS_HEADER
           + "EY1,EGG,90,kg,V1,S-77,2026-11-01T08:00Z,DAL\n"
           + "EY2,EGG,10,kg,V1,S-78,2026-11-01T09:00Z,DAL\n")  # fmt: skip
    assert _import(runner, str(folder))[1]["tables"]["lots"]["changed"] == 2
    assert _receipt_places(graph) == {"EY1": ("DAL", "DAL"), "EY2": ("DAL", "DAL")}
    assert _receiving_events(graph, "EY1") == [("DAL", "Dallas DC")]
    _write(folder, "lots.csv", RECEIPTS_HEADER
           + "EY1,EGG,90,kg,V1,S-77,2026-11-01T08:00Z,RNO\n"
           + "EY2,EGG,10,kg,V1,S-78,2026-11-01T09:00Z,RNO\n")  # fmt: skip
    assert _import(runner, str(folder))[1]["tables"]["lots"]["changed"] == 2
    assert _receipt_places(graph) == {"EY1": ("DAL", "RNO"), "EY2": ("DAL", "RNO")}
    # re-importing changes nothing
    before = _graph_dump(graph)
    assert _import(runner, str(folder), "--force")[1]["tables"]["lots"]["changed"] == 0
    assert _graph_dump(graph) == before


def test_times_without_an_offset_are_named_once_per_file_and_column(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An export in local time read as UTC put every event hours off without a word: the
    summary says how many cells of which column were read in which zone, and how to change it.
    Cells with an offset, and rows rejected, are not counted."""
    folder = tmp_path / "in"
    _write(folder, "steps.csv", "step_id,operation,started_at,ended_at\n"
                                "S1,bake,2026-11-02T06:00:00,2026-11-02T07:00:00Z\n"
                                "S2,bake,2026-11-02 08:00,2026-11-02T09:00:00\n"
                                "S3,bake,2026-11-02T08:00:00+01:00,\n"
                                "S4,bake,2026-11-02T10:00:00,tomorrow\n")  # fmt: skip
    _write(folder, "customers.csv", "customer_id,name\nC1,Shop\n")
    _write(folder, "shipments.csv", "shipment_id,customer_id,shipped_at\n"
                                    "SH1,C1,2026-11-03T00:00Z\n")  # fmt: skip
    code, summary, rejects = _import(runner, str(folder))
    assert code == 1 and [r["value"] for r in rejects] == ["tomorrow"]
    steps = folder / "steps.csv"
    assert summary["notes"] == [
        f"{steps}: 2 steps.started_at values without a UTC offset were read as UTC time "
        "(written in another zone? give it with --timezone ZONE, or `timezone` in the mapping)",
        f"{steps}: 1 steps.ended_at value without a UTC offset was read as UTC time (written in "
        "another zone? give it with --timezone ZONE, or `timezone` in the mapping)",
    ]

    def started() -> str:
        return str(graph.driver.execute_query(
            "MATCH (s:ProcessStep {step_id: 'S1'}) RETURN toString(s.started_at) AS t",
            database_=graph.database,
        ).records[0]["t"])  # fmt: skip

    assert started() == "2026-11-02T06:00:00Z"  # read as UTC, as the note says
    # A zone given is a choice, not a default to warn of: no note (the SAP and MES samples,
    # whose mappings give one, had ten a night); read in that zone.
    code, summary, _ = _import(runner, str(folder), "--timezone", "Europe/Berlin", "--force")
    assert not [n for n in summary["notes"] if "without a UTC offset" in n]
    assert started() == "2026-11-02T06:00:00+01:00"
    code, summary, _ = _import(runner, str(folder), "--timezone", "UTC", "--force")  # UTC chosen
    assert not [n for n in summary["notes"] if "without a UTC offset" in n]
    # a dry run says it too; times all with offsets say nothing
    dry = runner.invoke(app, ["import", str(folder), "--dry-run", "--format", "json"])
    assert [n.split(": ", 1)[1][:40] for n in json.loads(dry.stdout)["notes"]] == [
        "2 steps.started_at values without a UTC ", "1 steps.ended_at value without a UTC off",
    ]  # fmt: skip
    _write(tmp_path / "z", "steps.csv", "step_id,operation,started_at\nS5,mix,2026-11-02T06:00Z\n")
    assert _import(runner, str(tmp_path / "z"))[1]["notes"] == []


def _ambiguous_hint(decimal: str, whole: str) -> str:
    """The note's end on a 1,250 kept as text: its own two readings (the ambiguous note named
    the value's readings only for 1.250, and those wrong: see test_excel_cells)."""
    return (
        f"may be {decimal} with a decimal comma, or {whole} with its thousands grouped by ',' (a "
        'mapping with decimal = "," reads an x_ column as numbers, see importers/README.md)'
    )


_BY_COLUMN = (
    "as the column's other values write a decimal comma (252,5) and none groups thousands by ','"
)


@pytest.mark.parametrize(
    ("cells", "stored", "notes"),
    [
        # decimal-comma numbers: numbers, thousands grouped by '.'; a whole number as ever
        (["252,5", "1.250,75", "-3", "", "-0,25"], [252.5, 1250.75, -3, None, -0.25],
         ["column peak_temp_c: 3 values with a decimal comma read as numbers (252,5 as 252.5)"]),
        # 1,234 and 12,500: a thousands separator or a decimal comma? Kept as written.
        (["1,234", "12,500"], ["1,234", "12,500"],
         [f"column peak_temp_c: 2 values kept as text, as written: 1,234 "
          f"{_ambiguous_hint('1.234', '1234')}"]),
        # n/a stays text, 252,5 is a number all the same (the whole column was text for one
        # n/a); 1,234 beside 252,5 is 1.234 (it stayed text: numbers and text in one column);
        # 1.250 stays text
        (["252,5", "n/a", "1,234", "1.250"], [252.5, "n/a", 1.234, "1.250"],
         ["column peak_temp_c: 1 value with a decimal comma read as a number (252,5 as 252.5)",
          f"column peak_temp_c: 1 value with three digits after the comma read as a decimal "
          f"(1,234 as 1.234), {_BY_COLUMN}",
          "column peak_temp_c: 1 value kept as text, as written: 1.250 may be 1250 with its "
          "thousands grouped by '.', or 1.25"]),
        # 0,5 anywhere in the column decides 1,250 and -12,500 of other rows; empty changes nothing
        (["1,250", "", "0,5", "-12,500"], [1.25, None, 0.5, -12.5],
         ["column peak_temp_c: 1 value with a decimal comma read as a number (252,5 as 252.5)",
          f"column peak_temp_c: 2 values with three digits after the comma read as decimals "
          f"(1,250 as 1.25), {_BY_COLUMN}"]),
        # 1,234,567 groups thousands by ',': 1,250 beside it may be 1250, kept as text
        (["1,250", "252,5", "1,234,567"], ["1,250", 252.5, "1,234,567"],
         ["column peak_temp_c: 1 value with a decimal comma read as a number (252,5 as 252.5)",
          f"column peak_temp_c: 1 value kept as text, as written: 1,250 "
          f"{_ambiguous_hint('1.25', '1250')}"]),
        (["1,250", "1,234.5", "0,5"], ["1,250", "1,234.5", 0.5],  # 1,234.5 groups so too
         ["column peak_temp_c: 1 value with a decimal comma read as a number (252,5 as 252.5)",
          f"column peak_temp_c: 1 value kept as text, as written: 1,250 "
          f"{_ambiguous_hint('1.25', '1250')}"]),
        # 1.250 alone: 1250 in this file's way of writing, or 1.25? Text, not a guess.
        (["1.250", "7"], ["1.250", 7],
         ["column peak_temp_c: 1 value kept as text, as written: 1.250 may be 1250 with its "
          "thousands grouped by '.', or 1.25"]),
        (["0042", "7", "2.5"], ["0042", 7, 2.5], []),  # no comma: as before (a code keeps its 0s)
        (["ok, checked", "late"], ["ok, checked", "late"], []),  # notes: no business of it
    ],
)  # fmt: skip
def test_decimal_comma_extras_of_a_semicolon_file(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    cells: list[str],
    stored: list[Any],
    notes: list[str],
) -> None:
    """Excel in a German locale saves `;` files with 252,5: without a mapping, such a process
    parameter was stored as the text "252,5" without a word. Ids are never read so."""
    folder = tmp_path / "in"
    rows = "".join(f"S{i};bake;2026-11-02T06:00Z;10,5;{c}\n" for i, c in enumerate(cells))
    _write(folder, "steps.csv", "step_id;operation;started_at;work_order_id;peak_temp_c\n" + rows)
    code, summary, _ = _import(runner, str(folder))
    assert code == 0
    assert summary["notes"] == [f"{folder / 'steps.csv'}: {note}" for note in notes]
    records = graph.driver.execute_query(
        "MATCH (s:ProcessStep) RETURN s.peak_temp_c AS value, "
        "[(s)-[:FOR]->(w) | w.work_order_id][0] AS order ORDER BY s.step_id",
        database_=graph.database,
    ).records
    assert [r["value"] for r in records] == stored
    assert [type(r["value"]) for r in records] == [type(v) for v in stored]
    assert {r["order"] for r in records} == {"10,5"}  # an id: text as written
    # re-importing the same file changes nothing
    assert _import(runner, str(folder), "--force")[1]["tables"]["steps"]["changed"] == 0


def test_decimal_comma_extras_are_the_same_from_night_to_night(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A row's decimal-comma extra is read from its own cell: one "n/a" in tonight's file
    turned last night's 252.5 of every other row into the text "252,5" (the whole column was
    text then), and the ledger counted those rows as changed."""
    header = "step_id;operation;started_at;peak_temp_c\n"
    rows = "S1;bake;2026-11-02T06:00Z;252,5\nS2;bake;2026-11-02T07:00Z;-0,25\n"

    def stored() -> dict[str, Any]:
        records = graph.driver.execute_query(
            "MATCH (s:ProcessStep) RETURN s.step_id AS id, s.peak_temp_c AS value",
            database_=graph.database,
        ).records
        return {r["id"]: r["value"] for r in records}

    _write(tmp_path / "night1", "steps.csv", header + rows)
    assert _import(runner, str(tmp_path / "night1"))[0] == 0
    assert stored() == {"S1": 252.5, "S2": -0.25}
    _write(tmp_path / "night2", "steps.csv", header + rows + "S3;bake;2026-11-02T08:00Z;n/a\n")
    code, summary, _ = _import(runner, str(tmp_path / "night2"))
    assert code == 0
    steps = summary["tables"]["steps"]
    # S3 is new; S1 and S2 are unchanged (they were "changed" to text)
    assert (steps["written"], steps["changed"], steps["updated"]) == (3, 1, 0)
    assert stored() == {"S1": 252.5, "S2": -0.25, "S3": "n/a"}
    assert summary["notes"] == [
        f"{tmp_path / 'night2' / 'steps.csv'}: column peak_temp_c: 2 values with a decimal "
        "comma read as numbers (252,5 as 252.5)"
    ]


def test_an_interrupted_run_shows_the_counts_it_had(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`tracegraph imports` showed an interrupted run's counts blank: now what the files it
    finished held, marked ≥, and ? for a run that counted nothing (killed outright). The run
    records the tracegraph that wrote it; its reject file is the user's alone (it was 0644)."""
    import signal

    from tracegraph import __version__
    from tracegraph.importing import run

    folder = tmp_path / "in"
    _write(folder, "materials.csv", MATERIALS + "BAD,,kg,gas\n")
    _write(folder, "lots.csv", f"{LOTS_HEADER}L1,M1,5,kg,2026-11-01,released,,\n")
    original = run._write_raw

    def terminated_at_lots(*args: Any, **kwargs: Any) -> Any:
        if args[2] == "lots":
            os.kill(os.getpid(), signal.SIGTERM)
        return original(*args, **kwargs)

    monkeypatch.setattr(run, "_write_raw", terminated_at_lots)
    assert runner.invoke(app, ["import", str(folder)]).exit_code == 130
    (stopped,) = import_runs(graph)
    assert (
        stopped["status"],
        stopped["counts_partial"],
        stopped["rows_read"],
        stopped["rows_written"],
        stopped["rows_rejected"],
    ) == ("interrupted", True, 4, 3, 1)
    assert (stopped["tables"]["materials"]["written"], stopped["tables"]["lots"]["read"]) == (3, 0)
    assert stopped["tracegraph_version"] == __version__
    # a run killed outright (its importer gone, the next one marks it): nothing counted
    dead = {"run_id": "20261101T000000Z-dead", "status": "running",
            "started_at": datetime(2026, 11, 1, tzinfo=UTC)}  # fmt: skip
    graph.write("import/start_run", props=dead)
    monkeypatch.setattr(run, "_write_raw", original)
    code, summary, _ = _import(runner, str(folder))
    assert code == 1 and summary["tables"]["lots"]["written"] == 1
    assert os.stat(summary["reject_file"]).st_mode & 0o777 == 0o600
    listed = runner.invoke(app, ["imports"], terminal_width=120)
    assert listed.exit_code == 0, listed.output
    rows = {line.split()[0]: line.split()[1:] for line in listed.stdout.splitlines()
            if line.strip().startswith("2026")}  # fmt: skip
    assert rows[stopped["run_id"]][-4:] == ["≥4", "≥3", "≥1", "≥0"]
    dead_row = rows["20261101T000000Z-dead"]  # its local start between them
    assert (dead_row[0], dead_row[-4:]) == ("interrupted", ["?", "?", "?", "?"])
    assert rows[summary["run_id"]][-4:] == ["5", "4", "1", "0"]
    assert " ".join(listed.stdout.split()).endswith(
        "≥: counted for the files the run finished before it stopped; ?: not counted (killed, "
        "or still running). Re-running an import is safe and completes it."
    )


# Steps of two devices in batches of two (writer.BATCH_SIZE patched): the first batch holds
# KILN's 10-hour step, later ones only shorter steps.
_BOUND_STEPS = (
    "step_id,operation,started_at,ended_at,device_id,operator_id\n"
    "LONG,cure,2026-11-02T00:00:00Z,2026-11-02T10:00:00Z,KILN,OP1\n"
    "A1,cure,2026-11-02T11:00:00Z,2026-11-02T11:05:00Z,OVEN,OP2\n"
    "A2,cure,2026-11-02T12:00:00Z,2026-11-02T12:01:00Z,KILN,OP1\n"
    "A3,cure,2026-11-02T12:00:00Z,2026-11-02T12:02:00Z,OVEN,OP2\n"
    "A4,cure,2026-11-02T13:00:00Z,2026-11-02T13:01:00Z,KILN,OP1\n"
    "A5,cure,2026-11-02T13:00:00Z,2026-11-02T13:03:00Z,OVEN,OP2\n"
)


def _bounds(graph: TraceGraph) -> dict[str, int]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (n) WHERE n:Device OR n:Operator "
        "RETURN coalesce(n.device_id, n.operator_id) AS id, n.longest_step_s AS s",
        database_=graph.database,
    )
    return {r["id"]: r["s"] for r in records}


def test_steps_are_written_two_batches_at_once_and_bounds_cover_every_step(
    graph: TraceGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two transactions write batches of steps at once (the first two meet at a barrier, which
    one writer never reaches); each device's and operator's bound is still its longest step
    (10 h + 1 s for KILN, whichever batch commits first), and only a batch with a step longer
    than the bound the run last saw writes one (not the third: its steps are shorter)."""
    import threading

    from tracegraph.importing import writer

    monkeypatch.setattr(writer, "BATCH_SIZE", 2)
    _write(tmp_path, "steps.csv", _BOUND_STEPS)
    barrier = threading.Barrier(2, timeout=30)
    steps_batches: list[int] = []
    bound_writes: list[tuple[str, Any]] = []  # (query, the bounds it raises)
    write_all, write_records = graph.write_all, graph.write_records

    def overlapping(statements: list[tuple[str, dict[str, Any]]]) -> None:
        names = [name for name, _ in statements]
        # bounds are raised before the steps' transaction, never in it
        assert not any("steps_longest" in n for n in names), names
        if names[0] == "import/steps_create":
            steps_batches.append(len(statements[0][1]["rows"]))
            if len(steps_batches) <= 2:
                barrier.wait()  # both in flight, or BrokenBarrierError after 30 s
        write_all(statements)

    def recorded(name: str, /, **params: Any) -> list[Any]:
        bound_writes.extend([(name, params["longest"])] if "steps_longest" in name else [])
        return write_records(name, **params)

    monkeypatch.setattr(graph, "write_all", overlapping)
    monkeypatch.setattr(graph, "write_records", recorded)
    summary = import_paths(graph, [tmp_path])
    assert summary.rejected == 0 and summary.tables["steps"].written == 6
    assert steps_batches == [2, 2, 2]
    assert _bounds(graph) == {"KILN": 36_001, "OP1": 36_001, "OVEN": 301, "OP2": 301}
    # The first two batches raise bounds (in either order: the second may find the first's
    # raised already and write none); the third, begun once one of them is done, finds A4 and
    # A5 shorter than the bounds it saw and writes none. Written in every batch: 6.
    assert len(bound_writes) in (2, 4)
    raised = [(b["id"], b["seconds"]) for _, bounds in bound_writes for b in bounds]
    assert ("OVEN", 181) not in raised and ("KILN", 36_001) in raised  # A5's is the third's


def test_a_changed_step_raises_the_bound_of_the_device_it_is_on_now(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """A re-imported step that got longer, and one moved to another device and operator, raise
    the bounds where they are now (changed rows take the MERGE path, which raises them before
    its transaction too): a window late in the longer step still finds it."""
    _write(tmp_path, "steps.csv", _BOUND_STEPS)
    assert import_paths(graph, [tmp_path]).rejected == 0
    assert _bounds(graph)["OVEN"] == 301
    changed = _BOUND_STEPS.replace(
        "A1,cure,2026-11-02T11:00:00Z,2026-11-02T11:05:00Z,OVEN,OP2",
        "A1,cure,2026-11-02T11:00:00Z,2026-11-02T13:00:00Z,OVEN,OP2",
    ).replace(
        "A2,cure,2026-11-02T12:00:00Z,2026-11-02T12:01:00Z,KILN,OP1",
        "A2,cure,2026-11-02T12:00:00Z,2026-11-02T15:00:00Z,DRYER,OP3",
    )  # fmt: skip
    assert changed.count("13:00:00Z,OVEN") == 1 and "DRYER,OP3" in changed
    _write(tmp_path, "steps.csv", changed)
    summary = import_paths(graph, [tmp_path])
    assert summary.rejected == 0 and summary.tables["steps"].changed == 2
    bounds = _bounds(graph)
    assert (bounds["OVEN"], bounds["OP2"]) == (7_201, 7_201)
    assert (bounds["DRYER"], bounds["OP3"]) == (10_801, 10_801)
    assert bounds["KILN"] == 36_001  # a bound is an upper bound: it does not shrink
    window = trace_window(graph, "device", "OVEN", "2026-11-02T12:50:00Z", "2026-11-02T12:55:00Z")
    assert "A1" in [step["step_id"] for step in window.steps]


def test_a_run_that_fails_after_raising_bounds_leaves_them_covering_and_reruns_clean(
    graph: TraceGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bounds are raised before their steps' transaction: when that transaction fails, the bound
    stays (an upper bound of steps not yet written, never lower than one written), and the
    re-run gives the graph of a clean run, the bounds included."""
    from tracegraph.importing import writer

    monkeypatch.setattr(writer, "BATCH_SIZE", 2)
    _write(tmp_path, "steps.csv", _BOUND_STEPS)
    write_all = graph.write_all

    def failing(statements: list[tuple[str, dict[str, Any]]]) -> None:
        if statements[0][0] == "import/steps_create" and "LONG" in str(statements[0][1]):
            raise RuntimeError("the server went away")
        write_all(statements)

    monkeypatch.setattr(graph, "write_all", failing)
    with pytest.raises(RuntimeError):
        import_paths(graph, [tmp_path])
    assert _bounds(graph)["KILN"] == 36_001  # LONG is not written, its bound is
    monkeypatch.setattr(graph, "write_all", write_all)
    assert import_paths(graph, [tmp_path]).rejected == 0
    after_rerun = _graph_dump(graph)
    graph.reset(keep_schema=True)
    assert import_paths(graph, [tmp_path]).rejected == 0
    assert after_rerun == _graph_dump(graph)


def test_a_changed_device_or_operator_row_keeps_the_bound_its_steps_gave_it(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Device and operator rows re-imported with new names replace their nodes' properties but
    keep longest_step_s, so their windows still seek steps by start time rather than read the
    whole history: the bound their steps give, as a clean import of the same files leaves it (a
    step of 30.5 s gives 32; one ending before it starts, or with no end, 1; a device with no
    steps none) — also for a device first known from steps, whose row comes in a later run."""
    steps = _BOUND_STEPS + (
        "F1,mix,2026-11-02T14:00:00Z,2026-11-02T14:00:30.5Z,MIXER,OP3\n"
        "B1,mix,2026-11-02T15:00:00Z,2026-11-02T14:59:00Z,SCALE,OP4\n"
        "U1,mix,2026-11-02T16:00:00Z,,SIEVE,OP4\n"
    )  # fmt: skip
    _write(tmp_path, "steps.csv", steps)
    assert import_paths(graph, [tmp_path]).rejected == 0  # devices known from steps alone
    devices = "device_id,name\nKILN,{}\nMIXER,Mixer\nSCALE,Scale\nSIEVE,Sieve\nSPARE,Spare\n"
    _write(tmp_path, "devices.csv", devices.format("Kiln 1"))
    _write(tmp_path, "operators.csv", "operator_id,name\nOP1,Ann\nOP3,Cy\n")
    assert import_paths(graph, [tmp_path]).rejected == 0
    before = _bounds(graph)
    kiln, mixer = (before["KILN"], before["OP1"]), (before["MIXER"], before["OP3"])
    assert (kiln, mixer) == ((36_001, 36_001), (32, 32))
    assert (before["SCALE"], before["SIEVE"], before["OP4"]) == (1, 1, 1)
    assert before.get("SPARE", 0) is None  # a device with no steps has no bound
    _write(tmp_path, "devices.csv", devices.format("Kiln 2").replace("Spare", "Spare 2"))
    _write(tmp_path, "operators.csv", "operator_id,name\nOP1,Anne\nOP3,Cyd\n")
    summary = import_paths(graph, [tmp_path])
    assert (summary.tables["devices"].changed, summary.tables["operators"].changed) == (2, 2)
    assert _bounds(graph) == before
    names, _, _ = graph.driver.execute_query(
        "MATCH (n) WHERE (n:Device AND n.device_id = 'KILN') OR (n:Operator AND n.operator_id = "
        "'OP1') RETURN n.name AS name ORDER BY name",
        database_=graph.database,
    )
    assert [r["name"] for r in names] == ["Anne", "Kiln 2"]
    graph.reset(keep_schema=True)
    assert import_paths(graph, [tmp_path]).rejected == 0
    assert _bounds(graph) == before


def _window_answer(graph: TraceGraph, device: str, start: str, end: str) -> list[Any]:
    window = trace_window(graph, "device", device, start, end)
    return [(step["step_id"], step["lots"]) for step in window.steps]


def test_a_step_typo_corrected_leaves_the_bounds_and_windows_of_a_clean_import(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The tester's night: a plant imported (seed 5), then its steps.csv with one bake's end
    typed ten days late (S0000002 on OVEN-2 by OP08, ending 2026-01-15T07:05, not 01-05), then
    the right steps.csv again. OVEN-2 and OP08 kept longest_step_s 866,101 (steps only ever
    raised it) where a clean import gives 2,101; so a step begun on OVEN-2 at 08:00 on 01-05
    with no end (S9000001, making B9000001) was in the window of 01-06 00:00-06:00 on the
    nightly graph and in no window of a clean import. Now the correction computes both bounds
    again from their steps: the graph, bounds and window are the clean import's."""
    from tracegraph.plant import generate_plant

    plant = tmp_path / "plant"
    generate_plant(200, 5, plant)  # its last step ends on 2026-01-05
    right = (plant / "steps.csv").read_text(encoding="utf-8")
    line = "S0000002,bake,2026-01-05T06:30:00+00:00,2026-01-05T07:05:00+00:00,WO000000,OVEN-2,OP08,"
    assert line in right
    assert import_paths(graph, [plant]).rejected == 0
    clean_bounds = _bounds(graph)
    assert (clean_bounds["OVEN-2"], clean_bounds["OP08"]) == (2_101, 2_101)
    typo = tmp_path / "typo" / "steps.csv"
    typo.parent.mkdir()
    typo.write_text(right.replace(line, line.replace("01-05T07:05", "01-15T07:05")), "utf-8")
    assert import_paths(graph, [typo]).tables["steps"].updated == 1
    assert (_bounds(graph)["OVEN-2"], _bounds(graph)["OP08"]) == (866_101, 866_101)
    assert import_paths(graph, [plant / "steps.csv"]).tables["steps"].updated == 1
    assert _bounds(graph) == clean_bounds
    # an unended bake on OVEN-2, and the lot it made
    unended = tmp_path / "unended"
    unended.mkdir()
    (unended / "steps.csv").write_text(
        right.splitlines()[0] + "\n"
        "S9000001,bake,2026-01-05T08:00:00+00:00,,WO000000,OVEN-2,OP08,PLANT-1,,221,30\n",
        encoding="utf-8",
    )  # fmt: skip
    (unended / "step_outputs.csv").write_text(
        "step_id,lot_id,quantity,uom\nS9000001,B9000001,40,pcs\n", encoding="utf-8"
    )
    assert import_paths(graph, [unended]).rejected == 0
    window = ("OVEN-2", "2026-01-06T00:00:00+00:00", "2026-01-06T06:00:00+00:00")
    nightly = (_graph_dump(graph), _bounds(graph), _window_answer(graph, *window))
    graph.reset(keep_schema=True)
    assert import_paths(graph, [plant, unended]).rejected == 0
    clean = (_graph_dump(graph), _bounds(graph), _window_answer(graph, *window))
    assert clean[2] == []  # S9000001 began 16 hours before it: it ran at most 2,101 s
    assert nightly[1:] == clean[1:]
    assert nightly[0] == clean[0]


def test_a_full_dump_without_steps_leaves_their_devices_and_operators_a_clean_imports_bounds(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """A full dump of steps rolled back to an older one (LONG, KILN's 10-hour step by OP1, and
    OP9's only step gone): KILN and OP1 kept 36,001 and OP9 1 with no step left, where a clean
    import of the dump gives 121 (A4's 2 minutes), and OP9 no bound. Now the removal computes
    them again, so the graph is the clean import's."""
    steps = _BOUND_STEPS.replace("13:01:00Z,KILN", "13:02:00Z,KILN") + (
        "Z1,cure,2026-11-02T14:00:00Z,,OVEN,OP9\n"
    )
    _write(tmp_path / "new", "steps.csv", steps)
    _write(tmp_path / "new", "operators.csv", "operator_id,name\nOP1,Ann\nOP9,Ike\n")
    assert import_paths(graph, [tmp_path / "new"]).rejected == 0
    assert (_bounds(graph)["KILN"], _bounds(graph)["OP1"], _bounds(graph)["OP9"]) == (
        36_001, 36_001, 1,
    )  # fmt: skip
    older = "".join(line + "\n" for line in steps.splitlines()
                    if not line.startswith(("LONG,", "Z1,")))  # fmt: skip
    _write(tmp_path / "old", "steps.csv", older)
    _write(tmp_path / "old", "operators.csv", "operator_id,name\nOP1,Ann\nOP9,Ike\n")
    summary = import_paths(graph, [tmp_path / "old"], full=True, max_removals="100%",
                           reject_file=tmp_path / "rejects.csv")  # fmt: skip
    assert summary.removed == {"steps": 2, "operators": 0}
    rolled_back = (_graph_dump(graph), _bounds(graph))
    assert [rolled_back[1][key] for key in ("KILN", "OP1", "OP9")] == [121, 121, None]
    graph.reset(keep_schema=True)
    assert import_paths(graph, [tmp_path / "old"]).rejected == 0
    assert rolled_back == (_graph_dump(graph), _bounds(graph))


def test_bounds_a_killed_run_left_stale_are_computed_by_the_next_import(
    graph: TraceGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed after writing a corrected step but before computing its device's bound
    again: the run's ledger entry names OVEN as stale, and the next import — of another table
    altogether — computes it (301, as a clean import), and clears the list."""
    from tracegraph.importing import run, writer

    long = _BOUND_STEPS.replace("11:05:00Z,OVEN", "21:05:00Z,OVEN")
    _write(tmp_path / "a", "steps.csv", long)
    assert import_paths(graph, [tmp_path / "a"]).rejected == 0
    assert _bounds(graph)["OVEN"] == 36_301
    _write(tmp_path / "b", "steps.csv", _BOUND_STEPS)
    settle = writer.settle_bounds

    def killed(*_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "settle_bounds", killed)
    with pytest.raises(KeyboardInterrupt):
        import_paths(graph, [tmp_path / "b"])
    assert _bounds(graph)["OVEN"] == 36_301
    stale, _, _ = graph.driver.execute_query(
        "MATCH (r:ImportRun) WHERE r.stale_bound_devices IS NOT NULL "
        "RETURN r.stale_bound_devices AS d, r.stale_bound_operators AS o",
        database_=graph.database,
    )
    assert [(r["d"], r["o"]) for r in stale] == [(["OVEN"], ["OP2"])]
    monkeypatch.setattr(run, "settle_bounds", settle)
    _write(tmp_path / "c", "materials.csv", MATERIALS)
    assert import_paths(graph, [tmp_path / "c"]).rejected == 0
    assert (_bounds(graph)["OVEN"], _bounds(graph)["OP2"]) == (301, 301)
    stale, _, _ = graph.driver.execute_query(
        "MATCH (r:ImportRun) WHERE r.stale_bound_devices IS NOT NULL RETURN r",
        database_=graph.database,
    )
    assert stale == []


# One small export, as its system holds it: ids as text (leading zeros), times as text,
# numbers as floats (pandas' float64, NaN where empty) — written below as CSV, XLSX and Parquet.
_FORMAT_TABLES: dict[str, dict[str, list[Any]]] = {
    "lots": {
        "lot_id": ["000123", "000124", "B-1"],
        "material_id": ["M1", "M1", "B1"],
        "quantity": [12.0, 12.5, 40.0],
        "uom": ["kg", "kg", "pcs"],
        "created_at": ["2026-11-01T08:00:00+00:00"] * 3,
        "moisture_pct": [13.0, 13.25, None],
    },
    "steps": {
        "step_id": ["S1", "S2"],
        "operation": ["bake", "bake"],
        "started_at": ["2026-11-02T06:00:00+00:00", "2026-11-02T07:00:00+00:00"],
        "ended_at": ["2026-11-02T06:35:00+00:00", "2026-11-02T07:35:00+00:00"],
        "device_id": ["OVEN-1", "OVEN-1"],
        "oven_temp_c": [221.0, 221.5],
        "bake_min": [30.0, None],
    },
    "step_inputs": {
        "step_id": ["S1", "S1"],
        "lot_id": ["000123", "000124"],
        "quantity": [12.0, 2.5],
        "uom": ["kg", "kg"],
        "scale_kg": [12.0, 2.5],
    },
    "inspections": {
        "inspection_id": ["I1", "I2", "I3"],
        "test": ["core_temp"] * 3,
        "result": ["pass"] * 3,
        "inspected_at": ["2026-11-02T06:40:00+00:00"] * 3,
        "lot_id": ["B-1"] * 3,
        "value": [97.0, 96.4, None],
        "unit": ["degC", "degC", None],
    },
}


def _write_format(folder: Path, form: str) -> Path:
    """_FORMAT_TABLES as `form` files: CSV as pandas writes float64 (97.0), XLSX with
    openpyxl (numbers as numbers), Parquet with pyarrow (float64 columns)."""
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for table, columns in _FORMAT_TABLES.items():
        rows = list(zip(*columns.values(), strict=True))
        if form == "csv":
            text = ",".join(columns) + "\n" + "".join(
                ",".join("" if v is None else str(v) for v in row) + "\n" for row in rows
            )  # fmt: skip
            _write(folder, f"{table}.csv", text)
        elif form == "xlsx":
            book = openpyxl.Workbook()
            sheet = book.active
            assert sheet is not None
            sheet.title = table
            sheet.append(list(columns))
            for row in rows:
                sheet.append(list(row))
            book.save(folder / f"{table}.xlsx")
        else:
            pq.write_table(pa.table(columns), folder / f"{table}.parquet")
    return folder


def _stored_types(graph: TraceGraph) -> list[tuple[str, str, str]]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (n) WHERE n:Lot OR n:ProcessStep OR n:Inspection "
        "UNWIND [k IN keys(n) WHERE NOT k IN ['_row_sha'] | [k, valueType(n[k])]] AS kt "
        "RETURN DISTINCT labels(n)[0] AS label, kt[0] AS key, kt[1] AS type "
        "UNION MATCH ()-[r:INPUT_TO]->() "
        "UNWIND [k IN keys(r) WHERE NOT k IN ['_row_sha'] | [k, valueType(r[k])]] AS kt "
        "RETURN DISTINCT 'INPUT_TO' AS label, kt[0] AS key, kt[1] AS type",
        database_=graph.database,
    )
    return sorted((r["label"], r["key"], r["type"]) for r in records)


@pytest.mark.parametrize("order", [("csv", "xlsx", "parquet"), ("parquet", "csv", "xlsx")])
def test_one_value_has_one_type_whatever_the_file_format(
    graph: TraceGraph, tmp_path: Path, order: tuple[str, str, str]
) -> None:
    """The same data as CSV, XLSX and Parquet, imported one over the other: an inspection's
    value 97.0 was "97.0" from the CSV and "97" from XLSX or Parquet (a RowChange each time
    the format switched), and a process parameter 221.0 a float from the CSV and an integer
    from the others (no change recorded, but the graph a clean import of the other format
    would not make). Now every format stores one value one way — a whole number as an
    integer, "97" as an inspection's value, a quantity as a float — and a format switch
    changes nothing. Identifiers stay text with their zeros."""
    _write(tmp_path / "master", "materials.csv", MATERIALS)
    assert import_paths(graph, [tmp_path / "master"]).rejected == 0
    first = _write_format(tmp_path / order[0], order[0])
    assert import_paths(graph, [first]).rejected == 0
    dump, types = _graph_dump(graph), _stored_types(graph)
    for form in order[1:]:
        summary = import_paths(graph, [_write_format(tmp_path / form, form)])
        assert summary.rejected == 0
        assert {t: c.changed for t, c in summary.tables.items()} == dict.fromkeys(
            _FORMAT_TABLES, 0
        ), form
        assert (_graph_dump(graph), _stored_types(graph)) == (dump, types), form
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: '000123'}), (s:ProcessStep {step_id: 'S1'}), "
        "(t:ProcessStep {step_id: 'S2'}), (i:Inspection {inspection_id: 'I1'}), "
        "(j:Inspection {inspection_id: 'I2'}), (l)-[r:INPUT_TO]->(s) "
        "RETURN l.quantity AS q, l.moisture_pct AS m, s.oven_temp_c AS t1, "
        "t.oven_temp_c AS t2, s.bake_min AS b, i.value AS v1, j.value AS v2, "
        "r.quantity AS rq, r.scale_kg AS rs",
        database_=graph.database,
    )
    values = records[0].data()
    assert values == {"q": 12.0, "m": 13, "t1": 221, "t2": 221.5, "b": 30, "v1": "97",
                      "v2": "96.4", "rq": 12.0, "rs": 12}  # fmt: skip
    assert [type(values[k]) for k in ("q", "m", "t1", "t2", "b", "rq", "rs")] == [
        float, int, int, float, int, float, int,
    ]  # fmt: skip


def test_an_inspection_value_written_as_another_text_of_the_same_number_is_no_change() -> None:
    """A graph a CSV import filled before holds an inspection's value as the CSV wrote it,
    "97.0"; the first import after this version reads it as "97" and rewrites it, but that is
    no change of the ledger's. Identifiers are compared as text: 000123 and 123 are two."""
    from tracegraph.importing.changes import difference

    same = difference("inspections", "I1", 2, {"value": "97.0", "test": "t"},
                      {"value": "97", "test": "t"}, [])  # fmt: skip
    assert same.columns == ()
    other = difference("inspections", "I1", 2, {"value": "97.5", "lot_id": "000123"},
                       {"value": "97", "lot_id": "123"}, [])  # fmt: skip
    assert other.columns == ("lot_id", "value")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda xml: xml.replace(b"</sheetData>", b"<row><c></sheetData>"), "mismatched tag"),
        (lambda xml: xml.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY xxe SYSTEM '
                                 b'"file:///etc/hostname">]><worksheet', 1)
         .replace(b"<t>n</t>", b"<t>&xxe;</t>"), "undefined entity &xxe;"),
    ],
)  # fmt: skip
def test_a_sheet_whose_xml_does_not_parse_rejects_that_file_and_imports_the_others(
    runner: CliRunner, neo4j_env: dict[str, str], tmp_path: Path, damage: Any, reason: str
) -> None:
    """A valid zip whose sheet XML has a mismatched tag, or an entity no one defined (an external
    one: `&xxe;` naming file:///etc/hostname), ended the import with "unexpected failure:
    ParseError …", exit 3, no reject file, the folder's materials.csv not imported. Now that
    workbook is rejected on line 0 with the parser's reason, the others are imported, exit 1 —
    as a truncated zip already was; the entity stays unresolved."""
    import openpyxl

    folder = tmp_path / "in"
    # an id of its own per case: a file as the last import had it is skipped
    _write(folder, "materials.csv", f"material_id,name,kind\nMX-{len(reason)},flour,raw\n")
    book = openpyxl.Workbook()
    book.active.append(["operator_id", "name"])
    book.active.append(["BX1", "n"])
    path = folder / "operators.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = damage(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    code, summary, rejects = _import(runner, str(folder), "--rejects", str(tmp_path / "r.csv"))
    assert code == 1
    assert summary["tables"]["materials"]["written"] == 1
    assert [(r["file"], r["line"], r["table"]) for r in rejects] == [(str(path), "0", "operators")]
    assert rejects[0]["reason"].startswith(
        f"{path}: not a readable XLSX workbook (a sheet's XML: {reason}: line 1, column "
    )
    assert "\n" not in rejects[0]["reason"]


def test_a_header_name_holding_a_nul_byte_rejects_that_column_and_imports_the_rest(
    graph: TraceGraph, runner: CliRunner, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """A header `bad<NUL>name` stopped the whole import with Neo4j's "'bad\\0name' is not a
    valid token name", exit 2, with no file, line or column. Now that column is one reject on
    the header's line (line 2 here, under Excel's `sep=,`), the row is imported without it —
    its other extra column, named with an ESC, which Neo4j takes, kept — exit 1."""
    folder = tmp_path / "in"
    path = _write(folder, "operators.csv",
                  "sep=,\noperator_id,name,bad\0name,\x1b[31mred\nOPH1,n,v,w\n")  # fmt: skip
    code, summary, rejects = _import(runner, str(folder), "--rejects", str(tmp_path / "r.csv"))
    assert code == 1
    assert [(r["file"], r["line"], r["column"], r["value"]) for r in rejects] == [
        (str(path), "2", "bad\\x00name", "")
    ]
    assert rejects[0]["reason"] == (
        "a column name holding a NUL byte, which Neo4j cannot store as a property name: the "
        "column is not imported (rename it in the export)"
    )
    assert summary["tables"]["operators"]["written"] == 1
    records, _, _ = graph.driver.execute_query(
        "MATCH (o:Operator {operator_id: 'OPH1'}) RETURN properties(o) AS p",
        database_=graph.database,
    )
    assert [(r["p"]["name"], r["p"]["\x1b[31mred"]) for r in records] == [("n", "w")]


def test_every_extra_column_starting_with_an_underscore_is_kept_under_another_name(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A lots export's `_qa_comment` was stored as `_qa_comment`, which lot show and a trace's
    JSON leave out as the importer's bookkeeping, with no note; a `_reported` column (the
    importer's flag on the stubs it named) was stored over that flag, and importing it twice
    recorded "_reported - → no". Each `_` name is stored as export_<name>, with the note
    origin_known and _row_sha get."""
    folder = tmp_path / "in"
    _write(folder, "lots.csv", "lot_id,material_id,quantity,uom,_qa_comment,qa_comment,_reported\n"
           "UND1,FLOUR,1,kg,contaminated?,ok,no\n")  # fmt: skip
    code, summary, _ = _import(runner, str(folder))
    assert code == 0
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot {lot_id: 'UND1'}) RETURN properties(l) AS p", database_=graph.database
    )
    properties = records[0]["p"]
    assert {k: v for k, v in properties.items() if "qa" in k or "reported" in k} == {
        "export__qa_comment": "contaminated?", "qa_comment": "ok", "export__reported": "no"
    }  # fmt: skip
    assert [n for n in summary["notes"] if "keeps for itself" in n] == [
        f"{folder / 'lots.csv'}: column {name} is a name tracegraph keeps for itself: its values "
        f"are stored as export_{name}"
        for name in ("_qa_comment", "_reported")
    ]
    shown = runner.invoke(app, ["lot", "show", "UND1", "--format", "json"])
    assert "contaminated?" in shown.stdout


def test_every_text_column_of_the_reject_file_is_kept_as_text_in_a_spreadsheet(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The reject file escaped formula-like text in `value` only: a header
    `=HYPERLINK("http://evil.example")` (named in `column` and the reason) and a folder named
    `=cmd|' calc'!A0` (in `file`) were written as Excel runs them. Now every text column."""
    link = '=HYPERLINK("http://evil.example")'
    quoted = '"' + link.replace('"', '""') + '"'  # as the CSV writes it, named twice
    _write(tmp_path / "=cmd|' calc'!A0", "lots.csv", "lot_id,material_id,quantity,uom\n"
           "BAD1,MAT,abc,kg\n")  # fmt: skip
    _write(tmp_path / "bad4", "lots.csv", "lot_id,material_id,quantity,uom,"
           f"{quoted},{quoted}\nB4,FLOUR,1,kg,a,b\n")  # fmt: skip
    for folder in ("=cmd|' calc'!A0", "bad4"):
        code, _, _ = _import(runner, folder, "--dry-run", "--rejects", str(tmp_path / "r.csv"))
        assert code == 1
        with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))[1:]
        cells = [cell for row in rows for i, cell in enumerate(row) if i != 1]  # not the line
        assert cells and all(c[:1] not in ("=", "+", "-", "@") for c in cells), cells
    assert rows[0][2] == "'" + link


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_clean_import_leaves_the_named_reject_file_with_its_header_alone(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path, dry_run: bool
) -> None:
    """A clean import with `--rejects FILE` left last night's rejects in FILE: a monitoring job
    reading it raised a false alarm. Now FILE holds the header alone (the summary names no
    reject file); without --rejects no rejects-RUN.csv is made."""
    materials = _write(tmp_path / "in", "materials.csv", "material_id,name\nM1,Flour\n")
    stale = tmp_path / "rej.csv"
    stale.write_text("stale reject from last night\n")
    extra = ["--dry-run"] if dry_run else []
    code, summary, _ = _import(runner, str(materials), "--rejects", str(stale), *extra)
    assert (code, summary["reject_file"]) == (0, None)
    with open(stale, encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [["file", "line", "column", "value", "reason", "sheet",
                                        "table"]]  # fmt: skip
    assert _import(runner, str(materials), "--force", *extra)[0] == 0
    assert list(tmp_path.glob("rejects-*.csv")) == []


def test_a_link_line_repeated_exactly_is_said_kept_once(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Two pallets of one lot of equal weight on one step (`US1,UA,5,kg` twice) are an identical
    repeat, which the graph holds once: the step used 5 kg, not 10, and the import said
    nothing ("clean", exit 0) where 6 kg + 4 kg is rejected. Now a note says so and how to
    write them; a lot's own row repeated (lots.csv) is no link and says nothing."""
    plant = tmp_path / "plant"
    _write(plant, "lots.csv", "lot_id,material_id,quantity,uom\nUA,M1,10,kg\nUA,M1,10,kg\n")
    _write(plant, "steps.csv", "step_id,operation,started_at\nUS1,mix,2026-11-02T08:00:00Z\n")
    inputs = "US1,UA,5,kg\nUS1,UA,5,kg\nUS1,UB,1,kg\nUS1,UB,1,kg\n"
    _write(plant, "step_inputs.csv", "step_id,lot_id,quantity,uom\n" + inputs)
    code, summary, rejects = _import(runner, str(plant))
    assert (code, rejects) == (0, [])
    assert summary["tables"]["step_inputs"]["duplicates"] == 2
    assert [n for n in summary["notes"] if "repeat" in n] == [
        f"{plant / 'step_inputs.csv'}: 2 step_inputs lines repeat an earlier line exactly (as "
        "US1/UA on line 3, as on line 2): kept once; if they are several pallets of the lot, "
        'write one line with their sum (or a mapping\'s combine = "sum" adds them)'
    ]
