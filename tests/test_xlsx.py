"""tracegraph.xlsx, the recall package's workbook writer: what it writes is read back by
openpyxl (another implementation of the format) as given — text that looks like a formula or
an escape, characters XML cannot hold, numbers, dates — with the header in bold, frozen panes,
an autofilter over the rows and column widths."""

from __future__ import annotations

import math
import zipfile
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from tracegraph import xlsx
from tracegraph.xlsx import Sheet, column_letter, write_workbook

TEXTS = [
    '=HYPERLINK("http://x.example","click")',  # a formula in Excel if written as one
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "  leading and trailing  ",
    "two\nlines\tand a tab",
    "a Windows line\r\nand a lone\rreturn",  # XML reads a carriage return as a line feed
    "a & b < c > d \"quoted\" 'single'",
    "批次号 物料编码 — Hauptstraße 5 — 🍞",
    "000123",
    "_x0041_ stays as typed, _X004a_ too, _x41_ and _x004G_",  # Excel reads _x0041_ as A
    "x" * 10_000,
]


def _read(path: Path, title: str) -> list[list[object]]:
    """The sheet's values as Excel reads them: openpyxl leaves the _xHHHH_ escapes of text
    cells as they are, and its `unescape` reads them as Excel does (ECMA-376's ST_Xstring)."""
    sheet = load_workbook(path)[title]
    return [[unescape(cell.value) if isinstance(cell.value, str) else cell.value for cell in row]
            for row in sheet.iter_rows()]  # fmt: skip


def test_text_is_read_back_as_written_even_what_looks_like_a_formula(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "t.xlsx", [Sheet("texts", ["text"], [[t] for t in TEXTS])])
    assert _read(path, "texts") == [["text"], *([t] for t in TEXTS)]


def test_characters_xml_cannot_hold_are_written_as_excels_escapes(tmp_path: Path) -> None:
    """A control character from an ERP export made openpyxl refuse the whole workbook
    (IllegalCharacterError); Excel writes it as _x0001_ and shows it so."""
    texts = ["bell\x07 nul\x00 end", "_x0041\x01 (an escape's start before a control)"]
    path = write_workbook(tmp_path / "c.xlsx", [Sheet("s", ["v"], [[t] for t in texts])])
    with zipfile.ZipFile(path) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "bell_x0007_ nul_x0000_ end" in xml
    assert [row[0] for row in _read(path, "s")[1:]] == texts
    assert not list(tmp_path.glob("*.part"))  # written beside it, then renamed


def test_numbers_booleans_dates_and_gaps_keep_their_types(tmp_path: Path) -> None:
    moment = datetime(2026, 11, 4, 8, 0, 30)
    aware = datetime(2026, 11, 4, 9, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    rows: list[list[Any]] = [
        [0, -18, 12345678901234, 2.5, 1e-05, True, False, moment, aware],
        ["a", None, "", 400.0, None, None, True, None, "last"],
        [math.inf, math.nan, np.float64(0.25), None, Decimal("1.10"), None, None, None, None],
    ]  # fmt: skip
    header = [f"c{n}" for n in range(1, 10)]
    path = write_workbook(tmp_path / "n.xlsx", [Sheet("values", header, rows)])
    got = _read(path, "values")
    assert got[0] == header
    assert got[1] == [0, -18, 12345678901234, 2.5, 1e-05, True, False, moment, moment]
    assert got[2] == ["a", None, None, 400.0, None, None, True, None, "last"]
    # what is no number in Excel is its text; a numpy float is a number
    assert got[3] == ["inf", "nan", 0.25, None, "1.10", None, None, None, None]
    book = load_workbook(path)
    assert book["values"]["H2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert book["values"]["I2"].value == datetime(2026, 11, 4, 8, 0, 30)  # the instant in UTC


def test_a_date_excel_has_no_serial_for_is_its_iso_text(tmp_path: Path) -> None:
    """An export's "no date" 0001-01-01 east of UTC is in year 0 there, and 9999-12-31 23:59
    west of UTC in year 10000: the recall package stopped with an OverflowError. Before
    1900-03-01 Excel's serials are wrong or none."""
    east, west = timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))
    dates = [
        datetime(1, 1, 1, tzinfo=east), datetime(9999, 12, 31, 23, 59, 59, tzinfo=west),
        datetime(1899, 12, 31), datetime(1900, 3, 1), datetime(9999, 12, 31, 23, 59, 59),
    ]  # fmt: skip
    path = write_workbook(tmp_path / "d.xlsx", [Sheet("dates", ["d"], [[d] for d in dates])])
    assert [row[0] for row in _read(path, "dates")[1:]] == [
        "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00", "1899-12-31T00:00:00",
        datetime(1900, 3, 1), datetime(9999, 12, 31, 23, 59, 59),
    ]  # fmt: skip


