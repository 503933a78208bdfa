"""Workbooks people edited by hand (a tester's LibreOffice- and openpyxl-made files): a stray
cell far to the right, a mapping's export saved as .xlsx, a date-only cell. Read without the
graph, as the import reads them."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils.datetime import CALENDAR_MAC_1904, to_excel

from tracegraph.importing.mappings import load_mapping
from tracegraph.importing.reader import OVERFLOW, _hidden_and_merged, read_table, row_problem
from tracegraph.importing.run import check_paths
from tracegraph.importing.validate import validate_lazily

LOTS = [["lot_id", "material_id", "quantity", "uom"],
        *([f"L-{n}", "FLOUR", 5, "kg"] for n in range(200))]  # fmt: skip


def _lots_book(path: Path, stray: str | None = None, styled: bool = False) -> Path:
    """LOTS as a workbook, with a value `stray` or a fill colour on an empty cell at XFD2."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "lots"
    for row in LOTS:
        sheet.append(row)
    if stray is not None:
        sheet["XFD2"] = stray
    if styled:
        sheet["XFD2"].fill = PatternFill("solid", fgColor="FFFF00")
    book.save(path)
    return path


def _cells(path: Path) -> tuple[int, list[tuple[int, dict[str, str]]]]:
    """The cells read from `path` (every row's, and the header's), and its rows."""
    table = read_table(path)
    return len(table.header) + sum(len(cells) for _, cells in table.rows), table.rows


def test_a_styled_empty_cell_far_right_reads_the_same_rows_and_no_more_cells(
    tmp_path: Path,
) -> None:
    """A fill colour on the empty cell XFD2 padded every row to 16,384 cells (99 s, 920 MB
    for 2,014 rows): the same rows are read, and as many cells as without it."""
    clean_cells, clean_rows = _cells(_lots_book(tmp_path / "clean.xlsx"))
    styled_cells, styled_rows = _cells(_lots_book(tmp_path / "lots.xlsx", styled=True))
    assert styled_rows == clean_rows
    assert styled_cells == clean_cells == 4 + 4 * 200


def test_a_value_far_right_rejects_its_row_naming_the_cell(tmp_path: Path) -> None:
    """A value typed at XFD2, beyond an empty column: its row has more cells than the header
    (the other rows are read, none padded); the reject shows the cell, not 16,000 commas."""
    cells, rows = _cells(_lots_book(tmp_path / "lots.xlsx", stray="x"))
    assert cells == 4 + 4 * 200 + 1  # the overflow
    assert rows[0][1][OVERFLOW] == "XFD: x"
    assert row_problem(rows[0][1]) == (
        "",
        "XFD: x",
        "the row has more cells than the header has columns",
    )
    assert [line for line, row in rows if row_problem(row)] == [2]


