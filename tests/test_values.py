"""values: times as ISO text (iso), sort keys for instants, CSV cells safe for spreadsheets."""

from __future__ import annotations

import codecs
import csv
import io
import os
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tracegraph.values import counted, iso, were


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-03T08:15:00Z",  # the fast path
        "2026-11-03T08:15Z",
        "2026-11-03T08:15:00.5Z",
        "2026-11-03T08:15:00+01:00",
        "2026-11-03T23:59:59-05:30",
    ],
)
def test_iso_equals_python_isoformat(text: str) -> None:
    assert iso(text) == datetime.fromisoformat(text).isoformat()


def test_iso_keeps_what_python_cannot_read() -> None:
    assert iso("2026-01-05T04:00:00+01:00[Europe/Berlin]") == (
        "2026-01-05T04:00:00+01:00[Europe/Berlin]"
    )
    assert iso(None) is None


def test_times_of_several_offsets_sort_as_instants() -> None:
    """A lot's history and a recall's tracking events sorted ISO times as text: the SAP
    receipt at 08:15+01:00 came before the MES mix at 08:35+08:00 that used it, hours earlier."""
    from tracegraph.values import instant_key

    times = ["2026-11-03T08:15:00+01:00", "2026-11-03T08:35:00+08:00", None,
             "2026-11-03T07:00:00", "2026-11-03T09:00:00+01:00"]  # fmt: skip
    assert sorted(times, key=instant_key) == [
        None, "2026-11-03T08:35:00+08:00", "2026-11-03T07:00:00", "2026-11-03T08:15:00+01:00",
        "2026-11-03T09:00:00+01:00",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "times",
    [
        # several offsets: read as instants
        ["2026-11-03T08:15:00+01:00", "2026-11-03T08:35:00+08:00", None,
         "2026-11-03T07:00:00", "2026-11-03T09:00:00+01:00"],
        # one offset, fractions of a second and a time without any: text order would do
        ["2026-11-03T08:15:00.500000+02:00", "2026-11-03T08:15:00+02:00", None,
         "2026-11-03T08:14:59.999999+02:00", "2026-11-04T00:00:00+02:00"],
        ["2026-11-03T08:15:00Z", "2026-11-03T08:15:00+00:00", "2026-11-03T07:15:00+00:00"],
        ["2026-11-03T08:15:00+08:00[Asia/Shanghai]", "2026-11-03T07:15:00+01:00[Europe/Berlin]"],
    ],
)  # fmt: skip
def test_a_trace_sorts_times_as_instants_reading_them_only_when_their_offsets_differ(
    times: list[str | None],
) -> None:
    """instant_order keeps the text as the key when every time ends in the same offset (a
    wide trace's 2,200 times cost 3 ms parsed), and sorts as instant_key does in every case."""
    from tracegraph.values import instant_key, instant_order

    key = instant_order(times)
    assert sorted(times, key=key) == sorted(times, key=instant_key)
    assert (key is instant_key) == (len({t[-6:] for t in times if t}) > 1)


@pytest.mark.parametrize(
    ("text", "zone"),
    [("2026-11-03T08:15Z", "UTC"), ("2026-11-03T08:15:00+00:00", "UTC"),
     ("2026-11-03T08:15:00.5-05:00", "-05:00"),
     ("2026-11-03T08:15:00.123456789+08:00[Asia/Shanghai]", "Asia/Shanghai"),
     ("2026-11-03T08:15:00", "")],
)  # fmt: skip
def test_the_zone_of_a_time_is_named_as_a_reader_names_it(text: str, zone: str) -> None:
    from tracegraph.values import zone_name

    assert zone_name(text) == zone


@pytest.mark.parametrize(
    ("text", "utc", "offset"),
    [
        ("2026-11-03T08:15:00+00:00", "2026-11-03 08:15:00", "+00:00"),
        ("2026-11-03T08:15Z", "2026-11-03 08:15:00", "+00:00"),  # Neo4j's toString()
        ("2026-11-03T08:15:00+08:00", "2026-11-03 00:15:00", "+08:00"),
        ("2026-11-03T08:15:00", "2026-11-03 08:15:00", "+00:00"),  # no offset: UTC
        # Neo4j's text with nanoseconds and a zone name, which iso() keeps as it is
        # (the fraction kept, every digit: tests/test_recall_fractions.py)
        (
            "2026-11-03T08:15:00.123456789+08:00[Asia/Shanghai]",
            "2026-11-03 00:15:00.123456789",
            "+08:00",
        ),
    ],
)
def test_a_time_is_one_instant_on_the_sheet_in_the_order_and_in_the_epcis_event(
    text: str, utc: str, offset: str
) -> None:
    """A package reads an event's time once (values.moment): its UTC column, its place in the
    order and its EPCIS eventTime are one instant. Each read it its own way: Neo4j's text with
    nanoseconds or a zone name was no time to the sheet (a blank UTC cell) and to the order
    (sorted as if at 1970), and the instant it is to the EPCIS document."""
    from tracegraph.epcis import event_time
    from tracegraph.recall import _utc_text
    from tracegraph.values import instant_key, moment

    at = moment(text)
    assert at is not None and at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") == utc[:19]
    assert _utc_text(text) == utc
    assert instant_key(text)[1] == at.timestamp()
    when = event_time(text)
    assert when is not None and when[1] == offset
    assert datetime.fromisoformat(when[0]) == at
    assert moment(None) is None and moment("") is None and moment("soon") is None


