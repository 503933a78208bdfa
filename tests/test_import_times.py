"""Times an import once read wrongly without a word: a zone name read by a mapping's %Z
(`08:15 UTC` stored as Berlin time), a format without a year (every time on 1900-01-01), the
end of a day written 24:00 (ISO 8601 and SAP's 24:00:00) refused, and local times the clocks
skipped (02:30 the night summer time begins) read silently."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph
from tracegraph.importing.mappings import load_mapping

from test_import import _import, _write  # isort: skip

HEAD = 'delimiter = ";"\ntimezone = "Europe/Berlin"\n[[file]]\nmatch = "receipts*.csv"\n'
LOTS = (
    HEAD + 'table = "lots"\n[file.columns]\nlot_id = "CHARG"\nmaterial_id = { value = "M" }\n'
    'supplier_id = { value = "V1" }\n'
)


def _mapped(tmp_path: Path, mapping: str, rows: str) -> list[str]:
    """The arguments importing receipts.csv (`rows` under its header) with `mapping`."""
    folder = tmp_path / "in"
    _write(folder, "receipts.csv", rows)
    (tmp_path / "map.toml").write_text(mapping, encoding="utf-8")
    return [str(folder), "--mapping", str(tmp_path / "map.toml")]


def _received(graph: TraceGraph) -> dict[str, str]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot)-[r:SUPPLIED_BY]->() RETURN l.lot_id AS lot, toString(r.received_at) AS at",
        database_=graph.database,
    )
    return {r["lot"]: r["at"] for r in records}


def test_a_zone_name_read_by_percent_z_is_utc_or_gmt_and_no_other(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    mapping = LOTS + 'received_at = { column = "TS", format = "%Y-%m-%d %H:%M %Z" }\n'
    rows = "CHARG;TS\nB1;2026-11-03 08:15 UTC\nB2;2026-11-03 08:15 GMT\nB3;2026-11-03 08:15 CET\n"
    code, _, rejects = _import(runner, *_mapped(tmp_path, mapping, rows))
    assert code == 1
    assert _received(graph) == {"B1": "2026-11-03T08:15:00Z", "B2": "2026-11-03T08:15:00Z"}
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("4", "not a date/time like %Y-%m-%d %H:%M %Z (%Z reads UTC or GMT: for another zone "
         "write its offset, read with %z)"),
    ]  # fmt: skip


@pytest.mark.parametrize("form", ['"%H:%M"', '["%d.%m.%Y %H:%M", "%d.%m. %H:%M"]'])
def test_a_format_without_a_year_is_refused_when_the_mapping_loads(
    tmp_path: Path, runner: CliRunner, form: str
) -> None:
    path = tmp_path / "map.toml"
    path.write_text(LOTS + f'received_at = {{ column = "TS", format = {form} }}\n')
    with pytest.raises(ConfigurationError, match=r"has no year \(%Y or %y\): every time would"):
        load_mapping(path)
    folder = tmp_path / "in"
    _write(folder, "receipts.csv", "CHARG;TS\nB1;08:15\n")
    result = runner.invoke(app, ["import", str(folder), "--mapping", str(path), "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: mapping ") and result.stderr.count("\n") == 1


def test_24_00_is_the_next_days_midnight(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """ISO 8601 allows T24:00 and SAP writes 24:00:00 for the end of a day; 24:30 is no time."""
    folder = tmp_path / "steps"
    _write(folder, "steps.csv", (
        "step_id,operation,started_at,ended_at\n"
        "S1,bake,2026-11-03T22:00,2026-11-03T24:00\n"
        "S2,bake,2026-12-31T22:00:00Z,2026-12-31T24:00:00.000Z\n"
        "S3,bake,2026-11-03T22:00,2026-11-03T24:30\n"
    ))  # fmt: skip
    rejects = _import(runner, str(folder), "--timezone", "Europe/Berlin")[2]
    assert [(r["line"], r["column"]) for r in rejects] == [("4", "ended_at")]
    records, _, _ = graph.driver.execute_query(
        "MATCH (s:ProcessStep) RETURN s.step_id AS id, toString(s.ended_at) AS ended ORDER BY id",
        database_=graph.database,
    )
    assert [(r["id"], r["ended"]) for r in records] == [
        ("S1", "2026-11-04T00:00:00+01:00"), ("S2", "2027-01-01T00:00:00Z"),
    ]  # fmt: skip
    # and from a mapping's date and time columns (SAP's BUDAT and CPUTM)
    mapping = LOTS + (
        'received_at = { template = "{BUDAT} {CPUTM}", '
        'format = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y"] }\n'
    )
    args = _mapped(tmp_path, mapping, "CHARG;BUDAT;CPUTM\nB1;03.11.2026;24:00:00\n")
    assert _import(runner, *args)[0] == 0
    assert _received(graph) == {"B1": "2026-11-04T00:00:00+01:00"}


def _dry_notes(runner: CliRunner, *args: str, about: str = "did not exist") -> list[str]:
    result = runner.invoke(app, ["import", *args, "--dry-run", "--format", "json"])
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    return [n for n in summary["notes"] if about in n]


def test_local_times_the_clocks_skipped_are_counted_in_a_note(
    runner: CliRunner, tmp_path: Path
) -> None:
    """From a canonical CSV, an XLSX date cell and a mapping's template alike: per file and
    column, how many."""
    _write(tmp_path / "csv", "steps.csv", (
        "step_id,operation,started_at,ended_at\n"
        "S1,bake,2026-03-29T02:30,2026-03-29T03:30\n"
        "S2,bake,2026-03-29T02:45,2026-03-29T04:00\n"
        "S3,bake,2026-03-29T01:59,2026-03-29T03:00\n"
    ))  # fmt: skip
    notes = _dry_notes(runner, str(tmp_path / "csv" / "steps.csv"), "--timezone", "Europe/Berlin")
    assert notes == [
        f"{tmp_path / 'csv' / 'steps.csv'}: 2 steps.started_at values without a UTC offset name "
        "local times that did not exist in Europe/Berlin (the clocks skipped them when summer "
        "time began): read with the offset before the change (2026-03-29T02:30:00 as "
        "2026-03-29T02:30:00+01:00, which is 03:30 CEST there)"
    ]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["step_id", "operation", "started_at"])
    sheet.append(["S1", "bake", datetime(2026, 3, 29, 2, 30)])
    (tmp_path / "xlsx").mkdir()
    book.save(tmp_path / "xlsx" / "steps.xlsx")
    notes = _dry_notes(runner, str(tmp_path / "xlsx"), "--timezone", "Europe/Berlin")
    assert len(notes) == 1 and ": 1 steps.started_at value without" in notes[0]
    mapping = LOTS + 'received_at = { template = "{BUDAT} {CPUTM}", format = "%d.%m.%Y %H:%M" }\n'
    args = _mapped(
        tmp_path, mapping, "CHARG;BUDAT;CPUTM\nB1;29.03.2026;02:30\nB2;29.03.2026;03:30\n"
    )
    notes = _dry_notes(runner, *args)
    assert len(notes) == 1 and ": 1 lots.received_at value without" in notes[0]


@pytest.mark.parametrize(
    ("zone", "day", "example"),
    [
        ("America/New_York", "2026-03-08", "2026-03-08T02:30:00-05:00, which is 03:30 EDT there"),
        # Chile skips midnight: 00:30 the night summer time begins did not exist
        ("America/Santiago", "2026-09-06", "2026-09-06T00:30:00-04:00, which is 01:30 -03 there"),
    ],
)
def test_the_skipped_hour_note_gives_its_example_in_the_zone_read(
    runner: CliRunner, tmp_path: Path, zone: str, day: str, example: str
) -> None:
    """The note said "in Europe, 02:30 as 03:30 summer time" for New York and Santiago too
    (Chile's clocks skip 00:00-01:00): its example is now the first skipped cell, as read and
    as the zone's clock showed it."""
    hour = "00:30" if zone == "America/Santiago" else "02:30"
    _write(tmp_path / "in", "steps.csv", f"step_id,operation,started_at\nS1,bake,{day}T{hour}\n")
    notes = _dry_notes(runner, str(tmp_path / "in"), "--timezone", zone)
    assert len(notes) == 1 and "(the clocks skipped it when summer time began)" in notes[0]
    assert notes[0].endswith(
        f"read with the offset before the change ({day}T{hour}:00 as {example})"
    )


def test_local_times_the_clock_showed_twice_are_counted_in_a_note(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The night summer time ends in Berlin (2026-10-25), 02:00-03:00 happens twice: 02:30 was
    read as the first (+02:00) without a word, though skipped cells had a note. Now a note per
    file and column counts them (3 inspected_at cells, not 01:30 nor the one with an offset),
    says which was taken and how to write the other."""
    _write(tmp_path / "in", "inspections.csv", (
        "inspection_id,test,result,inspected_at,lot_id\n"
        "I1,visual,pass,2026-10-25T02:30,L1\n"
        "I2,visual,pass,2026-10-25T02:59:59,L1\n"
        "I3,visual,pass,2026-10-25 02:00,L1\n"
        "I4,visual,pass,2026-10-25T01:30,L1\n"
        "I5,visual,pass,2026-10-25T02:30+01:00,L1\n"
    ))  # fmt: skip
    notes = _dry_notes(runner, str(tmp_path / "in"), "--timezone", "Europe/Berlin",
                       about="twice")  # fmt: skip
    assert notes == [
        f"{tmp_path / 'in' / 'inspections.csv'}: 3 inspections.inspected_at values without a UTC "
        "offset name local times that Europe/Berlin showed twice (the clocks went back): read as "
        "the first (2026-10-25T02:30:00 as 2026-10-25T02:30:00+02:00); for the second, write its "
        "offset (2026-10-25T02:30:00+01:00)"
    ]


def test_a_step_starting_in_the_skipped_hour_ends_after_it_starts(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The night summer time begins in Berlin (2026-03-29, 02:00 → 03:00): a step from 02:30
    to 03:10 was stored 02:30+01:00 → 03:10+02:00, −20 minutes, which `check` flags; the
    repeated hour's ends were already read so as to end after the start. The skipped start is
    now read with the offset after the change (02:30+02:00, 40 minutes), and a note says so;
    a step that ends after its start either way (T2) and one with offsets (T3) are as read."""
    _write(tmp_path / "in", "steps.csv", (
        "step_id,operation,started_at,ended_at\n"
        "T1,bake,2026-03-29T02:30:00,2026-03-29T03:10:00\n"
        "T2,bake,2026-03-29T02:30:00,2026-03-29T03:40:00\n"
        "T3,bake,2026-03-29T03:30:00+02:00,2026-03-29T03:10:00+02:00\n"
    ))  # fmt: skip
    code, summary, _ = _import(runner, str(tmp_path / "in"), "--timezone", "Europe/Berlin")
    assert code == 0
    path = tmp_path / "in" / "steps.csv"
    assert summary["notes"][0] == (
        f"{path}: 1 steps row starts in the hour the clocks skipped and ends after it: the start "
        "was read with the offset after the change (with the offset before, each would end "
        "before it starts)"
    )
    # only T2's start is still read with the offset before the change
    assert f"{path}: 1 steps.started_at value without" in summary["notes"][1]
    records, _, _ = graph.driver.execute_query(
        "MATCH (s:ProcessStep) RETURN s.step_id AS step, toString(s.started_at) AS started, "
        "toString(s.ended_at) AS ended ORDER BY step",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in records] == [
        ("T1", "2026-03-29T02:30:00+02:00", "2026-03-29T03:10:00+02:00"),
        ("T2", "2026-03-29T02:30:00+01:00", "2026-03-29T03:40:00+02:00"),
        ("T3", "2026-03-29T03:30:00+02:00", "2026-03-29T03:10:00+02:00"),
    ]


def test_times_beyond_the_microsecond_are_said_cut_and_never_merged(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The import reads times to the microsecond (Python's datetime) and cut the rest silently:
    alarms at .123456789 and .123456001 became one "duplicate" (one lost), calibrations at
    .000000001 pass and .000000002 fail were rejected as disagreeing duplicates, and .NET's
    7-digit `.1234567Z` lost its last digit. A note per file and column counts the cut cells;
    rows that collide only by the cut are rejected with a reason that says so."""
    _write(tmp_path / "in", "device_events.csv", (
        "device_id,event,at,result\n"
        "OVEN-7,alarm,2026-10-25T02:30:00.123456789+02:00,over_temperature\n"
        "OVEN-7,alarm,2026-10-25T02:30:00.123456001+02:00,over_temperature\n"
        "OVEN-7,calibration,2026-10-25T03:30:00.000000001+01:00,pass\n"
        "OVEN-7,calibration,2026-10-25T03:30:00.000000002+01:00,fail\n"
        "OVEN-7,alarm,2026-10-25T00:30:00.1234567Z,door_open\n"
        "OVEN-7,alarm,2026-10-25T00:30:00.1234567000Z,door_open\n"  # the same instant: a repeat
        "OVEN-7,alarm,2026-10-25T00:40:00.123456Z,door_open\n"  # nothing cut
    ))  # fmt: skip
    code, summary, rejects = _import(runner, str(tmp_path / "in"), "--timezone", "UTC")
    assert code == 1
    assert [n for n in summary["notes"] if "microsecond" in n] == [
        f"{tmp_path / 'in' / 'device_events.csv'}: 6 device_events.at values have digits beyond "
        "the microsecond (as 2026-10-25T02:30:00.123456789+02:00): cut to the microsecond, "
        "which the import keeps (rows that differ only beyond it are rejected, not merged)"
    ]
    apart = (
        "only as the import cuts times to the microsecond: its at differs from line {}'s beyond "
        "it (two records that cannot both be stored: write them at least a microsecond apart, "
        "or keep one)"
    )
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("3", "duplicate device_id+event+at+result " + apart.format(2)),
        ("5", "duplicate device_id+event+at " + apart.format(4)),
    ]
    assert summary["tables"]["device_events"]["duplicates"] == 1
    records, _, _ = graph.driver.execute_query(
        "MATCH (e:DeviceEvent) RETURN count(e) AS n", database_=graph.database
    )
    assert records[0]["n"] == 4


def test_time_cells_an_export_got_wrong_are_rejected_saying_how(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A canonical file's Excel serial (46329.33) and a 29 February of a common year got the
    general "not an ISO 8601 date/time", though a mapping already explains a serial; RFC 3339's
    lowercase `z` (2026-10-25T00:50:00z) was rejected outright. Now the serial is explained as
    the mapping does, the date is "no such date", and the `z` is UTC."""
    _write(tmp_path / "in", "lots.csv", (
        "lot_id,material_id,created_at\n"
        "L1,M1,46329.33\n"
        "L2,M1,2026-02-29\n"
        "L3,M1,2026-04-31T08:00\n"
        "L4,M1,2026-10-25T00:50:00z\n"
        "L5,M1,2028-02-29\n"
        "L6,M1,12\n"
        "L7,M1,2026-02-30\n"
    ))  # fmt: skip
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(app, ["import", str(tmp_path / "in"), "--dry-run", "--timezone", "UTC",
                                 "--rejects", str(rejects)])  # fmt: skip
    assert result.exit_code == 1, result.output
    with open(rejects, encoding="utf-8-sig", newline="") as f:
        reasons = {r["line"]: r["reason"] for r in csv.DictReader(f)}
    assert reasons == {
        "2": "an Excel serial date stored as a number: 46329.33 is 2026-11-03 07:55 — format the "
        "cells as dates in the workbook and export again, or read the file with a mapping whose "
        'column has format = "excel" (importers/README.md)',
        "3": "no such date: 2026 is no leap year (February has 28 days)",
        "4": "no such date: April has 30 days",
        "7": "not an ISO 8601 date/time (e.g. 2026-11-03T08:15:00+01:00)",
        # a 30 February is no leap year's either: "2026 is no leap year" said it was
        "8": "no such date: February has 28 days, 29 in a leap year",
    }
