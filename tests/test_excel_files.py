"""Workbooks and headers as Windows Excel users make them: a data sheet behind a cover sheet, a
header-only file of another export, header names with invisible characters, a merged header
cell, GBK that happens to be valid UTF-8, a title row above the header. Found by an
exploratory tester's "Excel zoo" (each test says what the import did before)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.reader import read_table

LOTS_HEADER = ["lot_id", "material_id", "quantity", "uom"]
HINT_SHEETS = "(hint: one table per workbook, or name the sheet to read 'lots', like the file)"


def _workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A workbook of the sheets given, in order (an empty list: an empty sheet)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _lots(prefix: str, count: int) -> list[list[Any]]:
    return [LOTS_HEADER, *([f"{prefix}-{n}", "FLOUR", 400, "kg"] for n in range(1, count + 1))]


def _import(
    runner: CliRunner, path: Path, *args: str, code: int
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The import's summary and rejects (a dry run unless `args` say otherwise)."""
    rejects = path.parent / "rejects.csv"
    result = runner.invoke(app, ["import", str(path), "--format", "json", "--timezone", "UTC",
                                 "--rejects", str(rejects), *args])  # fmt: skip
    assert result.exit_code == code, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    for table in summary["tables"].values():
        assert table["read"] == table["written"] + table["rejected"]
    with open(rejects, encoding="utf-8-sig", newline="") as f:
        return summary, list(csv.DictReader(f))


