"""Writing the recall package's workbook: sheets of rows streamed as SpreadsheetML text.

A package of a commodity ingredient holds about 160k tracking events of 22 columns. openpyxl's
write-only mode, which wrote it before, builds a cell object and an XML element per value: 38 s
for those 3.6M cells, two thirds of the whole package (xlsxwriter took 22 s). Here each row is
one string and the sheet one compressed stream: about 5 s. What the package needs and nothing
more: text, numbers, true/false, one date-and-time format, a bold header row kept in view, an
autofilter over the rows, column widths, and a page setup that prints the sheet landscape, one
page wide, its header row on every page.

Text is always a string cell ("inline string"), so a value that looks like a formula (`=…`,
`+cmd|…`) stays text in Excel, as the package's CSV files keep it. What XML cannot carry (control
characters an ERP export may hold, and the carriage return XML would turn into a line feed) is
written as Excel's own `_xHHHH_` escape, and text that would read like one is escaped in turn, so
Excel and LibreOffice show every value as given. openpyxl and pandas return such escapes as they
stand in the file (openpyxl.utils.escape.unescape decodes them, as tests/test_xlsx.py does).
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import chain, count, islice
from pathlib import Path
from typing import IO, Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

from tracegraph.private_files import private_file

# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in for every date after
# February 1900).
_EXCEL_EPOCH = datetime(1899, 12, 30)
_FIRST_SERIAL = datetime(1900, 3, 1)
# What XML 1.0 cannot hold, or not as it is (a carriage return is read as a line feed): written
# as Excel's _xHHHH_
_ESCAPED = "\x00-\x08\x0b-\x0d\x0e-\x1f\ufffe\uffff\ud800-\udfff"
# those, and the _ of text that would read like such an escape, written as _x005F_ (Excel would
# read `_x0041_` in a lot's note as `A`) — also when the escape of the next character would
# close it (`_x0041` before a bell)
_UNWRITABLE = re.compile(f"[{_ESCAPED}]|_(?=x[0-9A-Fa-f]{{4}}(?:_|[{_ESCAPED}]))")

# What Excel holds: rows in a sheet (the header's included), characters in a cell, characters in
# a sheet's name
MAX_ROWS = 1_048_576
MAX_TEXT = 32_767
_MAX_TITLE = 31
_CUT = " … [cut: a cell holds 32,767 characters]"

# Style indexes in styles.xml's cellXfs: plain, bold (the header), a date and time.
_BOLD, _DATE_TIME = 1, 2
# Printed: landscape, one page wide and as many tall as the rows take (fitToHeight 0), with
# Excel's default margins; the header row is repeated on every page (the workbook's
# Print_Titles). Without it a recall's 114 events printed on 25 portrait pages, each a few
# columns of some rows, with no header past the first (LibreOffice; 1 page with it). On A4
# (paperSize 9): without it the standard's default is US Letter (1), which Excel and LibreOffice
# then printed, where they had used the locale's A4 before the page was set up.
_PAGE_SETUP = ('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
               'footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1" '
               'fitToHeight="0"/>')  # fmt: skip


class Sheet(NamedTuple):
    """One sheet: its title, its header and its rows (values in the header's order).
    `widths`: characters per column (None: Excel's default width)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] | None = None


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> Path:
    """`sheets` as one workbook at `path`. Values: str (text), bool, int and float (numbers; an
    infinity or NaN as its text), datetime (a date and time), None and "" (an empty cell);
    anything else as its text. A sheet with more rows than Excel holds goes on in `TITLE (2)`,
    `TITLE (3)`, … with the same header; a text longer than a cell holds is cut, and says so."""
    # Written beside it and renamed when whole: a write that fails (a full disk) leaves no
    # workbook that looks finished but is not (its parts list is written last); readable by
    # its user only from the start (a recall's workbook holds every customer's contact)
    with private_file(path, binary=True) as out:
        _write(out, sheets)
    return path


def _write(out: IO[bytes], sheets: Sequence[Sheet]) -> None:
    parts: list[tuple[str, str]] = []  # each sheet written: its title and autofilter range
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        book.writestr("_rels/.rels", _PACKAGE_RELS)
        book.writestr("xl/styles.xml", _STYLES)
        for sheet in sheets:
            rows: Iterator[Sequence[Any]] = iter(sheet.rows)
            for part in count(1):
                suffix = f" ({part})" if part > 1 else ""
                title = sheet.title[: _MAX_TITLE - len(suffix)] + suffix
                ranges: list[str] = []
                # zip64: a full sheet of long rows passes the 2 GiB a plain zip member holds
                name = f"xl/worksheets/sheet{len(parts) + 1}.xml"
                with book.open(name, "w", force_zip64=True) as stream:
                    for chunk in _sheet_xml(sheet.header, sheet.widths, rows, ranges):
                        stream.write(chunk.encode("utf-8"))
                parts.append((title, ranges[0]))
                following = next(rows, None)
                if following is None:  # every row written
                    break
                rows = chain([following], rows)
        book.writestr("[Content_Types].xml", _content_types(len(parts)))
        book.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(parts)))
        book.writestr("xl/workbook.xml", _workbook(parts))


