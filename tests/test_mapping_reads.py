"""What a mapping can read: several sheets of one workbook, Excel serial dates, a delimiter per
section, Excel's "Unicode text" .txt export; and what the reject file says of it (sheet and
table columns, a file that cannot be read)."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph
from tracegraph.importing.mappings import _CellProblem, _moment, load_mapping
from tracegraph.importing.run import check_paths
from tracegraph.importing.validate import Reject

RECEIPT_HEADER = ["Charge", "Material", "Menge", "Einheit", "Eingang"]
STEP_HEADER = ["Auftrag", "Vorgang", "Start", "Richtung", "Charge", "Menge", "Einheit"]
# 2026-11-03 08:00 as Excel stores it in a cell formatted General: days since 1899-12-30
SERIAL = 46329.33333333334

LOTS = """
[[file]]
match = "plant.xlsx"
sheet = "Wareneingang"
table = "lots"
[file.columns]
lot_id = "Charge"
material_id = "Material"
quantity = "Menge"
uom = "Einheit"
created_at = { column = "Eingang", format = FORMAT }
"""
STEPS = """
[[file]]
match = "plant.xlsx"
sheet = "Produktion"
table = "steps"
[file.columns]
step_id = "Auftrag"
operation = "Vorgang"
started_at = { column = "Start", format = "%d.%m.%Y %H:%M" }

[[file]]
match = "plant.xlsx"
sheet = "Produktion"
table = "step_inputs"
where = { Richtung = "IN" }
[file.columns]
step_id = "Auftrag"
lot_id = "Charge"
quantity = "Menge"
uom = "Einheit"
"""


def _workbook(path: Path, serial: Any = SERIAL, date1904: bool = False) -> None:
    """A hand-kept workbook: receipts, production and shipments on three sheets."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.Workbook()
    if date1904:
        book.epoch = CALENDAR_MAC_1904
    receipts = book.active
    receipts.title = "Wareneingang"
    receipts.append(RECEIPT_HEADER)
    receipts.append(["R-1", "FLOUR", 25, "kg", serial])
    receipts.append(["R-2", "SALT", 5, "kg", serial])
    steps = book.create_sheet("Produktion")
    steps.append(STEP_HEADER)
    steps.append(["A-1", "mix", "03.11.2026 09:00", "IN", "R-1", 10, "kg"])
    steps.append(["A-1", "mix", "03.11.2026 09:00", "IN", "R-2", "zwei", "kg"])
    book.create_sheet("Versand").append(["Lieferschein", "Kunde"])
    book.save(path)


def _import(
    runner: CliRunner, tmp_path: Path, mapping: str, *extra: str, folder: Path | None = None
) -> tuple[int, dict[str, Any], list[dict[str, str]]]:
    """Import the folder `export` under tmp_path with the mapping text; the exit code, the
    JSON summary and the reject file's rows."""
    (tmp_path / "mapping.toml").write_text(mapping, encoding="utf-8")
    result = runner.invoke(app, ["import", str(folder or tmp_path / "export"), "--mapping",
                                 str(tmp_path / "mapping.toml"), "--format", "json",
                                 *extra])  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    summary = json.loads(result.stdout)
    rejects = []
    if summary["reject_file"]:
        with open(summary["reject_file"], encoding="utf-8-sig", newline="") as f:
            rejects = list(csv.DictReader(f))
    return result.exit_code, summary, rejects


def _lots(graph: TraceGraph) -> list[dict[str, Any]]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot) RETURN l.lot_id AS lot, toString(l.created_at) AS created ORDER BY lot",
        database_=graph.database,
    )
    return [r.data() for r in records]