def _import_mapped(
    runner: CliRunner, tmp_path: Path, name: str, data: bytes, section: str
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """`data` as the file `name` in a folder of its own, imported (exit 0) through a mapping of
    one [[file]] section matching it: `section` is the rest of that section (its table and
    columns)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(data)
    mapping = tmp_path / "map.toml"
    mapping.write_text(f'[[file]]\nmatch = "{name}"\n{section}', encoding="utf-8")
    return _import(runner, tmp_path / "in", "--mapping", str(mapping), code=0)


def _lot_quantities(graph: TraceGraph) -> dict[str, Any]:
    found, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot) RETURN l.lot_id AS id, l.quantity AS q, l.uom AS uom",
        database_=graph.database,
    )
    return {r["id"]: (r["q"], r["uom"]) for r in found}


def test_lots_on_two_sheets_behind_a_cover_sheet_reject_the_file_not_a_clean_empty_table(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """lots.xlsx of sheets `Info` (`exported by | SAP`), `Tabelle1` and `Tabelle2` with lots:
    the cover sheet was read, "0 rows read = 0 written + 0 rejected", exit 0 (clean), the lots
    only named in a note. Which data sheet is the table is not guessed: the file is one reject
    on line 1 naming both sheets, exit 1."""
    book = _workbook(tmp_path / "in" / "lots.xlsx", {
        "Info": [["exported by", "SAP"]], "Tabelle1": _lots("A", 2), "Tabelle2": _lots("B", 2),
    })  # fmt: skip
    summary, rejects = _import(runner, book.parent, "--dry-run", code=1)
    assert summary["tables"]["lots"]["written"] == 0
    assert [(r["line"], r["sheet"], r["reason"]) for r in rejects] == [
        ("1", "", f"{book}: sheets 'Tabelle1', 'Tabelle2' each have a lots header (lot_id, "
         "material_id), and none is named 'lots': which one is the table is not guessed (no "
         f"sheet of it was read) {HINT_SHEETS}"),
    ]  # fmt: skip


def test_a_workbook_with_no_sheet_of_the_tables_header_is_rejected_naming_its_sheets(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Two sheets of data, neither with lot_id and material_id in its header: the first was
    read, every row rejected for a "missing" column, the other sheet in a note."""
    book = _workbook(tmp_path / "in" / "lots.xlsx", {
        "Info": [["exported by", "SAP"]], "Daten": [["Charge", "Material"], ["A-1", "FLOUR"]],
    })  # fmt: skip
    _, rejects = _import(runner, book.parent, "--dry-run", code=1)
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("1", f"{book}: no sheet has a lots header (lot_id, material_id) on row 1; its sheets "
         f"with data: 'Info', 'Daten' {HINT_SHEETS}"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("sheets", "why"),
    [
        ({"lots": [], "Tabelle1": _lots("S", 3)}, "is empty"),  # an empty template
        ({"Info": [["exported by", "SAP"]], "Tabelle1": _lots("S", 3)}, "has no lots header"),
    ],
)
def test_the_only_sheet_with_the_tables_header_is_read_with_a_note(
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    sheets: dict[str, list[list[Any]]],
    why: str,
) -> None:
    """A `lots` sheet that is an empty template with the data on Tabelle1 was "an export that
    died?" without naming Tabelle1; a cover sheet first was read as an empty table, exit 0.
    The only sheet whose header has the table's columns is read, and one note says so."""
    book = _workbook(tmp_path / "in" / "lots.xlsx", sheets)
    summary, rejects = _import(runner, book.parent, "--dry-run", code=0)
    assert (summary["tables"]["lots"]["written"], rejects) == (3, [])
    chosen = next(iter(sheets))
    assert (
        f"{book}: read sheet 'Tabelle1', the only one with a lots header (lot_id, "
        f"material_id): sheet {chosen!r}, which would be read, {why}"
    ) in summary["notes"]


def test_a_second_sheet_with_the_tables_header_is_a_reject_so_the_run_is_not_clean(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Tabelle1 with 2 lots, Tabelle2 with 3 more: the 2 were written, the 3 dropped, exit 0,
    only a note. The first sheet is still read; the other is one reject on its header row,
    naming its sheet, and the run exits 1."""
    book = _workbook(tmp_path / "in" / "lots.xlsx",
                     {"Tabelle1": _lots("A", 2), "Tabelle2": _lots("B", 3)})  # fmt: skip
    summary, rejects = _import(runner, book.parent, "--dry-run", code=1)
    assert (summary["tables"]["lots"]["written"], summary["tables"]["lots"]["rejected"]) == (2, 1)
    assert [(r["line"], r["sheet"], r["reason"]) for r in rejects] == [
        ("1", "Tabelle2", "sheet 'Tabelle2' has a lots header too, and its rows were not read: "
         "one sheet is read per file, 'Tabelle1' here (the one named like the file, else the "
         "first with data); one table per workbook, or move its rows to sheet 'Tabelle1'"),
    ]  # fmt: skip


def test_a_header_only_file_of_another_header_is_rejected_and_full_removes_nothing(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """lots.csv holding only `exported by,SAP` was a clean empty table: --dry-run exit 0, and
    --full planned to remove every lot (2,109 in the tester's plant), stopped only by
    --max-removals, whose hint suggested raising it. The file is one reject on line 1, exit 1,
    and under --full the table is not compared: nothing removed, a note says why."""
    lots_before = _lot_quantities(hand_plant)
    (tmp_path / "n1").mkdir()
    (tmp_path / "n1" / "lots.csv").write_text("exported by,SAP\n", encoding="utf-8")
    reason = (
        "not a lots header: lot_id, material_id missing (its columns: exported by, SAP): "
        "export the table with its header, or import this export with a --mapping"
    )
    for args in (("--dry-run",), ("--dry-run", "--full"), ("--full",)):
        summary, rejects = _import(runner, tmp_path / "n1", *args, code=1)
        assert [(r["line"], r["column"], r["reason"]) for r in rejects] == [("1", "lot_id", reason)]
        if "--full" in args:
            assert not summary["removed"]
            assert any(n.startswith("lots not compared with the graph") and "no lots header" in n
                       for n in summary["notes"]), summary["notes"]  # fmt: skip
    assert _lot_quantities(hand_plant) == lots_before


def test_a_title_row_above_the_header_is_one_reject_naming_the_header_row(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A report's title and a blank row above the header (or a header starting at B3): every
    row was rejected "required column 'lot_id' is missing", the header row among them. The
    file is one reject on line 1 naming the row the header is on; nothing is guessed."""
    title = [["Lot list export 03.11.2026 – plant Köln"], [], *_lots("T", 2)]
    _workbook(tmp_path / "xlsx" / "lots.xlsx", {"lots": title})
    _workbook(tmp_path / "offset" / "lots.xlsx",
              {"lots": [[], [], *([None, *row] for row in _lots("O", 2))]})  # fmt: skip
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "lots.csv").write_text(
        "Lot list export\n\n" + "\n".join(",".join(map(str, r)) for r in _lots("C", 2)) + "\n"
    )
    for folder, where in (("xlsx", "row"), ("offset", "row"), ("csv", "line")):
        _, rejects = _import(runner, tmp_path / folder, "--dry-run", code=1)
        assert [(r["line"], r["reason"]) for r in rejects] == [
            ("1", f"not a lots header: lot_id, material_id missing; {where} 3 holds them: a "
             f"title above the header? delete the {where}s above it, or read the file with a "
             "mapping whose header_line is 3"),
        ], folder  # fmt: skip


def test_a_missing_required_column_is_one_reject_naming_a_look_alike(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`Lot_ID` for lot_id: each row was rejected for the spelling, and a header-only file of
    it read as a clean empty table (under --full, every lot to remove)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "lots.csv").write_text("Lot_ID,material_id\n")
    _, rejects = _import(runner, tmp_path / "in", "--dry-run", code=1)
    assert [(r["line"], r["column"], r["reason"]) for r in rejects] == [
        ("1", "lot_id", "not a lots header: lot_id missing (the header has 'Lot_ID': column "
         "names are lower case with underscores — rename it, or map it with --mapping)"),
    ]  # fmt: skip


def test_invisible_characters_in_header_names_are_dropped_as_in_ids(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`quantity` with a zero-width space after it was stored as an extra property, the lot
    had no quantity, exit 0, with a note that "quantity … may be quantity"; a second byte
    order mark before `lot_id` made the file's rows rejected for a "missing" lot_id; so did a
    no-break space after it; `ｕｏｍ` typed full-width was an extra column. Header names are
    read as ids are (idtext.normal_id)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "lots.csv").write_bytes(
        "\ufeff\ufefflot_id\u00a0,material_id,quantity\u200b,\uff55\uff4f\uff4d\r\n"
        "HN-1,FLOUR,400,kg\r\n".encode()
    )
    summary, rejects = _import(runner, folder, code=0)
    assert rejects == []
    assert not [n for n in summary["notes"] if "quantity" in n or "uom" in n], summary["notes"]
    assert _lot_quantities(graph) == {"HN-1": (400.0, "kg")}


def test_a_nameless_column_holding_data_gets_one_note_per_file(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A merged header cell (`quantity` over the quantity and uom columns) moved the units into
    `column_4`, uom empty; a value beside a `;;;` CSV's table became `column_9`: exit 0, no
    note. One note per such column, with its letter (or number) and how many cells."""
    _workbook(tmp_path / "in" / "lots.xlsx", {"lots": [
        ["lot_id", "material_id", "quantity", None],
        *([f"M-{n}", "FLOUR", 400, "kg"] for n in (1, 2, 3)),
    ]})  # fmt: skip
    (tmp_path / "in" / "materials.csv").write_text(
        "material_id;name;;\nFLOUR;Flour;;\nSALT;Salt;x;\n"
    )
    summary, _ = _import(runner, tmp_path / "in", "--dry-run", code=0)
    book, text = tmp_path / "in" / "lots.xlsx", tmp_path / "in" / "materials.csv"
    assert sorted(summary["notes"]) == [
        f"{book}: column D (the 4th) has no name in the header but holds 3 cells with data "
        "(first 'kg'), read as the extra column `column_4`: a merged header cell or a value "
        "beside the table? name the column in the export",
        f"{text}: the 3rd column has no name in the header but holds 1 cell with data (first "
        "'x'), read as the extra column `column_3`: a merged header cell or a value beside the "
        "table? name the column in the export",
    ]


# 食品 and 药品 ("food", "medicine") in GBK: CA B3 C6 B7 and D2 A9 C6 B7, valid UTF-8 (ʳƷ, ҩƷ)
GBK_MATERIALS = "material_id,name,uom\r\nM-CN9,食品,kg\r\nM-CN8,药品,kg\r\n".encode("gbk")


def test_gbk_that_happens_to_be_valid_utf8_is_read_as_chinese(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """materials.csv in GBK whose bytes are valid UTF-8: the log said utf-8, exit 0, and the
    names were stored as `ʳƷ` and `ҩƷ`. Read as GB18030 with a note saying why (and how to
    insist on UTF-8)."""
    GBK_MATERIALS.decode("utf-8")  # the premise: the bytes are valid UTF-8
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "materials.csv").write_bytes(GBK_MATERIALS)
    summary, _ = _import(runner, tmp_path / "in", code=0)
    assert summary["notes"] == [
        f"{tmp_path / 'in' / 'materials.csv'}: read as GB18030 ('食品'), not UTF-8: its bytes "
        "are valid UTF-8, but as UTF-8 its text beyond ASCII is scattered letters of unlikely "
        "scripts ('ʳƷ'), as Chinese GBK text reads; if it is UTF-8, import it with --encoding "
        "utf-8"
    ]
    found, _, _ = graph.driver.execute_query(
        "MATCH (m:Material) RETURN m.material_id AS id, m.name AS name ORDER BY id",
        database_=graph.database,
    )
    assert [(r["id"], r["name"]) for r in found] == [("M-CN8", "药品"), ("M-CN9", "食品")]


@pytest.mark.parametrize(
    "names",
    [
        ["Größe", "Müller", "Mehl Type 405 für Brot"],  # German, Latin-1 letters
        ["Łódź", "Crème brûlée"],  # Polish, French
        ["Мука пшеничная", "Соль"],  # Cyrillic words
        ["Brașov", "Cơm", "Ærø"],  # Latin Extended-B inside words of Latin letters
        ["面粉", "食品"],  # Chinese in UTF-8
        ["Mehl", "Zucker 25 €"],  # a three-byte character
        ["Größe", "ʳƷ"],  # letters of unlikely scripts, but beside German: not half of them
        ["Widerstand 12 µΩ", "Kontakt 5 µΩ"],  # a micro sign before Greek: read as 碌惟
        ["µονάδα"],  # a Greek word with the micro sign
        ["Rohr 12ʺ"],  # one modifier letter (an inch mark) is no evidence
    ],
)
def test_utf8_text_stays_utf8(tmp_path: Path, names: list[str]) -> None:
    """The rule that reads GBK valid as UTF-8 as GB18030 is conservative: real UTF-8 text with
    é, ü, ß, Cyrillic, Romanian ș, Vietnamese ơ or Chinese stays UTF-8. (A file whose only text
    beyond ASCII is `ʳƷ` written in UTF-8 reads as 食品: the same bytes as GBK's.)"""
    path = tmp_path / "materials.csv"
    text = "material_id,name\n" + "".join(f"M{n},{name}\n" for n, name in enumerate(names))
    path.write_text(text, encoding="utf-8")
    raw = read_table(path)
    assert (raw.encoding, [row["name"] for _, row in raw.rows]) == ("utf-8", names)


def test_an_xlsx_workbook_named_csv_is_told_to_be_named_xlsx(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A workbook saved as lots.csv was told "pass its encoding with --encoding"."""
    book = _workbook(tmp_path / "in" / "lots.xlsx", {"lots": _lots("X", 1)})
    book.rename(tmp_path / "in" / "lots.csv")
    _, rejects = _import(runner, tmp_path / "in", "--dry-run", code=1)
    path = tmp_path / "in" / "lots.csv"
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("0", f"{path}: an XLSX workbook (its bytes start as a zip file's, PK), not a CSV file "
         "(hint: name it lots.xlsx: Excel saved a workbook, not a CSV file)"),
    ]  # fmt: skip


def test_a_mapped_files_header_is_read_as_the_export_spells_it(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Header names are folded for canonical files (a zero-width space after `quantity`); a
    mapped file's were folded too, so a mapping reading `数量（kg）` (full-width brackets, as
    Chinese MES exports and the mapping copied from them spell it) found `数量(kg)` and
    rejected every row: "column '数量（kg）' (read for quantity) is not in the header"."""
    summary, rejects = _import_mapped(
        runner,
        tmp_path,
        "batches.csv",
        "批次号,物料编码,数量（kg）\nB1,M1,12.5\n".encode(),
        'table = "lots"\n[file.columns]\nlot_id = "批次号"\nmaterial_id = "物料编码"\n'
        'quantity = "数量（kg）"\nuom = { value = "kg" }\n',
    )
    assert rejects == [] and summary["tables"]["lots"]["written"] == 1


def test_a_mapped_file_read_as_gb18030_says_so_too(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """What reading a file notes (read as GB18030, a nameless column with data) was said for
    canonical files only: through a mapping the same GBK file was read as Chinese without a
    word, and a misread would have been silent."""
    summary, _ = _import_mapped(
        runner,
        tmp_path,
        "stammdaten.csv",
        GBK_MATERIALS,
        'table = "materials"\n[file.columns]\nmaterial_id = "material_id"\nname = "name"\n',
    )
    assert [n for n in summary["notes"] if "read as GB18030" in n] == [
        f"{tmp_path / 'in' / 'stammdaten.csv'}: read as GB18030 ('食品'), not UTF-8: its bytes "
        "are valid UTF-8, but as UTF-8 its text beyond ASCII is scattered letters of unlikely "
        "scripts ('ʳƷ'), as Chinese GBK text reads; if it is UTF-8, import it with --encoding "
        "utf-8"
    ]


def test_a_mapped_files_nameless_column_gets_no_note_about_an_extra_column(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A mapping reads the columns it names: a nameless column of its file is not imported.
    The note for canonical files ("read as the extra column `column_3` … name the column in
    the export") was said of mapped files too, every night, and was false there."""
    summary, rejects = _import_mapped(
        runner,
        tmp_path,
        "batches.csv",
        b"CHARG,MATNR,\nB1,M1,stray\n",
        'table = "lots"\n[file.columns]\nlot_id = "CHARG"\nmaterial_id = "MATNR"\n',
    )
    assert rejects == [] and not [n for n in summary["notes"] if "no name in the header" in n]


def test_number_cells_of_an_extra_column_of_codes_or_of_16_digits_are_noted(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A code typed 0042 is the number 42 in a workbook, and a 17-digit one keeps 15 digits
    (12345678901234567 as 12345678901234600): an id column rejects or notes such cells, an
    extra column stored them without a word. Noted, not rejected; a column of measurements
    (temp_c) is no concern."""
    book = _workbook(tmp_path / "in" / "lots.xlsx", {"lots": [
        [*LOTS_HEADER, "temp_c", "batch_ref", "ticket"],
        ["L1", "SALT", 5, "kg", 4.5, 42, 12345678901234600],
        ["L2", "SALT", 5, "kg", -18, 1.1, None],
        ["L3", "SALT", 5, "kg", 20, "3-11", None],
        ["L4", "SALT", 5, "kg", 21, 12345678901234600, 7],
    ]})  # fmt: skip
    summary, rejects = _import(runner, book, "--dry-run", code=0)
    assert rejects == []
    codes = ("the column holds codes (as 3-11), and a code typed 0042 is the number 42 in a "
             "workbook: leading zeros, or the last digits of a number of 16 digits or more (Excel "
             "keeps 15), may have been lost")  # fmt: skip
    hint = "format the column as Text in Excel and export again"
    assert [n for n in summary["notes"] if "number cell" in n] == [
        f"{book}: 3 lots.batch_ref values were number cells (as 42), stored as read: {codes} — "
        f"{hint}",
        f"{book}: 1 lots.ticket value was a number cell (as 12345678901234600), stored as read: "
        f"Excel keeps 15 significant digits: their last digits may have been lost — {hint}",
    ]  # fmt: skip


def test_number_cells_of_rejected_rows_are_not_noted_as_stored(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A workbook whose every row was rejected (no material) got, beside its rejects, a note
    that its number cells were "stored as read": none was stored. The cells of rejected rows
    are not counted; a rejected row's code (3-11) still shows the column holds codes."""
    book = _workbook(tmp_path / "in" / "lots.xlsx", {"lots": [
        [*LOTS_HEADER, "batch_ref", "ticket"],
        ["L1", None, 5, "kg", 42, 12345678901234600],
        ["L2", None, 5, "kg", "3-11", 12345678901234600],
    ]})  # fmt: skip
    summary, rejects = _import(runner, book, "--dry-run", code=1)
    assert len(rejects) == 2
    assert [n for n in summary["notes"] if "number cell" in n] == []
    # one row of them written: its cell alone is counted
    _workbook(book, {"lots": [
        [*LOTS_HEADER, "batch_ref", "ticket"],
        ["L1", None, 5, "kg", 42, 12345678901234600],
        ["L2", "SALT", 5, "kg", 43, None],
        ["L3", None, 5, "kg", "3-11", 12345678901234600],
    ]})  # fmt: skip
    summary, rejects = _import(runner, book, "--dry-run", code=1)
    assert [n.split(",")[0] for n in summary["notes"] if "number cell" in n] == [
        f"{book}: 1 lots.batch_ref value was a number cell (as 43)"
    ]