def test_a_note_beyond_an_empty_spacer_column_is_a_nameless_column_as_before(
    tmp_path: Path,
) -> None:
    """A note typed in F beyond an empty spacer E, the header in A:D: the row was imported,
    the note a nameless column (before rows were read to their last value only, as the sheet's
    width); read so again — it was rejected as "more cells than the header"."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "lots"
    for row in LOTS[:3]:
        sheet.append(row)
    sheet["F2"] = "Kommentar: ok"
    book.save(tmp_path / "lots.xlsx")
    _, rows = _cells(tmp_path / "lots.xlsx")
    assert [line for line, row in rows if row_problem(row)] == []
    assert "Kommentar: ok" in rows[0][1].values()


@pytest.mark.parametrize("bundled", ["sap", "mes_gbk"])
def test_the_bundled_mappings_read_their_exports_saved_as_xlsx(bundled: str) -> None:
    """A planner opens the SAP or MES export in Excel and saves it: every row of
    AFRU_confirmations.xlsx was rejected, as no section matched it (they matched *.csv)."""
    mapping = load_mapping(Path(bundled))
    names = {p.replace("*", "_0") for rule in mapping.rules for p in rule.match}
    csv_names = [n for n in names if n.endswith(".csv")]
    assert csv_names  # (a pattern read as a string's characters named no file at all)
    for csv_name in csv_names:
        xlsx = Path(csv_name).with_suffix(".xlsx")
        assert mapping.rules_for(xlsx), xlsx
        assert mapping.rules_for(xlsx) == mapping.rules_for(Path(csv_name)), xlsx


def test_a_file_a_section_matches_with_another_suffix_says_what_to_add(tmp_path: Path) -> None:
    """Lieferungen.xlsx and a section matching Lieferungen*.csv: the reject said only that no
    section matches; it names the file it would match and the pattern to add."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["Charge", "Material"], ["L-1", "M-1"], ["L-2", "M-1"]):
        sheet.append(row)
    book.save(tmp_path / "Lieferungen.xlsx")
    (tmp_path / "mapping.toml").write_text(
        '[[file]]\nmatch = "Lieferungen*.csv"\ntable = "lots"\n[file.columns]\n'
        'lot_id = "Charge"\nmaterial_id = "Material"\n',
        encoding="utf-8",
    )
    check_paths([tmp_path / "Lieferungen.xlsx"], mapping=load_mapping(tmp_path / "mapping.toml"),
                reject_file=tmp_path / "rejects.csv")  # fmt: skip
    with open(tmp_path / "rejects.csv", encoding="utf-8-sig", newline="") as f:
        reasons = [(r["line"], r["reason"]) for r in csv.DictReader(f)]
    reason = (
        "no [[file]] section of mapping.toml matches Lieferungen.xlsx (one matches "
        "Lieferungen.csv only: add 'Lieferungen*.xlsx' to its match)"
    )
    assert reasons == [("2", reason), ("3", reason)]