def test_sections_read_the_sheets_they_name_of_one_workbook(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A workbook of several sheets could not be mapped: `sheet = "Produktion"` was "unknown
    key 'sheet'", and without it every section read the first sheet (242 rows per table
    rejected in the tester's workbook, "column 'Auftrag' ... is not in the header", no sheet
    named). Now each section reads its sheet: 2 lots from Wareneingang, 1 step and 1 input
    from Produktion, the input in words rejected naming its sheet and table; the sheet no
    section reads (Versand) is in a note."""
    (tmp_path / "export").mkdir()
    _workbook(tmp_path / "export" / "plant.xlsx")
    mapping = 'timezone = "UTC"\n' + LOTS.replace("FORMAT", '"excel"') + STEPS
    code, summary, rejects = _import(runner, tmp_path, mapping)
    assert code == 1
    assert _lots(graph) == [
        {"lot": "R-1", "created": "2026-11-03T08:00:00Z"},
        {"lot": "R-2", "created": "2026-11-03T08:00:00Z"},
    ]
    tables = summary["tables"]
    # the step's two rows are one step and its repeat
    assert (tables["lots"]["written"], tables["steps"]["written"]) == (2, 2)
    assert (tables["step_inputs"]["written"], tables["step_inputs"]["rejected"]) == (1, 1)
    assert [(r["line"], r["column"], r["value"], r["reason"], r["sheet"], r["table"])
            for r in rejects] == [
        ("3", "Menge (quantity)", "zwei", "not a number", "Produktion", "step_inputs"),
    ]  # fmt: skip
    assert any("sheets with data not read: 'Versand'" in note for note in summary["notes"])


def test_a_sheet_the_workbook_lacks_is_named_with_the_sheets_it_has(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A section's `sheet` that the workbook does not have: its sections' rows cannot be read,
    one reject (line 0, exit 1) names the sheet asked for and lists the sheets there are,
    counted as one row of its table (steps), not of a table named after the file; the other
    sheet's 2 lots are written."""
    (tmp_path / "export").mkdir()
    _workbook(tmp_path / "export" / "plant.xlsx")
    mapping = LOTS.replace("FORMAT", '"excel"') + STEPS.replace('"Produktion"', '"Produktoin"')
    code, summary, rejects = _import(runner, tmp_path, mapping)
    assert code == 1
    assert len(_lots(graph)) == 2
    path = tmp_path / "export" / "plant.xlsx"
    assert [(r["line"], r["reason"], r["sheet"], r["table"]) for r in rejects] == [
        ("0", f"{path}: has no sheet 'Produktoin' (its sheets: 'Wareneingang', 'Produktion', "
         "'Versand') (hint: give the [[file]] section's `sheet` one of them, as its tab names "
         "it)", "Produktoin", "steps"),
    ]  # fmt: skip
    assert set(summary["tables"]) == {"lots", "steps"}
    assert (summary["tables"]["steps"]["read"], summary["tables"]["steps"]["rejected"]) == (1, 1)


