"""Reading table files into raw text rows that remember where they came from.

Every cell is read as text — ERP ids keep their leading zeros, `1E5` stays a string until a
column says it is a number — and every row keeps its line (CSV: the physical line where the
record starts, header = 1; XLSX: the sheet row; Parquet: the row number, 1-based).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tracegraph.errors import TracegraphError

SUFFIXES = (".csv", ".xlsx", ".parquet")
# Tried in order when no --encoding is given. GB18030 is the superset of GBK and GB2312 that
# Chinese MES/ERP exports use; UTF-8 is tried first because GB18030 decodes almost anything.
FALLBACK_ENCODINGS = ("utf-8", "gb18030")

csv.field_size_limit(16 * 1024 * 1024)  # long text cells (10 kB notes) are data, not an error


class UnreadableFile(TracegraphError):
    """The whole file cannot be read: every row of it is unaccounted for."""


@dataclass(frozen=True)
class RawTable:
    path: Path
    header: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]  # (line, column -> text)
    encoding: str
    # header names as the file wrote them, when different after normalisation (BOM, spaces)
    notes: tuple[str, ...] = ()


def table_name(path: Path) -> str:
    """`lots.csv`, `LOTS.xlsx`, `lots.parquet` → `lots`."""
    return path.stem.strip().lower()


def read_table(path: Path, encoding: str | None = None, delimiter: str = ",") -> RawTable:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, encoding, delimiter)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".parquet":
        return _read_parquet(path)
    raise UnreadableFile(
        f"{path}: not a table file", hint=f"tables are {', '.join(SUFFIXES)} files"
    )


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    for candidate in (encoding,) if encoding else FALLBACK_ENCODINGS:
        try:
            return data.decode(candidate), candidate
        except (UnicodeDecodeError, LookupError):
            continue
    raise UnreadableFile(
        f"{path}: cannot decode the file as {encoding or ' or '.join(FALLBACK_ENCODINGS)}",
        hint="pass its encoding with --encoding (e.g. gbk, cp1252, utf-16)",
    )


def _clean_header(names: list[str]) -> tuple[str, ...]:
    return tuple(name.strip() for name in names)


def _read_csv(path: Path, encoding: str | None, delimiter: str = ",") -> RawTable:
    text, used = _decode(path, path.read_bytes(), encoding)
    if not text.strip():
        return RawTable(path, (), [], used, notes=("the file is empty",))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = _clean_header(next(reader))
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record):  # blank lines are layout, not rows
            rows.append((line, _row(header, record)))
        line = reader.line_num + 1
    return RawTable(path, header, rows, used)


def _row(header: tuple[str, ...], cells: list[str]) -> dict[str, str]:
    row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
    if len(cells) > len(header):
        row["\0overflow"] = ",".join(cells[len(header) :])
    return row


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores 123 as 123.0; an id typed as a number must come back as "123".
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _read_xlsx(path: Path) -> RawTable:
    import openpyxl

    try:
        # read_only streams rows; data_only gives cached values rather than formulas, so a cell
        # computed by Excel is imported as the value the user saw.
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(
            f"{path}: not a readable XLSX workbook ({type(exc).__name__})",
            hint="open it in Excel or LibreOffice and save it again as .xlsx",
        ) from exc
    sheet = book.worksheets[0]
    lines: Iterator[tuple[object, ...]] = sheet.iter_rows(values_only=True)
    first = next(lines, None)
    if first is None:
        book.close()
        return RawTable(path, (), [], "xlsx", notes=("the sheet is empty",))
    header = _clean_header([_cell_text(v) for v in first])
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = [_cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            rows.append((number, _row(header, cells)))
    book.close()
    return RawTable(path, header, rows, "xlsx")


def _read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise UnreadableFile(
            f"{path}: not a readable Parquet file ({type(exc).__name__})",
            hint="check that the export finished writing it",
        ) from exc
    header = _clean_header(list(table.column_names))
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [
        (
            number + 1,
            {name: _cell_text(col[number]) for name, col in zip(header, columns, strict=True)},
        )
        for number in range(table.num_rows)
    ]
    return RawTable(path, header, rows, "parquet")