def test_a_date_only_cell_reads_as_the_csvs_date_a_shown_time_stays(tmp_path: Path) -> None:
    """An extra date column: the CSV gives 2027-05-01, the same table saved as XLSX (a date
    cell, date-only format) gave 2027-05-01T00:00:00, recorded as a change. A cell whose format
    shows the time (midnight included) keeps it, as its CSV would; LibreOffice's upper-case
    YYYY-MM-DD is a date too."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "lots"
    midnight, morning = datetime(2027, 5, 1), datetime(2027, 5, 1, 8, 15)
    sheet.append(["lot_id", "material_id", "best_before", "upper", "stamped", "timed", "long",
                  "es", "us"])  # fmt: skip
    sheet.append(["L-1", "FLOUR", midnight, midnight, midnight, morning, midnight, midnight,
                  midnight])  # fmt: skip
    # Excel's Long Date and a Spanish date carry locale tags (their letters were read as a
    # time's: T00:00:00); a US date and time keeps its time
    formats = {"C2": "yyyy-mm-dd", "D2": "YYYY-MM-DD", "E2": "yyyy-mm-dd hh:mm", "F2": "yyyy-mm-dd",
               "G2": "[$-x-sysdate]dddd, mmmm dd, yyyy", "H2": "[$-es-ES]dd/mm/yyyy",
               "I2": "[$-409]m/d/yy h:mm AM/PM"}  # fmt: skip
    for cell, form in formats.items():
        sheet[cell].number_format = form
    book.save(tmp_path / "lots.xlsx")
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,best_before,upper,stamped,timed,long,es,us\n"
        "L-1,FLOUR,2027-05-01,2027-05-01,2027-05-01T00:00:00,2027-05-01T08:15:00,2027-05-01,"
        "2027-05-01,2027-05-01T00:00:00\n",
        encoding="utf-8",
    )
    assert read_table(tmp_path / "lots.xlsx").rows == read_table(tmp_path / "lots.csv").rows


def test_a_1904_workbooks_serial_date_reject_names_its_1904_date(tmp_path: Path) -> None:
    """A date column formatted General in an old Mac workbook (the 1904 date system): the
    reject said 44867.33 is 2022-11-02 08:00 (from 1899-12-30); it is 2026-11-03 08:00."""
    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.title = "lots"
    serial = to_excel(datetime(2026, 11, 3, 8, 0), CALENDAR_MAC_1904)
    sheet.append(["lot_id", "material_id", "quantity", "uom", "created_at"])
    sheet.append(["M-3", "SALT", 1, "kg", serial])
    book.save(tmp_path / "lots.xlsx")
    out, rows = validate_lazily(read_table(tmp_path / "lots.xlsx"), "lots", ZoneInfo("UTC"))
    assert list(rows) == []
    [reject] = out.rejects
    assert round(float(reject.value), 6) == round(serial, 6)
    assert reject.reason.startswith(
        f"an Excel serial date stored as a number: {reject.value} is 2026-11-03 08:00 — "
    )


@pytest.mark.parametrize("cell", ["5 kg", "12.5kg", "3 Stk.", "5 千克"])
def test_a_number_and_its_unit_in_one_quantity_cell_says_where_the_unit_goes(
    tmp_path: Path, cell: str
) -> None:
    """A quantity typed `5 kg` was rejected with a bare "not a number"."""
    (tmp_path / "lots.csv").write_text(
        f"lot_id,material_id,quantity,uom\nL-1,FLOUR,{cell},kg\nL-2,FLOUR,x5,kg\n",
        encoding="utf-8",
    )
    out, rows = validate_lazily(read_table(tmp_path / "lots.csv"), "lots", ZoneInfo("UTC"))
    assert list(rows) == []
    assert [(r.line, r.reason) for r in out.rejects] == [
        (2, "not a number: a number and a unit in one cell: put the unit in the uom column"),
        (3, "not a number"),
    ]


def test_a_hidden_sheet_read_is_said_to_be_hidden(tmp_path: Path) -> None:
    """Last month's rows in a hidden sheet `lots`, this month's in the visible `Lots neu`: the
    hidden one is read (named like the file), and the reject said to move the rows to a sheet
    the planner cannot see. The note and the reject say it is hidden."""
    book = Workbook()
    old = book.active
    assert old is not None
    old.title = "lots"
    old.append(["lot_id", "material_id", "quantity", "uom"])
    old.append(["HID-1", "SALT", 1, "kg"])
    old.sheet_state = "hidden"
    new = book.create_sheet("Lots neu")
    new.append(["lot_id", "material_id", "quantity", "uom"])
    new.append(["HID-2", "SALT", 2, "kg"])
    book.active = 1
    path = tmp_path / "lots.xlsx"
    book.save(path)
    summary = check_paths([path], reject_file=tmp_path / "rejects.csv")
    with open(tmp_path / "rejects.csv", encoding="utf-8-sig", newline="") as f:
        [reject] = list(csv.DictReader(f))
    assert reject["sheet"] == "Lots neu"
    assert reject["reason"].endswith("move its rows to sheet 'lots', a hidden sheet: unhide it")
    assert (
        f"{path}: read sheet 'lots', which is hidden in the workbook (its tab is not shown): "
        "unhide it to see the rows imported"
    ) in summary.notes


def _quoted_singly(path: Path) -> None:
    """The workbook's sheet XML with its rows' and merges' attributes in single quotes, spaces
    around `=` (the scan read only `hidden="1"`: openpyxl reads both)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = re.sub(rb'\s(r|hidden|ref)="([^"]*)"', rb" \1 = '\2'", members[sheet])
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


# The reject of an empty cell in the merged range B3:B5 but its first
_IN_B3_B5 = (
    "required value is empty (the cell is part of the merged range B3:B5, whose value is in "
    "its first cell only: unmerge it and fill each cell)"
)