def test_a_where_column_missing_from_a_sheet_names_the_sheet(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Without `sheet`, a section reads the file's default sheet: its `where` column missing
    there was "is not in the header", which did not say which sheet's header it was."""
    (tmp_path / "export").mkdir()
    _workbook(tmp_path / "export" / "plant.xlsx")
    mapping = STEPS.replace('sheet = "Produktion"\n', "")
    code, _, rejects = _import(runner, tmp_path, mapping, "--dry-run")
    assert code == 1
    assert {r["reason"] for r in rejects if r["table"] == "step_inputs"} == {
        "column 'Richtung' (read by `where`) is not in the header of sheet 'Wareneingang'"
    }


def test_excel_serial_dates_are_read_with_format_excel() -> None:
    """Excel serial dates (days since 1899-12-30, the time the fraction) were "not a
    date/time like …": `format = "excel"` reads them, to the millisecond (08:00 is stored as
    46329.33333333334); serials before 1900-03-01 (Excel's day 60 is a 29 February 1900 that
    never was) are refused, and a format list may try "excel" among others."""
    assert _moment("Eingang", str(SERIAL), "excel") == datetime(2026, 11, 3, 8, 0)
    assert _moment("Eingang", "46329", ["%d.%m.%Y", "excel"]) == datetime(2026, 11, 3)
    assert _moment("Eingang", "03.11.2026", ["excel", "%d.%m.%Y"]) == datetime(2026, 11, 3)
    assert _moment("Eingang", "44867.5", "excel", datetime(1904, 1, 1)) == datetime(
        2026, 11, 3, 12, 0
    )
    for text in ("60", "-1", "03.11.2026", "4.6e4"):
        with pytest.raises(_CellProblem, match="an Excel serial date: a number of days"):
            _moment("Eingang", text, "excel")


def test_a_serial_past_year_9999_in_a_1904_workbook_is_a_reject_not_a_crash() -> None:
    """The 1904 date system ends 1,462 serials before the 1900 system's limit: 2958000 in a
    1904 workbook passed the check and overflowed (OverflowError, a traceback), with and
    without `format = "excel"`."""
    epoch_1904 = datetime(1904, 1, 1)
    with pytest.raises(_CellProblem, match="an Excel serial date: a number of days"):
        _moment("Eingang", "2958000", "excel", epoch_1904)
    with pytest.raises(_CellProblem):
        _moment("Eingang", "2958000", "%Y-%m-%d", epoch_1904)


def test_excel_serial_dates_without_format_excel_say_what_they_are(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A date cell formatted General stores the serial number: it was rejected as "Eingang,
    46329.33333333334, not a date/time like %d.%m.%Y %H:%M" (281 lots and 280 steps of the
    tester's workbook), which did not say what the number was or what to do."""
    (tmp_path / "export").mkdir()
    _workbook(tmp_path / "export" / "plant.xlsx")
    code, _, rejects = _import(runner, tmp_path, LOTS.replace("FORMAT", '"%d.%m.%Y %H:%M"'),
                               "--dry-run")  # fmt: skip
    assert code == 1
    assert [r["reason"] for r in rejects] == [
        "an Excel serial date stored as a number: 46329.33333333334 is 2026-11-03 08:00 — read "
        'the column with format = "excel" (or add "excel" to its formats), or format the cells '
        "as dates in the workbook"
    ] * 2


def test_a_1904_workbook_s_serial_dates_count_from_1904(runner: CliRunner, tmp_path: Path) -> None:
    """A workbook saved in Excel's 1904 date system (old Mac Excel) counts its serials from
    1904-01-01: 44867.33333333334 there is 2026-11-03 08:00 — read from 1899-12-30 it would be
    four years and a day early."""
    (tmp_path / "export").mkdir()
    _workbook(tmp_path / "export" / "plant.xlsx", serial=SERIAL - 1462, date1904=True)
    mapping = 'timezone = "UTC"\n' + LOTS.replace("FORMAT", '"excel"').replace(
        'created_at = { column = "Eingang", format = "excel" }',
        'created_at = { column = "Eingang", format = "excel" }\n'
        'expires_at = { column = "Eingang", format = ["%Y", "%d.%m.%Y"] }',
    )
    code, _, rejects = _import(runner, tmp_path, mapping, "--dry-run")
    # expires_at has no "excel": its reason counts the serial from 1904 too
    assert code == 1
    assert {r["column"] for r in rejects} == {"Eingang (expires_at)"}
    assert rejects[0]["reason"].startswith(
        f"an Excel serial date stored as a number: {SERIAL - 1462} is 2026-11-03 08:00 — "
    )


VERSAND = [
    ["Lieferschein", "Kunde", "Datum", "Charge", "Menge", "ME"],
    ["L-1", "K-1", "04.11.2026", "R-1", "10", "KG"],
    ["L-1", "K-1", "04.11.2026", "R-2", "zehn", "KG"],
]
SOUTH = """
delimiter = ";"
[units]
KG = { to = "kg", factor = 1 }

[[file]]
match = "Wareneingang*.csv"
table = "lots"
[file.columns]
lot_id = "Charge"
material_id = "Material"

[[file]]
match = "Versand*.SUFFIX"
DELIMITER
table = "shipments"
[file.columns]
shipment_id = "Lieferschein"
customer_id = "Kunde"
shipped_at = { column = "Datum", format = "%d.%m.%Y" }

[[file]]
match = "Versand*.SUFFIX"
DELIMITER
table = "shipment_lines"
[file.columns]
shipment_id = "Lieferschein"
lot_id = "Charge"
quantity = { column = "Menge", unit = "ME" }
uom = { unit = "ME" }
"""


def _south(folder: Path, versand: str) -> None:
    """A semicolon export and Excel's "Unicode text" export (UTF-16LE, tabs, CRLF)."""
    folder.mkdir()
    (folder / "Wareneingang.csv").write_text("Charge;Material\nR-1;FLOUR\nR-2;SALT\n", "cp1252")
    text = "\r\n".join("\t".join(row) for row in VERSAND) + "\r\n"
    (folder / versand).write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))


