"""Cells as Windows Excel users' files hold them, read without a silent misreading: quantities
with thousands grouped by '.' in a ';' file or a text cell, Excel's error values and a lone '-'
as ids, workbook ids stored as numbers, dates and booleans, typographic quotes around an id.
Each case from an exploratory tester's files (an "Excel zoo"), as inline data."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from tracegraph.graph import TraceGraph
from tracegraph.importing.reader import read_table
from tracegraph.importing.run import check_paths, import_paths
from tracegraph.importing.validate import Reject, ValidatedTable, validate_lazily
from tracegraph.trace import trace_forward

UTC = ZoneInfo("UTC")


def _validated(path: Path) -> tuple[ValidatedTable, list[dict[str, object]]]:
    """`path` read and validated as the import does (no graph): the table and its rows."""
    raw = read_table(path)
    out, rows = validate_lazily(raw, path.stem, UTC)
    written = list(rows)
    assert out.read == len(written) + len(out.rejects) + out.duplicates  # counts reconcile
    return out, written


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _workbook(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = name.split(".")[0]
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _reasons(out: ValidatedTable) -> dict[tuple[int, str], Reject]:
    return {(r.line, r.column): r for r in out.rejects}


# --- 1. thousands grouped by '.' ----------------------------------------------------------

GERMAN_LOTS = (
    "lot_id;material_id;quantity;uom\n"
    "DEQ2-0001;FLOUR;1.234;kg\n"
    "DEQ2-0002;FLOUR;2.500;kg\n"
    "DEQ2-0003;FLOUR;400;kg\n"
    "DEQ2-0004;FLOUR;12.000;kg\n"
)


def test_a_semicolon_files_dotted_thousands_quantity_is_rejected_as_ambiguous(
    tmp_path: Path,
) -> None:
    """German Excel's "CSV (Comma delimited)" is ';'-separated and groups thousands by '.':
    1.234, 2.500 and 12.000 kg were read as 1.234, 2.5 and 12.0 kg, exit 0 (a German plant's
    96 lots of 1000 kg or more shrank 1000x; R0000002's 1.000 kg became 1.0 kg). Now each is
    rejected naming its own two readings and the mapping that reads 1234; 400 is 400. (A
    column with a decimal point beyond doubt, 0.250 or 1.5, reads them as decimals: see
    test_a_column_that_shows_a_decimal_point_reads_three_decimals_as_decimals.)"""
    out, rows = _validated(_csv(tmp_path, "lots.csv", GERMAN_LOTS))
    assert {r["lot_id"]: r["quantity"] for r in rows} == {"DEQ2-0003": 400.0}
    rejects = _reasons(out)
    assert sorted(rejects) == [(2, "quantity"), (3, "quantity"), (5, "quantity")]
    first = rejects[(2, "quantity")]
    assert first.value == "1.234"
    assert first.reason.startswith(
        "ambiguous: 1.234 is 1.234 with a decimal point, or 1234 with its thousands grouped by '.'"
    )
    assert 'decimal = "," reads 1.234 as 1234' in first.reason
    assert "2.500 is 2.5 with a decimal point, or 2500" in rejects[(3, "quantity")].reason
    assert "12.000 is 12 with a decimal point, or 12000" in rejects[(5, "quantity")].reason


def test_a_semicolon_shipment_line_of_1_500_pcs_is_not_1_5_pcs(tmp_path: Path) -> None:
    """shipment_lines.csv of a German Excel: `1.500` pcs was shipped as 1.5 pcs."""
    text = "shipment_id;lot_id;quantity;uom\nDE-SH1;F0000010;1.500;pcs\nDE-SH1;F0000014;20;pcs\n"
    out, rows = _validated(_csv(tmp_path, "shipment_lines.csv", text))
    assert [r["lot_id"] for r in rows] == ["F0000014"]
    assert [(r.line, r.column, r.value) for r in out.rejects] == [(2, "quantity", "1.500")]


def test_a_comma_files_1_234_is_still_a_decimal_point(tmp_path: Path) -> None:
    """Only a ';' file is German Excel's: a ',' file's 1.234 is the number 1.234."""
    out, rows = _validated(_csv(tmp_path, "lots.csv", GERMAN_LOTS.replace(";", ",")))
    assert out.rejects == [] and rows[0]["quantity"] == 1.234


def test_a_mapping_with_decimal_comma_reads_1_234_as_1234(tmp_path: Path) -> None:
    """The hint's mapping does what the reject says: `decimal = ","` reads 1.234 as 1234."""
    from tracegraph.importing.mappings import _number, load_mapping

    mapping = _csv(tmp_path, "de.toml", 'delimiter = ";"\ndecimal = ","\n[[file]]\n'
                   'match = "lots.csv"\ntable = "lots"\n[file.columns]\nlot_id = "lot_id"\n'
                   'material_id = "material_id"\nquantity = "quantity"\nuom = "uom"\n')  # fmt: skip
    read = load_mapping(mapping)
    assert [_number(read, "quantity", text) for text in ("1.234", "2.500", "12.000", "400")] == [
        1234,
        2500,
        12000,
        400,
    ]


def test_a_workbooks_text_cell_1_234_is_ambiguous_its_number_cell_is_not(tmp_path: Path) -> None:
    """A quantity typed into a Text-formatted cell as a German Excel shows it (1.234) was read
    as 1.234 kg; a number cell 1.234 is the number, whatever Excel showed."""
    path = _workbook(tmp_path, "lots.xlsx", [
        ["lot_id", "material_id", "quantity", "uom"],
        ["X3-0003", "FLOUR", "1.234", "kg"],
        ["X3-0004", "FLOUR", 1.234, "kg"],
    ])  # fmt: skip
    out, rows = _validated(path)
    assert [(r["lot_id"], r["quantity"]) for r in rows] == [("X3-0004", 1.234)]
    assert [(r.line, r.value) for r in out.rejects] == [(2, "1.234")]
    assert "in a cell stored as text" in out.rejects[0].reason


def test_a_thousands_comma_is_hinted_otherwise_than_a_decimal_comma(tmp_path: Path) -> None:
    """US Excel's "1,234" was hinted to a mapping with decimal = ",", which reads it as 1.234:
    the hint now fits the value; 12,5 keeps its decimal-comma hint."""
    text = 'lot_id,material_id,quantity,uom\nUS-1,FLOUR,"1,234",kg\nUS-2,FLOUR,"1,234.5",kg\n'
    text += 'US-3,FLOUR,"12,5",kg\n'
    out, _ = _validated(_csv(tmp_path, "lots.csv", text))
    reasons = {r.line: r.reason for r in out.rejects}
    assert reasons[2].startswith(
        "not a number: 1,234 is 1234 with its thousands grouped by ',', or 1.234 with a decimal "
        "comma"
    )
    assert "export the column without thousands separators" in reasons[2]
    assert reasons[3].startswith("not a number: 1,234.5 groups its thousands by ',' (1234.5)")
    assert 'decimal = ","' not in reasons[3]
    assert 'a mapping with decimal = "," reads 2,5' in reasons[4]


def test_the_extra_columns_ambiguous_note_names_the_values_own_readings(tmp_path: Path) -> None:
    """The note on an extra cell kept as text said "1.234 may be 1250 … or 1.25" of every
    value: now 1234 or 1.234."""
    text = "step_id;operation;started_at;bake_min\nDES-1;bake;2026-11-03T08:00:00+00:00;1.234\n"
    summary = check_paths([_csv(tmp_path, "steps.csv", text)])
    (note,) = [n for n in summary.notes if "bake_min" in n]
    assert "1.234 may be 1234 with its thousands grouped by '.', or 1.234" in note


def test_an_inspections_value_with_a_decimal_comma_is_read_as_the_extras_are(
    tmp_path: Path,
) -> None:
    """An inspection's `value` 12,5 in a ';' file stayed "12,5" while the same file's extra
    columns read 12,5 as 12.5: now "12.5" (text, as every value is), with the note."""
    text = (
        "inspection_id;test;result;inspected_at;lot_id;value;moisture_pct\n"
        "INS-1;moisture;pass;2026-11-03T08:00:00+00:00;R1;12,5;12,5\n"
        "INS-2;moisture;pass;2026-11-03T08:00:00+00:00;R1;12.5;12.5\n"
        "INS-3;moisture;pass;2026-11-03T08:00:00+00:00;R1;1.234;1.234\n"
        "INS-4;moisture;pass;2026-11-03T08:00:00+00:00;R1;<5;<5\n"
    )
    out, rows = _validated(_csv(tmp_path, "inspections.csv", text))
    assert out.rejects == []
    assert [(r["value"], r["_extra"]["moisture_pct"]) for r in rows] == [  # type: ignore[index]
        ("12.5", 12.5), ("12.5", 12.5), ("1.234", "1.234"), ("<5", "<5"),
    ]  # fmt: skip
    assert out.commas.numbers["value"] == 1 and out.commas.ambiguous["value"] == 1


# --- 2. Excel's error values as ids -------------------------------------------------------


def test_excel_error_values_in_id_columns_of_a_csv_are_rejected(tmp_path: Path) -> None:
    """A CSV saved from a sheet whose VLOOKUP failed holds `#N/A` (German `#NV`, `#WERT!`):
    it was Supplier #N/A, Material #N/A and a stub lot #N/A; a lone '-' made a location '-',
    and is read as no location now (an optional reference: the lot stands)."""
    text = (
        "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,location_id\n"
        "NA-0001,FLOUR,400,kg,#N/A,#N/A,WH\n"
        "NA-0003,#N/A,400,kg,V07,124,WH\n"
        "NA-0004,FLOUR,400,kg,V07,#WERT!,WH\n"
        "NA-0005,FLOUR,400,kg,V07, #nv ,WH\n"
        "NA-0006,FLOUR,400,kg,V07,125,-\n"
        "NA-0007,FLOUR,#DIV/0!,kg,V07,126,WH\n"
        "NA-0008,FLOUR,400,kg,V07,127,WH\n"
    )
    out, rows = _validated(_csv(tmp_path, "lots.csv", text))
    assert [(r["lot_id"], r["location_id"]) for r in rows] == [("NA-0006", None),
                                                               ("NA-0008", "WH")]  # fmt: skip
    rejects = _reasons(out)
    assert sorted(rejects) == [
        (2, "supplier_id"), (3, "material_id"), (4, "supplier_lot"), (5, "supplier_lot"),
        (7, "quantity"),
    ]  # fmt: skip
    assert rejects[(2, "supplier_id")].reason.startswith(
        "an Excel error value (a formula that failed), not an id"
    )
    assert "an Excel error value (a formula that failed), not a number" in (
        rejects[(7, "quantity")].reason
    )


ERRORS = ["#NULL!", "#REF!", "#BEZUG!", "#NAME?", "#ZAHL!", "#SPILL!", "#CALC!", "#GETTING_DATA",
          "#VALEUR!", "#¡VALOR!", "#N/D"]  # fmt: skip


@pytest.mark.parametrize("error", ERRORS)
def test_every_listed_error_value_is_no_lot_id(tmp_path: Path, error: str) -> None:
    """Excel's error values in English (Chinese Excel's too), German, French and Spanish."""
    from tracegraph.importing.validate import EXCEL_ERRORS

    assert error in EXCEL_ERRORS
    out, rows = _validated(_csv(tmp_path, "step_inputs.csv",
                                f"step_id,lot_id,quantity,uom\nS1,{error},5,kg\n"))  # fmt: skip
    assert rows == [] and out.rejects[0].column == "lot_id"


def test_an_na_lot_no_longer_joins_unrelated_genealogies(graph: TraceGraph, tmp_path: Path) -> None:
    """Three unrelated steps used "lot #N/A" (a failed look-up in each sheet): one stub lot,
    whose forward trace reached every lot the three steps made. Now the three lines are
    rejected and no lot #N/A exists."""
    folder = tmp_path / "plant"
    folder.mkdir()
    _csv(folder, "steps.csv", "step_id,operation,started_at\n" + "".join(
        f"S{i},mix,2026-11-03T0{i}:00:00+00:00\n" for i in (1, 2, 3)))  # fmt: skip
    _csv(folder, "step_inputs.csv", "step_id,lot_id,quantity,uom\n"
         "S1,#N/A,5,kg\nS2,#N/A,5,kg\nS3,#NV,5,kg\nS1,A,5,kg\n")  # fmt: skip
    _csv(folder, "step_outputs.csv",
         "step_id,lot_id,quantity,uom\nS1,P1,5,kg\nS2,P2,5,kg\nS3,P3,5,kg\n")  # fmt: skip
    summary = import_paths(graph, [folder])
    assert [(r.line, r.value) for r in summary.rejects] == [(2, "#N/A"), (3, "#N/A"), (4, "#NV")]
    assert summary.tables["step_inputs"].reconciles
    (found,) = graph.read("import/unfolded_lots", ids=["#N/A", "#NV"])
    assert found["ids"] == []
    assert [lot["lot_id"] for lot in trace_forward(graph, ["A"]).lots] == ["P1"]


# --- 3. workbook ids stored as numbers, dates, booleans ------------------------------------


def test_a_workbooks_date_and_boolean_id_cells_are_rejected(tmp_path: Path) -> None:
    """An id typed 1-2 that Excel made a date was stored as 2026-01-02T00:00:00, 1.10 as 1.1,
    TRUE as True, and a lot id MAR-11 as 2026-03-11T00:00:00: rejected now; 100000 (a number
    cell) is read as its digits, with one note per column."""
    path = _workbook(tmp_path, "lots.xlsx", [
        ["lot_id", "material_id", "quantity", "uom", "supplier_id", "supplier_lot"],
        ["IDC-0001", "FLOUR", 400, "kg", "V07", datetime(2026, 1, 2)],
        ["IDC-0002", "FLOUR", 400, "kg", "V07", 1.1],
        ["IDC-0003", "FLOUR", 400, "kg", "V07", True],
        ["IDC-0004", "FLOUR", 400, "kg", "V07", 100000],
        [datetime(2026, 3, 11), "FLOUR", 400, "kg", "V07", "x"],
        ["IDC-0006", "FLOUR", 400, "kg", "V07", 100001],
    ])  # fmt: skip
    out, rows = _validated(path)
    assert [(r["lot_id"], r["supplier_lot"]) for r in rows] == [
        ("IDC-0004", "100000"), ("IDC-0006", "100001"),
    ]  # fmt: skip
    rejects = _reasons(out)
    assert sorted(rejects) == [(2, "supplier_lot"), (3, "supplier_lot"), (4, "supplier_lot"),
                               (6, "lot_id")]  # fmt: skip
    assert rejects[(2, "supplier_lot")].reason.startswith("a date cell (2026-01-02T00:00:00)")
    assert rejects[(3, "supplier_lot")].reason.startswith("a decimal number cell (1.1)")
    assert rejects[(4, "supplier_lot")].reason.startswith("a TRUE/FALSE cell, not an id")
    assert out.number_ids == {"supplier_lot": 2} and out.folded_ids == {}


def test_a_number_cell_lot_id_says_the_graph_holds_it_zero_padded(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """lots.csv wrote 000200 released; a workbook then sent it as the number cell 200 on hold:
    two lots, 000200 still released, exit 0, nothing said. Now the import notes the number
    cells once per column, and that the graph holds 000200."""
    _csv(tmp_path, "lots.csv", "lot_id,material_id,status\n000200,FLOUR,released\n")
    assert import_paths(graph, [tmp_path / "lots.csv"]).rejects == []
    book = tmp_path / "book"
    book.mkdir()
    path = _workbook(book, "lots.xlsx", [
        ["lot_id", "material_id", "status"], [200, "FLOUR", "hold"], [201, "FLOUR", "hold"],
        ["202", "FLOUR", "hold"],
    ])  # fmt: skip
    summary = import_paths(graph, [path])
    assert summary.rejects == []
    (note,) = [n for n in summary.notes if "number cell" in n]
    assert note == (
        f"{path}: 2 lots.lot_id ids were number cells (as 200), read as the number's digits: "
        "leading zeros may have been lost — format the column as Text in Excel and export "
        "again; the graph holds 1 lot under the zero-padded id: 000200 (here 200) — this "
        "file's rows were written to other lots than those"
    )


def test_a_workbooks_true_is_the_csvs_true(graph: TraceGraph, tmp_path: Path) -> None:
    """A CSV's TRUE was stored "TRUE", the same workbook's TRUE cell "True": re-sending the
    lots as XLSX recorded 1 changed row. Now both are "TRUE": nothing changes."""
    first, second = tmp_path / "csv", tmp_path / "xlsx"
    first.mkdir()
    second.mkdir()
    _csv(first, "lots.csv", "lot_id,material_id,organic\nBO-0001,FLOUR,TRUE\n")
    assert import_paths(graph, [first]).rejects == []
    _workbook(second, "lots.xlsx", [["lot_id", "material_id", "organic"],
                                    ["BO-0001", "FLOUR", True]])  # fmt: skip
    summary = import_paths(graph, [second])
    assert summary.rejects == [] and summary.tables["lots"].updated == 0


# --- 4. typographic quotes around an id ----------------------------------------------------


def test_typographic_quotes_around_an_id_are_dropped_with_the_folded_note(tmp_path: Path) -> None:
    """`“VAL-0007”` (Word's or Outlook's quotes, pasted) was written as another lot than
    VAL-0007, with no note; a plain `"` is the CSV's quoting and never reached the id."""
    text = (
        "lot_id,material_id,supplier_id,supplier_lot\n"
        "“VAL-0007”,FLOUR,V07,„000123“\n"
        "« VAL-0008 »,FLOUR,V07,x\n"
        '"VAL-0009",FLOUR,V07,x\n'
        "VAL-“10”,FLOUR,V07,x\n"
    )
    out, rows = _validated(_csv(tmp_path, "lots.csv", text))
    assert [(r["lot_id"], r["supplier_lot"]) for r in rows] == [
        ("VAL-0007", "000123"), ("VAL-0008", "x"), ("VAL-0009", "x"), ("VAL-“10”", "x"),
    ]  # fmt: skip
    assert out.folded_ids == {"lot_id": 2, "supplier_lot": 1}


# --- found by the review of the merge ------------------------------------------------------


def test_a_column_that_shows_a_decimal_point_reads_three_decimals_as_decimals(
    tmp_path: Path,
) -> None:
    """A Swiss Excel's ';' CSV, or an ERP writing three decimals, means 1.500 kg as 1.5: every
    row of 1 kg or more was rejected as ambiguous every night. A column with a cell whose '.'
    is a decimal point beyond doubt (0.250, 12.5) reads 1.500 as 1.5; a column without one
    still rejects it (the German 1.234), and +1.234 is as ambiguous as 1.234."""
    swiss = _csv(tmp_path, "lots.csv", "lot_id;material_id;quantity;uom\n"
                 "L1;M1;1.500;kg\nL2;M1;0.250;kg\nL3;M1;12.125;kg\nL4;M1;-;kg\n")  # fmt: skip
    out, rows = _validated(swiss)
    assert [(r["lot_id"], r["quantity"]) for r in rows] == [("L1", 1.5), ("L2", 0.25),
                                                           ("L3", 12.125)]  # fmt: skip
    assert [(r.line, r.column) for r in out.rejects] == [(5, "quantity")]  # `-` is no quantity
    (tmp_path / "de").mkdir()
    german = _csv(tmp_path / "de", "lots.csv", "lot_id;material_id;quantity;uom\n"
                  "L1;M1;1.500;kg\nL2;M1;+1.234;kg\n")  # fmt: skip
    out, rows = _validated(german)
    assert rows == [] and [r.reason.split(":")[0] for r in out.rejects] == [
        "ambiguous", "ambiguous"]  # fmt: skip


def test_cells_read_as_decimals_on_their_columns_evidence_are_said_in_a_note(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """1.500 and 12.125 in a ';' column whose 0.250 shows a decimal point were read as 1.5 and
    12.125 kg without a word, where the same cells without that evidence are rejected as
    ambiguous: a file whose one 0.250 was a typo read every 1.500 a thousand times too small,
    unsaid. The note counts them and names the cell that decided it; 1.234.567 there is still
    rejected, as grouped thousands."""
    folder = tmp_path / "in"
    folder.mkdir()
    _csv(folder, "lots.csv", "lot_id;material_id;quantity;uom\n"
         "L1;M1;1.500;kg\nL2;M1;0.250;kg\nL3;M1;12.125;kg\nL4;M1;1.234.567;kg\n")  # fmt: skip
    done = import_paths(graph, [folder])
    assert done.rejected == 1
    notes = [n for n in done.notes if "decimal point (" in n]
    assert len(notes) == 1, done.notes
    assert "2 lots.quantity cells written like 1.500 were read with '.' as the decimal point" \
        " (1.500 as 1.5, not 1500): the column's 0.250 shows" in notes[0]  # fmt: skip


def test_a_dash_in_an_optional_reference_is_empty_and_in_a_required_one_rejected(
    tmp_path: Path,
) -> None:
    """An export writing `-` for none (a lot's location, its supplier lot) lost the lot itself
    every night: the row was rejected for its placeholder. In an optional reference it is
    empty, as meant; a lot_id `-` is still rejected."""
    lots = _csv(tmp_path, "lots.csv", "lot_id;material_id;quantity;uom;location_id;supplier_lot\n"
                "L1;M1;5;kg;-;–\n-;M1;5;kg;WH;\n")  # fmt: skip
    out, rows = _validated(lots)
    assert [(r["lot_id"], r["location_id"], r["supplier_lot"]) for r in rows] == [
        ("L1", None, None)]  # fmt: skip
    assert [(r.line, r.column) for r in out.rejects] == [(3, "lot_id")]


def test_a_full_width_or_unicode_dash_for_none_is_empty_as_an_ascii_one_is(tmp_path: Path) -> None:
    """A Chinese IME types `－` (U+FF0D) for none, Word makes `-` an en dash or a minus sign:
    `－` in a lot's optional location was rejected (the lot lost every night) where `-` was
    read as empty. Every dash is read as empty in an optional reference and still rejected as a
    lot's own id."""
    lots = _csv(tmp_path, "lots.csv", "lot_id,material_id,quantity,uom,location_id,supplier_lot\n"
                "L1,M1,5,kg,\uff0d,\u2212\nL2,M1,5,kg,\u2010,\u2011\nL3,M1,5,kg,\uff0d\uff0d,\u2015\n"
                "\uff0d,M1,5,kg,WH,\n\u2212,M1,5,kg,WH,\n")  # fmt: skip
    out, rows = _validated(lots)
    assert [(r["lot_id"], r["location_id"], r["supplier_lot"]) for r in rows] == [
        ("L1", None, None), ("L2", None, None), ("L3", None, None)]  # fmt: skip
    assert [(r.line, r.column) for r in out.rejects] == [(5, "lot_id"), (6, "lot_id")]


def test_a_semicolon_files_inspection_values_are_read_as_written_and_a_failed_formula_is_none(
    tmp_path: Path,
) -> None:
    """An inspection value 12.000 in a ';' file became "12" without a word (measure_text read
    it first), where a quantity 12.000 is ambiguous; now it stays "12.000" with the ambiguous
    note. A value `#N/A` rejected the whole inspection, its pass or fail lost: now the value
    is empty and the inspection stands."""
    at = "2026-11-03T08:00:00Z"
    inspections = _csv(tmp_path, "inspections.csv",
                       "inspection_id;test;result;inspected_at;lot_id;value\n"
                       f"I1;weight;pass;{at};L1;12.000\nI2;weight;fail;{at};L1;#N/A\n"
                       f"I3;weight;pass;{at};L1;12,5\n")  # fmt: skip
    out, rows = _validated(inspections)
    assert out.rejects == []
    assert [(r["inspection_id"], r["result"], r["value"]) for r in rows] == [
        ("I1", "pass", "12.000"), ("I2", "fail", None), ("I3", "pass", "12.5")]  # fmt: skip


def test_a_semicolon_extra_of_several_dot_groups_is_noted_not_a_crash(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """An extra column holding 1.234.567 or an address 192.168.100.200 in a ';' file: the note
    on its ambiguous cells read float("1.234.567") and the import died after writing the file
    (a bug, exit 3), every night. The cell is kept as text and the note names its reading."""
    folder = tmp_path / "in"
    folder.mkdir()
    _csv(folder, "lots.csv", "lot_id;material_id;quantity;uom;device_ip;count\n"
         "L1;M1;5;kg;192.168.100.200;1.234.567\n")  # fmt: skip
    done = import_paths(graph, [folder])
    assert done.rejected == 0
    notes = [n for n in done.notes if "grouped by '.'" in n]
    assert len(notes) == 2 and all("may be" in n for n in notes), done.notes


def test_a_workbooks_number_cells_do_not_settle_how_its_text_cells_are_written(
    tmp_path: Path,
) -> None:
    """A number cell's text is always `0.25`, whatever the locale: counted as a column's
    decimal point, it made the text cells 2.500 and 1.000 read as 2.5 and 1.0 kg, silently.
    A ';' column that also holds a decimal comma (12,5: the German way) is no evidence either."""
    book = _workbook(tmp_path, "lots.xlsx", [["lot_id", "material_id", "quantity", "uom"],
                                             ["L1", "M1", 0.25, "kg"], ["L2", "M1", "2.500", "kg"],
                                             ["L3", "M1", "1.000", "kg"]])  # fmt: skip
    out, rows = _validated(book)
    assert [r["lot_id"] for r in rows] == ["L1"]
    assert [(r.line, r.reason.split(":")[0]) for r in out.rejects] == [
        (3, "ambiguous"),
        (4, "ambiguous"),
    ]
    mixed = _csv(tmp_path, "lots.csv", "lot_id;material_id;quantity;uom\n"
                 "L1;M1;0.250;kg\nL2;M1;12,5;kg\nL3;M1;1.234;kg\n")  # fmt: skip
    out, rows = _validated(mixed)
    assert [r["lot_id"] for r in rows] == ["L1"]
    assert [r.line for r in out.rejects] == [3, 4]


def test_a_workbooks_failed_formula_as_an_inspection_value_leaves_the_inspection(
    tmp_path: Path,
) -> None:
    """As a CSV's `#N/A` value: an XLSX error cell in `value` rejected the inspection with
    "a spreadsheet error instead of a value", its pass or fail lost."""
    book = _workbook(tmp_path, "inspections.xlsx", [
        ["inspection_id", "test", "result", "inspected_at", "lot_id", "value"],
        ["I1", "weight", "fail", "2026-11-03T08:00:00Z", "L1", "#N/A"],
    ])  # fmt: skip
    out, rows = _validated(book)
    assert out.rejects == [] and [(r["result"], r["value"]) for r in rows] == [("fail", None)]


def test_a_number_cell_supplier_lot_names_the_lots_the_graph_holds_zero_padded(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """lots.csv wrote supplier lot 075131; a workbook of the same lots then sent it as the number
    cell 75131, which replaced the graph's spelling (`lot show 075131`: no lot is known), and the
    note said only that leading zeros may have been lost. Now it names the lots whose supplier
    lot the graph held zero-padded, asked before the write."""
    _csv(tmp_path, "suppliers.csv", "supplier_id,name\nV1,Mill\n")
    _csv(tmp_path, "lots.csv", "lot_id,material_id,supplier_id,supplier_lot\n"
         "L1,FLOUR,V1,075131\nL2,FLOUR,V1,000200\nL3,FLOUR,V1,300\n")  # fmt: skip
    assert import_paths(graph, [tmp_path / "suppliers.csv", tmp_path / "lots.csv"]).rejects == []
    book = tmp_path / "book"
    book.mkdir()
    path = _workbook(book, "lots.xlsx", [
        ["lot_id", "material_id", "supplier_id", "supplier_lot"], ["L1", "FLOUR", "V1", 75131],
        ["L2", "FLOUR", "V1", 200], ["L3", "FLOUR", "V1", 300], ["L4", "FLOUR", "V1", 75131],
    ])  # fmt: skip
    summary = import_paths(graph, [path])
    assert summary.rejects == []
    assert [n for n in summary.notes if "zero-padded" in n] == [
        f"{path}: the graph held the supplier lot of 2 lots zero-padded (of the file's first "
        "1,000 number-cell supplier lots, the ones looked up), as this file gives it "
        "without its leading zeros (a number cell): L1 075131 (here 75131), L2 000200 (here "
        "200) — if they are one supplier lot, format the column as Text in Excel and export "
        "again (the graph's spelling is replaced when the source that sent it sends the number)"
    ]