def column_letter(number: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_xml(
    header: Sequence[str], widths: Sequence[float] | None, rows: Iterator[Sequence[Any]],
    ranges: list[str],
) -> Iterable[str]:  # fmt: skip
    """A sheet of `header` and as many of `rows` as it holds; its autofilter range is added to
    `ranges` (the workbook names it too)."""
    columns = [column_letter(n) for n in range(1, len(header) + 1)]
    yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
           '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'  # scaled as _PAGE_SETUP says
           '<sheetViews><sheetView workbookViewId="0">'
           '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
           '<selection pane="bottomLeft"/></sheetView></sheetViews>'
           '<sheetFormatPr defaultRowHeight="15"/>')  # fmt: skip
    if widths:
        sized = (f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
                 for n, width in enumerate(widths, start=1))  # fmt: skip
        yield "<cols>" + "".join(sized) + "</cols>"
    yield "<sheetData>" + _row(1, columns, header, _BOLD)
    last = 1
    batch: list[str] = []
    for last, values in enumerate(islice(rows, MAX_ROWS - 1), start=2):
        batch.append(_row(last, columns, values))
        if len(batch) == 1000:  # a few hundred kB at a time into the compressor
            yield "".join(batch)
            batch.clear()
    ranges.append(_range(columns, last))
    yield "".join(batch) + "</sheetData>"
    yield f'<autoFilter ref="{ranges[-1]}"/>{_PAGE_SETUP}</worksheet>'


def _row(number: int, columns: list[str], values: Sequence[Any], style: int = 0) -> str:
    cells = []
    styled = f' s="{style}"' if style else ""
    for column, value in zip(columns, values, strict=False):
        if value is None or value == "":  # an empty cell, as Excel keeps an emptied one
            continue
        at = f'r="{column}{number}"{styled}'
        # float() and int(): a subclass's repr (numpy's `np.float64(2.5)`, an IntEnum's) is not
        # a number
        if isinstance(value, bool):
            cells.append(f'<c {at} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int):
            cells.append(f"<c {at}><v>{int(value)}</v></c>")
        elif isinstance(value, float) and math.isfinite(value):
            cells.append(f"<c {at}><v>{float(value)!r}</v></c>")
        elif isinstance(value, datetime) and (days := _excel_days(value)) is not None:
            cells.append(f'<c r="{column}{number}" s="{_DATE_TIME}"><v>{days!r}</v></c>')
        else:  # text; a date and time Excel has no serial for, as its ISO 8601 text
            text = value if isinstance(value, str) else _iso_or_str(value)
            cells.append(f'<c {at} t="inlineStr"><is><t xml:space="preserve">'
                         f"{_text(text)}</t></is></c>")  # fmt: skip
    return f'<row r="{number}">' + "".join(cells) + "</row>"


def _excel_days(value: datetime) -> float | None:
    """The serial Excel stores a date and time as, the instant in UTC; None where it has none:
    before 1900-03-01 (no day 0, and its 1900-02-29 that never was) and after 9999-12-31, such
    as an export's "no date" 0001-01-01 and a 9999-12-31 23:59 west of UTC."""
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            return None
    if value < _FIRST_SERIAL:
        return None
    return (value - _EXCEL_EPOCH).total_seconds() / 86400


def _iso_or_str(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def over_a_cell(value: object) -> bool:
    """Whether `value` is a text longer than a cell holds, which the workbook cuts (and says so
    in the cell). Excel counts a cell's characters in UTF-16 units, one or two a character (an
    emoji is two): only a text of more than half the limit can be over it, and few are."""
    return (isinstance(value, str) and len(value) > MAX_TEXT // 2
            and len(value.encode("utf-16-le", "surrogatepass")) > 2 * MAX_TEXT)  # fmt: skip


def _text(value: str) -> str:
    if over_a_cell(value):  # Excel does not open such a cell as written
        units = value.encode("utf-16-le", "surrogatepass")  # two bytes a unit
        kept = units[: 2 * (MAX_TEXT - len(_CUT))]
        value = kept.decode("utf-16-le", "ignore") + _CUT  # a pair cut in two is dropped
    if _UNWRITABLE.search(value):
        value = _UNWRITABLE.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return escape(value)


def _range(columns: list[str], last_row: int) -> str:
    return f"A1:{columns[-1]}{last_row}" if columns else "A1"


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
# Fonts: the default and its bold; fills and borders: the two and one Excel requires; number
# format 164: a date and time as the CSV writes it (ISO order, sortable as shown).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _content_types(sheets: int) -> str:
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{kinds}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{kinds}.styles+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                  f'ContentType="{kinds}.worksheet+xml"/>' for n in range(1, sheets + 1))
        + "</Types>"
    )  # fmt: skip


def _workbook(parts: list[tuple[str, str]]) -> str:
    listed = "".join(f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
                     for n, (title, _) in enumerate(parts, start=1))  # fmt: skip
    # The hidden name Excel keeps each autofilter's range in (it writes one for every filter),
    # then the header row each sheet repeats on every printed page
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        + escape(f"{_quoted_title(title)}!{_absolute(ref)}")
        + "</definedName>"
        for n, (title, ref) in enumerate(parts)
    ) + "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{n}">'
        + escape(f"{_quoted_title(title)}!$1:$1")
        + "</definedName>"
        for n, (title, _) in enumerate(parts)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{listed}</sheets>"
        f"<definedNames>{names}</definedNames></workbook>"
    )


def _quoted_title(title: str) -> str:
    """A sheet's name as a reference names it: `'it''s empty'`."""
    return "'" + title.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """A1:V9 -> $A$1:$V$9."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))


def _workbook_rels(sheets: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{n}" Type="{_RELATIONSHIPS}/worksheet" '
                  f'Target="worksheets/sheet{n}.xml"/>' for n in range(1, sheets + 1))
        + f'<Relationship Id="rId{sheets + 1}" Type="{_RELATIONSHIPS}/styles" '
        'Target="styles.xml"/></Relationships>'
    )  # fmt: skip