def test_a_txt_file_a_section_names_is_read_with_the_section_s_delimiter(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Excel's "Unicode text" export could not join a semicolon export in one mapping: a
    section matching `Versand*.txt` was rejected as "a .txt file, which tracegraph does not
    read", and a section could not set its own `delimiter` ("unknown key"). Now the .txt file
    a section names is read as delimited text with the section's tab: 1 shipment and 1 line
    written, the line in words rejected for shipment_lines alone."""
    _south(tmp_path / "export", "Versand.txt")
    mapping = SOUTH.replace("SUFFIX", "txt").replace("DELIMITER", 'delimiter = "\\t"')
    code, summary, rejects = _import(runner, tmp_path, mapping)
    assert code == 1
    tables = summary["tables"]
    assert (tables["lots"]["written"], tables["shipments"]["duplicates"]) == (2, 1)
    assert (tables["shipment_lines"]["written"], tables["shipment_lines"]["rejected"]) == (1, 1)
    assert [(Path(r["file"]).name, r["line"], r["column"], r["value"], r["table"])
            for r in rejects] == [
        ("Versand.txt", "3", "Menge (quantity)", "zehn", "shipment_lines"),
    ]  # fmt: skip
    # named on the command line, too
    code, summary, _ = _import(runner, tmp_path, mapping, "--dry-run",
                               folder=tmp_path / "export" / "Versand.txt")  # fmt: skip
    assert summary["tables"]["shipments"]["duplicates"] == 1


def test_a_header_of_one_column_holding_tabs_says_check_delimiter(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The "Unicode text" export renamed to .csv and read with the mapping's `;`: each of its
    rows was rejected with "is `header_line` the header's line?" — the header is there, split
    by tabs. The reason now says the header is one column holding tabs: check `delimiter`."""
    _south(tmp_path / "export", "Versand.csv")
    mapping = SOUTH.replace("SUFFIX", "csv").replace("DELIMITER", "")
    code, _, rejects = _import(runner, tmp_path, mapping, "--dry-run")
    assert code == 1
    reasons = {r["reason"] for r in rejects}
    assert len(reasons) == 2, reasons  # Lieferschein (shipments), the same (shipment_lines)
    for reason in reasons:
        assert "the header has one column, 'Lieferschein\\tKunde" in reason, reason
        assert "holding tabs: check `delimiter`, ';' here" in reason, reason
        assert "header_line" not in reason


def test_the_reject_file_names_the_table_and_an_unreadable_file_no_made_up_table(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The reject file had no table column: a row two tables reject was two identical lines
    (6 lines for 3 rows in the tester's MES export). Its new columns, sheet and table, come
    after the old ones (a public contract). A mapped file that cannot be read was counted as a
    table named after the file (`Wareneingang`, read 1, rejected 1): it is now one reject of
    the first table its sections fill."""
    _south(tmp_path / "export", "Versand.txt")
    (tmp_path / "export" / "Wareneingang.csv").write_bytes(b"")  # an export that died
    mapping = SOUTH.replace("SUFFIX", "txt").replace("DELIMITER", 'delimiter = "\\t"')
    mapping = mapping.replace('quantity = { column = "Menge", unit = "ME" }',
                              'quantity = { column = "Menge", unit = "ME" }\n'
                              'x_tag = { column = "Datum", format = "%Y" }')  # fmt: skip
    mapping = mapping.replace('shipped_at = { column = "Datum", format = "%d.%m.%Y" }',
                              'shipped_at = { column = "Datum", format = "%Y" }')  # fmt: skip
    code, summary, rejects = _import(runner, tmp_path, mapping, "--dry-run")
    assert code == 1
    with open(summary["reject_file"], encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f)) == ["file", "line", "column", "value", "reason", "sheet",
                                       "table"]  # fmt: skip
    assert sorted((Path(r["file"]).name, r["line"], r["table"]) for r in rejects) == [
        ("Versand.txt", "2", "shipment_lines"),
        ("Versand.txt", "2", "shipments"),
        ("Versand.txt", "3", "shipment_lines"),
        ("Versand.txt", "3", "shipments"),
        ("Wareneingang.csv", "0", "lots"),
    ]
    assert "Wareneingang" not in summary["tables"]
    assert (summary["tables"]["lots"]["read"], summary["tables"]["lots"]["rejected"]) == (1, 1)


def test_a_mapped_file_no_section_matches_has_no_table_in_the_reject_file(
    tmp_path: Path,
) -> None:
    """A file named on the command line that no [[file]] section of the mapping matches got
    its file name as its rejects' table (`lieferungen` for Lieferungen.csv), which is no
    table: the reject file's `table` is the table a row was read for, and no table read its
    2 rows. Now it is empty; the reason names the file and the mapping."""
    (tmp_path / "export").mkdir()
    _workbook(tmp_path / "export" / "plant.xlsx")
    other = tmp_path / "export" / "Lieferungen.csv"
    other.write_text("Lieferschein,Kunde\nL-1,K-1\nL-2,K-2\n", encoding="utf-8")
    (tmp_path / "mapping.toml").write_text('timezone = "UTC"\n' + LOTS.replace("FORMAT",
                                           '"excel"'), encoding="utf-8")  # fmt: skip
    summary = check_paths([tmp_path / "export" / "plant.xlsx", other],
                          mapping=load_mapping(tmp_path / "mapping.toml"),
                          reject_file=tmp_path / "rejects.csv")  # fmt: skip
    with open(tmp_path / "rejects.csv", encoding="utf-8-sig", newline="") as f:
        rejects = list(csv.DictReader(f))
    assert [(Path(r["file"]).name, r["line"], r["reason"], r["sheet"], r["table"])
            for r in rejects] == [
        ("Lieferungen.csv", "2", "no [[file]] section of mapping.toml matches Lieferungen.csv",
         "", ""),
        ("Lieferungen.csv", "3", "no [[file]] section of mapping.toml matches Lieferungen.csv",
         "", ""),
    ]  # fmt: skip
    assert summary.tables["lots"].written == 2


def test_a_number_the_mapping_rejects_is_named_as_validation_names_its_rejects(
    tmp_path: Path,
) -> None:
    """Two rejects of one column of one mapped file were named two ways: `zwei`, which the
    mapping cannot read as a number, by its source column alone (`Menge`), and `-5`, which
    validation rejects, as `Menge (quantity)`. Both now name the source column and the one it
    fills; so does a date the mapping cannot read (`Eingang (created_at)`)."""
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "Wareneingang.csv").write_text(
        "Charge;Material;Menge;Einheit;Eingang\nR-1;FLOUR;zwei;kg;03.11.2026\n"
        "R-2;FLOUR;-5;kg;03.11.2026\nR-3;FLOUR;5;kg;3. November\n", encoding="utf-8")  # fmt: skip
    mapping = (LOTS.replace("FORMAT", '"%d.%m.%Y"').replace("plant.xlsx", "Wareneingang.csv")
               .replace('sheet = "Wareneingang"\n', ""))  # fmt: skip
    (tmp_path / "mapping.toml").write_text('timezone = "UTC"\ndelimiter = ";"\n' + mapping,
                                           encoding="utf-8")  # fmt: skip
    summary = check_paths([tmp_path / "export"], mapping=load_mapping(tmp_path / "mapping.toml"),
                          reject_file=tmp_path / "rejects.csv")  # fmt: skip
    assert sorted((r.line, r.column, r.value) for r in summary.rejects) == [
        (2, "Menge (quantity)", "zwei"),
        (3, "Menge (quantity)", "-5"),
        (4, "Eingang (created_at)", "3. November"),
    ]


def test_a_mapped_row_s_reject_is_made_once_as_the_reject_file_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mapped workbook's rejects were copied up to three times after they were made: given
    their sheet, put in source terms, given their table — each a new Reject per rejected row,
    and a list of them (a file of 100,000 rejected rows: 400,000 Rejects). Now validation's
    reject is copied once, as the reject file has it, and the mapping's is made so: 60 rows
    validation rejects and 40 the mapping rejects are 60 × 2 + 40 Rejects, not 60 × 4 + 40 × 3,
    with the same sheet, table, source column and value."""
    import openpyxl

    (tmp_path / "export").mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Wareneingang"
    sheet.append(RECEIPT_HEADER)
    for n in range(100):  # a negative quantity (validation), a quantity in words (mapping)
        sheet.append([f"R-{n}", "FLOUR", "-5" if n < 60 else "fünf", "kg", SERIAL])
    book.save(tmp_path / "export" / "plant.xlsx")
    (tmp_path / "mapping.toml").write_text('timezone = "UTC"\n' + LOTS.replace("FORMAT",
                                           '"excel"'), encoding="utf-8")  # fmt: skip
    made = []
    init = Reject.__init__

    def counted(self: Reject, *args: Any, **kwargs: Any) -> None:
        made.append(1)
        init(self, *args, **kwargs)

    monkeypatch.setattr(Reject, "__init__", counted)
    summary = check_paths([tmp_path / "export"], mapping=load_mapping(tmp_path / "mapping.toml"),
                          reject_file=tmp_path / "rejects.csv")  # fmt: skip
    assert len(made) == 60 * 2 + 40
    rejects = sorted(summary.rejects, key=lambda r: r.line)
    assert [(r.line, r.column, r.value, r.sheet, r.table) for r in rejects[::60]] == [
        (2, "Menge (quantity)", "-5", "Wareneingang", "lots"),
        (62, "Menge (quantity)", "fünf", "Wareneingang", "lots"),
    ]


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("sheet = 5", "[[file]] 1: `sheet` is the name of a workbook's sheet"),
        ('sheet = " "', "[[file]] 1: `sheet` is the name of a workbook's sheet"),
        ('delimiter = ";;"', '`delimiter` is one character (a tab is "\\t")'),
    ],
)
def test_sheet_and_delimiter_of_a_section_are_checked(
    tmp_path: Path, section: str, problem: str
) -> None:
    """A section's `sheet` is a name and its `delimiter` one character, said in one line."""
    path = tmp_path / "m.toml"
    path.write_text(f'[[file]]\nmatch = "a.xlsx"\ntable = "lots"\n{section}\n'
                    '[file.columns]\nlot_id = "A"\n', "utf-8")  # fmt: skip
    with pytest.raises(ConfigurationError) as caught:
        load_mapping(path)
    assert problem in caught.value.message


def test_a_mapped_workbooks_empty_cells_of_a_merged_range_name_the_range(
    tmp_path: Path,
) -> None:
    """Material B3:B4 and Einheit D4:D5 merged, read through a mapping: the rejects said
    "required value is empty" and "unit '' is not in the mapping's [units]" without a word of
    the merge, which a canonical sheet's rejects name. They name it, by the file's columns."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Wareneingang"
    sheet.append(RECEIPT_HEADER)
    for n, (material, unit) in enumerate([("SALT", "kg"), ("SUGAR", "kg"), (None, "kg"),
                                          ("SALT", None)], start=1):  # fmt: skip
        sheet.append([f"W-{n}", material, n, unit, SERIAL])
    sheet.merge_cells("B3:B4")
    sheet.merge_cells("D4:D5")
    (tmp_path / "export").mkdir()
    book.save(tmp_path / "export" / "plant.xlsx")
    mapping = LOTS.replace("FORMAT", '"excel"').replace('uom = "Einheit"', "").replace(
        'quantity = "Menge"', 'quantity = { column = "Menge", unit = "Einheit" }')  # fmt: skip
    (tmp_path / "mapping.toml").write_text('timezone = "UTC"\n' + mapping, encoding="utf-8")
    summary = check_paths([tmp_path / "export" / "plant.xlsx"],
                          mapping=load_mapping(tmp_path / "mapping.toml"),
                          reject_file=tmp_path / "rejects.csv")  # fmt: skip
    with open(tmp_path / "rejects.csv", encoding="utf-8-sig", newline="") as f:
        rejects = [(r["line"], r["column"], r["reason"]) for r in csv.DictReader(f)]
    unmerge = "whose value is in its first cell only: unmerge it and fill each cell)"
    assert sorted(rejects) == [
        ("4", "Material (material_id)",
         f"required value is empty (the cell is part of the merged range B3:B4, {unmerge}"),
        ("5", "Einheit (quantity)", "unit '' is not in the mapping's [units] (the cell is part "
         f"of the merged range D4:D5, {unmerge}"),
    ]  # fmt: skip
    assert summary.tables["lots"].written == 2


def test_a_header_problem_on_a_merged_rows_line_names_no_merged_range(tmp_path: Path) -> None:
    """A mapped sheet naming `Material` twice rejects every row for its header; a row whose
    Material cell was an empty part of a merged range was told to unmerge it, which mends
    nothing (review of leftxlsx)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Wareneingang"
    sheet.append([*RECEIPT_HEADER, "Material"])
    for n, material in enumerate(["SALT", "SUGAR", None], start=1):
        sheet.append([f"W-{n}", material, n, "kg", SERIAL, material])
    sheet.merge_cells("B3:B4")
    (tmp_path / "export").mkdir()
    book.save(tmp_path / "export" / "plant.xlsx")
    (tmp_path / "mapping.toml").write_text(
        'timezone = "UTC"\n' + LOTS.replace("FORMAT", '"excel"'), encoding="utf-8")  # fmt: skip
    check_paths([tmp_path / "export" / "plant.xlsx"],
                mapping=load_mapping(tmp_path / "mapping.toml"),
                reject_file=tmp_path / "rejects.csv")  # fmt: skip
    with open(tmp_path / "rejects.csv", encoding="utf-8-sig", newline="") as f:
        reasons = {r["line"]: r["reason"] for r in csv.DictReader(f)}
    assert sorted(reasons) == ["2", "3", "4"]
    assert all(r.startswith("column 'Material' appears twice") for r in reasons.values())
    assert "merged" not in reasons["4"], reasons["4"]