def test_merged_and_hidden_rows_are_said(tmp_path: Path) -> None:
    """Material B3:B5 merged: rows 4-5 were rejected "required value is empty" without a word
    of the merge; a row hidden by hand or a filter was imported unsaid. The rejects name the
    merged range; a note counts the hidden rows (imported: data is data)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "lots"
    sheet.append(["lot_id", "material_id", "quantity", "uom"])
    for n, material in enumerate(["SALT", "SUGAR", None, None, "SALT", "SALT"], start=1):
        sheet.append([f"Z-{n}", material, n, "kg"])
    sheet.merge_cells("B3:B5")
    sheet.row_dimensions[6].hidden = True
    sheet.row_dimensions[7].hidden = True
    sheet.auto_filter.ref = "A1:D7"
    path = tmp_path / "lots.xlsx"
    book.save(path)
    _quoted_singly(path)  # as XML allows and some writers do: `hidden = '1'`
    _merged_and_hidden_said(path, "6, 7", 4)


def _merged_and_hidden_said(path: Path, hidden: str, written: int) -> None:
    """The rejects of lots.xlsx at `path` name its merged range B3:B5 on rows 4 and 5, a note
    its 2 `hidden` rows, and `written` rows are written."""
    rejected = path.with_name("rejects.csv")
    summary = check_paths([path], reject_file=rejected)
    with open(rejected, encoding="utf-8-sig", newline="") as f:
        rejects = [(r["line"], r["column"], r["reason"]) for r in csv.DictReader(f)]
    assert rejects == [("4", "material_id", _IN_B3_B5), ("5", "material_id", _IN_B3_B5)]
    assert (
        f"{path}: 2 rows of sheet 'lots' hidden in the workbook (by a filter or by hand; rows "
        f"{hidden}) imported as the others: delete the rows in the workbook that are not to be "
        "imported"
    ) in summary.notes
    assert summary.tables["lots"].written == written


def _sheet_xml(path: Path, rows: str) -> None:
    """The workbook at `path` with its first sheet's data replaced by `rows` (hand-written
    `<row>` elements) and the merged range B3:B5."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/worksheets/sheet1.xml"] = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData>{rows}</sheetData><mergeCells count="1"><mergeCell ref="B3:B5"/>'
        "</mergeCells></worksheet>"
    ).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_rows_and_cells_without_their_r_attribute_are_counted_in_order(tmp_path: Path) -> None:
    """`r` is optional on `<row>` and `<c>` (streaming writers, some ERPs' exporters leave it
    out): a row is then the one after the row before. The scan for hidden rows skipped such
    rows: the hidden rows were imported unsaid. Rows 7-8 are absent (the row after is r="9")."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "lots"
    path = tmp_path / "lots.xlsx"
    book.save(path)

    def row(*values: str, at: str = "") -> str:
        cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' if v else "<c/>"
                        for v in values)  # fmt: skip
        return f"<row{at}>{cells}</row>"

    _sheet_xml(path, "".join([
        row("lot_id", "material_id", "quantity", "uom"), row("Z-1", "SALT", "1", "kg"),
        row("Z-2", "SUGAR", "2", "kg"), row("Z-3", "", "3", "kg"), row("Z-4", "", "4", "kg"),
        row("Z-5", "SALT", "5", "kg", at=' hidden="1"'), row("Z-6", "SALT", "6", "kg", at=' r="9"'),
        row("Z-7", "SALT", "7", "kg", at=' hidden="1"'),
    ]))  # fmt: skip
    _merged_and_hidden_said(path, "6, 10", 5)


def test_rows_without_r_are_counted_once_across_the_scans_chunks(tmp_path: Path) -> None:
    """The sheet's XML is scanned in chunks of 1 MB that overlap by 4 KB: a row without `r`
    in the overlap, counted in both, would put every row after it further down."""
    rows = 100_000  # 2.5 MB: three chunks
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sheet.xml", "<sheetData>" + "<row><c><v>1</v></c></row>" * (rows - 1)
                         + '<row hidden="1"><c><v>1</v></c></row></sheetData>')  # fmt: skip
    sheet = SimpleNamespace(_worksheet_path="sheet.xml")
    assert _hidden_and_merged(path, sheet) == (frozenset({rows}), ())