def test_every_sheet_has_a_bold_header_kept_in_view_an_autofilter_and_its_widths(
    tmp_path: Path,
) -> None:
    path = write_workbook(tmp_path / "s.xlsx", [
        Sheet("tracking events", ["lot", "qty", "when"], [["A", 1, None], ["B", 2, None]],
              widths=[12, 8, 21]),
        Sheet("it's empty", ["only", "a header"], []),
    ])  # fmt: skip
    book = load_workbook(path)
    assert book.sheetnames == ["tracking events", "it's empty"]
    events, empty = book["tracking events"], book["it's empty"]
    assert events.freeze_panes == "A2" and empty.freeze_panes == "A2"
    assert all(cell.font.b for cell in events[1]) and not events["A2"].font.b
    assert events.auto_filter.ref == "A1:C3" and empty.auto_filter.ref == "A1:B1"
    assert [events.column_dimensions[c].width for c in "ABC"] == [12, 8, 21]
    # the hidden names Excel keeps autofilters in (openpyxl reads them and drops them), sheet
    # names quoted as Excel quotes them
    with zipfile.ZipFile(path) as zipped:
        workbook = zipped.read("xl/workbook.xml").decode("utf-8")
    assert (
        '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        "'tracking events'!$A$1:$C$3</definedName>"
        '<definedName name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">'
        "'it''s empty'!$A$1:$B$1</definedName>"
    ) in workbook


def test_a_sheet_longer_than_excel_holds_goes_on_in_numbered_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recall of a year of a commodity's lots has more tracking events than a sheet holds
    (1,048,576 rows), and Excel does not open the rest as written. Here a sheet holds
    four rows (the limit made small: a million rows take a minute)."""
    assert (xlsx.MAX_ROWS, xlsx.MAX_TEXT) == (1_048_576, 32_767)  # Excel's own limits
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)
    rows = [[f"L{n}", n] for n in range(1, 9)]
    path = write_workbook(tmp_path / "long.xlsx", [
        Sheet("tracking events", ["lot", "n"], (row for row in rows), widths=[10, 5]),
        Sheet("customers", ["customer_id"], [["C1"], ["C2"], ["C3"]]),  # exactly full
    ])  # fmt: skip
    book = load_workbook(path)
    assert book.sheetnames == ["tracking events", "tracking events (2)", "tracking events (3)",
                               "customers"]  # fmt: skip
    parts = [_read(path, title) for title in book.sheetnames[:3]]
    assert [part[0] for part in parts] == [["lot", "n"]] * 3  # the header on every part
    assert [row for part in parts for row in part[1:]] == rows
    assert [book[t].auto_filter.ref for t in book.sheetnames] == ["A1:B4", "A1:B4", "A1:B3",
                                                                   "A1:A4"]  # fmt: skip
    assert book["tracking events (3)"].freeze_panes == "A2"
    assert book["tracking events (2)"].column_dimensions["A"].width == 10


def test_a_text_longer_than_a_cell_holds_is_cut_and_says_so(tmp_path: Path) -> None:
    """An input list of a step with thousands of inputs runs past the 32,767 characters an
    Excel cell holds (the CSV beside the workbook keeps it whole)."""
    whole, long, wide = "w" * 32_767, "L1234567 " * 5_000, "🍞" * 20_000
    rows = [[whole], [long], [wide]]
    path = write_workbook(tmp_path / "t.xlsx", [Sheet("s", ["text"], rows)])
    kept, cut, emoji = (row[0] for row in _read(path, "s")[1:])
    assert kept == whole
    assert isinstance(cut, str) and len(cut) == 32_767
    assert cut.startswith(long[:30_000]) and cut.endswith("[cut: a cell holds 32,767 characters]")
    # Excel counts UTF-16 units: 20,000 emoji are 40,000 of them
    assert isinstance(emoji, str) and emoji.endswith("[cut: a cell holds 32,767 characters]")
    assert len(emoji.encode("utf-16-le")) // 2 <= 32_767 and emoji.startswith("🍞" * 16_000)


@pytest.mark.parametrize(("number", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (703, "AAA")])
def test_column_letters(number: int, letters: str) -> None:
    assert column_letter(number) == letters


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_each_page(
    tmp_path: Path,
) -> None:
    """A recall's 114 tracking events printed on 25 portrait pages (LibreOffice, A4), each a
    few of the 24 columns of some rows, the header on the first alone: each sheet is set to
    print landscape, one page wide and as many tall as it takes, its header row repeated."""
    path = write_workbook(tmp_path / "p.xlsx", [
        Sheet("tracking events", ["lot", "qty"], [["A", 1]], widths=[12, 8]),
        Sheet("it's empty", ["only"], []),
    ])  # fmt: skip
    book = load_workbook(path)
    for sheet in book:
        setup = sheet.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
        assert setup.paperSize == 9  # A4: without it, US Letter (the standard's default)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
    with zipfile.ZipFile(path) as zipped:
        workbook = zipped.read("xl/workbook.xml").decode("utf-8")
    assert (
        '<definedName name="_xlnm.Print_Titles" localSheetId="1">'
        "'it''s empty'!$1:$1</definedName>"
    ) in workbook