def _csv_through(target: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracegraph.cli.render import print_csv

    monkeypatch.setattr("sys.stdout", target)
    rows: list[dict[str, Any]] = [
        {"lot_id": "=HYPERLINK(\"http://x\",\"y\")", "name": "批次号", "quantity": -3.5},
        {"lot_id": "+cmd|' /C calc'!A0", "name": "@SUM(1)", "quantity": None},
    ]  # fmt: skip
    print_csv(rows, ("lot_id", "name", "quantity"))
    target.flush()


def test_csv_written_to_a_file_is_made_for_excel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tracegraph … --format csv > out.csv`: Excel in a Chinese locale read UTF-8 without a
    byte order mark as GBK, and ran imported text like =HYPERLINK(…) as a formula."""
    path = tmp_path / "out.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        _csv_through(handle, monkeypatch)
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    # `>> both.csv` twice: one mark, at the start, not one in the middle of the file
    both = tmp_path / "both.csv"
    for _ in range(2):
        with both.open("a", encoding="utf-8", newline="") as handle:
            _csv_through(handle, monkeypatch)
    assert both.read_bytes().startswith(codecs.BOM_UTF8)
    assert both.read_bytes().count(codecs.BOM_UTF8) == 1
    assert list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines())) == [
        ["lot_id", "name", "quantity"],
        ['\'=HYPERLINK("http://x","y")', "批次号", "-3.5"],  # a number is no formula
        ["'+cmd|' /C calc'!A0", "'@SUM(1)", ""],
    ]


def test_csv_written_to_a_pipe_is_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program reading the pipe (`| python -c …`, `| csvlook`) gets the values unchanged."""
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w", encoding="utf-8", newline="") as handle:
        _csv_through(handle, monkeypatch)
    with os.fdopen(read_end, "rb") as out:
        data = out.read()
    assert not data.startswith(codecs.BOM_UTF8)
    assert list(csv.reader(data.decode("utf-8").splitlines()))[1:] == [
        ['=HYPERLINK("http://x","y")', "批次号", "-3.5"],
        ["+cmd|' /C calc'!A0", "@SUM(1)", ""],
    ]


class _Status(StrEnum):
    HOLD = "=hold"


@pytest.mark.parametrize(("for_excel", "formula"), [(True, "'=x"), (False, "=x")])
def test_csv_cells_of_every_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, for_excel: bool, formula: str
) -> None:
    """Each type of value as the CSV has always written it (print_csv hands numbers, None and
    text to the writer as they are): booleans as JSON has them, lists and maps as JSON text,
    numpy's float as its number, text of another class as its text."""
    from tracegraph.cli.render import print_csv

    row = {"none": None, "int": 7, "float": 0.1 + 0.2, "big": 1e16, "np": np.float64(2.5),
           "npint": np.int64(3), "yes": True, "no": False, "list": ["A", 1],
           "map": {"kg": 1.5, "批": None}, "text": "=x", "enum": _Status.HOLD}  # fmt: skip
    if for_excel:  # written to a file
        path = tmp_path / "out.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            monkeypatch.setattr("sys.stdout", handle)
            print_csv([row], list(row))
        text = path.read_text(encoding="utf-8-sig")
    else:  # to a stream that is no file (a pipe, a test's capture)
        piped = io.StringIO()
        monkeypatch.setattr("sys.stdout", piped)
        print_csv([row], list(row))
        text = piped.getvalue()
    assert list(csv.reader(text.splitlines()))[1] == [
        "", "7", "0.30000000000000004", "1e+16", "2.5", "3", "true", "false", '["A", 1]',
        '{"kg": 1.5, "批": null}', formula, "'=hold" if for_excel else "=hold",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("-2+3", "'-2+3"),  # Excel shows 1
        ("-SUM(A1:A9)", "'-SUM(A1:A9)"),
        ("\tx", "'\tx"),
        # a recall's customers.csv had '+1 214 555 0100 and '-2 pcs (a return): what a person
        # copies into a phone, what a script reads as an amount
        ("+1 214 555 0100", "+1 214 555 0100"),
        # Excel would calculate these: -868, -5, 0.5
        ("+1-214-555-0100", "'+1-214-555-0100"),
        ("-2-3", "'-2-3"),
        ("+1/2", "'+1/2"),
        ("+1 (214) 555 0100", "'+1 (214) 555 0100"),
        ("-2 pcs", "-2 pcs"),
        ("-12.5 g", "-12.5 g"),
        ("-5%", "-5%"),
        ("R-2024-0815", "R-2024-0815"),
    ],
)
def test_spreadsheet_safe_quotes_formulas_not_amounts(text: str, written: str) -> None:
    from tracegraph.values import spreadsheet_safe

    assert spreadsheet_safe(text) == written


@pytest.mark.parametrize(
    ("n", "thing", "things", "said"),
    [
        (1, "lot", None, "1 lot"),
        (0, "lot", None, "0 lots"),
        (1200, "lot", None, "1,200 lots"),
        (1, "lot on hold", "lots on hold", "1 lot on hold"),
        (2, "lot on hold", "lots on hold", "2 lots on hold"),
    ],
)
def test_a_count_says_one_thing_or_many(n: int, thing: str, things: str | None, said: str) -> None:
    """Summaries said "1 lots" and "1 steps after a failed calibration"."""
    assert counted(n, thing, things) == said
    assert f"{counted(n, 'row')} {were(n)}" == f"{n:,} {'row was' if n == 1 else 'rows were'}"
