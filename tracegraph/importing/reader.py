"""Reading table files into raw text rows that remember where they came from.

Every cell is read as text — ERP ids keep their leading zeros, `1E5` stays a string until a
column says it is a number — and every row keeps its line (CSV: the physical line where the
record starts, counting title lines above the header and Excel's `sep=;` line; XLSX: the sheet
row; Parquet: the row number, 1-based). A cell an XLSX or Parquet file stored as a number or a
date arrives as a StoredValue: its canonical text, marked so that a mapping's decimal comma and
date formats, which describe text, leave it alone.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from tracegraph.errors import TracegraphError
from tracegraph.idtext import normal_id
from tracegraph.importing.tables import TABLES
from tracegraph.values import counted

# .pq and .parq are Parquet too (DuckDB's and some tools' names for it; they were skipped)
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
SUFFIXES = (".csv", ".xlsx", *PARQUET_SUFFIXES)
FORMS = ".csv, .xlsx, .parquet"  # the suffixes messages name (.pq and .parq are .parquet)
# Tried in order when no --encoding is given. GB18030 is the superset of GBK and GB2312 that
# Chinese MES/ERP exports use; UTF-8 is tried first because GB18030 decodes almost anything.
FALLBACK_ENCODINGS = ("utf-8", "gb18030")
# A file without even its header line: what an empty table looks like instead
NO_HEADER_HINT = (
    "export the table again; a table with no rows tonight is its header line and nothing under it"
)

csv.field_size_limit(16 * 1024 * 1024)  # long text cells (10 kB notes) are data, not an error


class StoredValue(str):
    """Canonical text of a cell the file stored as a number, date or boolean (XLSX, Parquet):
    `1250.5`, `2026-11-03T08:15:00`. It is already what a mapping's `decimal` and `format`
    would produce: applying them again read 1250.5 kg as 12,505 kg under a decimal comma."""

    __slots__ = ()


class LongNumber(StoredValue):
    """A whole number of 16 digits or more that a spreadsheet stored as a number. Excel keeps 15
    significant digits, so as an id (an 18-digit SAP material) its last digits may be lost."""

    __slots__ = ()


# The separators a canonical CSV may use: Excel in German or French locales saves CSV with ';',
# its "Unicode text" with tabs.
SEPARATORS = (",", ";", "\t", "|")
SNIFFED_RECORDS = 20  # records (header included) that must agree on the separator
SEPARATOR_NAMES = {";": "semicolon-separated", "\t": "tab-separated", "|": "pipe-separated"}


# Keys of a row's cells that are no column: a row the reader could not split rightly holds
# one, and is rejected as a whole (row_problem).
OVERFLOW = "\0overflow"  # the cells beyond the header's columns
# The start of a file's note that its last row has no line break after it (run.py makes it a
# note of the run, not only of the file's log line)
NO_LAST_LINE_BREAK = "no line break after the last row"
SHORT = "\0short"  # a CSV file's last row, cut short: fewer cells, no line break after it
UNCLOSED = "\0unclosed"  # a quoted cell that swallowed the lines after it


def row_problem(cells: dict[str, str], unreadable: bool = True) -> tuple[str, str, str] | None:
    """The column ("" for the whole row), value and reason to reject a row with, when the
    reader could not split it or could not read one of its cells (UnreadableCell; with
    `unreadable` False not: a mapping rejects a row for one only in a column it reads)."""
    if OVERFLOW in cells:
        return "", cells[OVERFLOW][:200], "the row has more cells than the header has columns"
    if UNREADABLE in cells and unreadable:
        cell = cells[UNREADABLE]
        if isinstance(cell, UnreadableCell):
            return cell.column, cell[:200], cell.reason
    if UNCLOSED in cells:
        return "", cells[UNCLOSED][:200], _UNCLOSED_REASON
    if SHORT in cells:
        return "", cells[SHORT][:200], _SHORT_REASON
    return None


_UNCLOSED_REASON = (
    "the row's quotes do not pair up: a quote without its closing quote takes the rows "
    "below it into one cell (they are in this cell, not read as rows)"
)
_SHORT_REASON = (
    "the file's last row has fewer cells than the header has columns and no line "
    "break after it: cut short (an export that stopped mid-row?)"
)


class StoredNumber(StoredValue):
    """A sheet cell stored as a number (not zero-padded by its format): as an id it may have
    lost its leading zeros (Excel makes 000200 the number 200 unless the column is Text)."""

    __slots__ = ()


class StoredDate(StoredValue):
    """A sheet cell stored as a date or time: as an id, Excel made it one (1-2, MAR-11)."""

    __slots__ = ()


class StoredBool(StoredValue):
    """A sheet cell stored as TRUE or FALSE, written as Excel shows it and saves it to CSV
    (TRUE, not Python's True: a workbook and its CSV gave one lot two values)."""

    __slots__ = ()


class SpreadsheetError(str):
    """A cell a spreadsheet stored as an error (#REF!, #N/A, #DIV/0!): no value at all. A row
    whose table reads the cell is rejected; as an extra column it is left out."""

    __slots__ = ()

    REASON = "a spreadsheet error instead of a value: fix its formula in the workbook, then export"


class UncalculatedFormula(SpreadsheetError):
    """A formula cell with no value: a workbook written by a program (openpyxl, a report
    generator) stores the formula, and only Excel or LibreOffice compute it when they save.
    Read as empty, a quantity computed as =B2*1000 went blank without a word."""

    __slots__ = ()

    REASON = (
        "a formula whose value was never calculated (the workbook was written by a program, "
        "not saved by Excel): open it in Excel or LibreOffice and save it, then import again"
    )


# An unreadable cell of a typed file (a Parquet date past year 9999, an infinite number, bytes
# that are not text): the key under which its row holds it, rejected as a whole (row_problem)
UNREADABLE = "\0unreadable"


class UnreadableCell(str):
    """A Parquet cell no value can be read from (a timestamp of int64's largest microsecond, a
    "never expires" beyond year 9999; inf; bytes that are not UTF-8): the text it is shown as
    in the reject, with the column it is in and why. Its row is rejected, wherever the column
    is (an extra column too) — under a mapping, only when one of the file's sections reads the
    column (a hash or "valid to" no rule maps rejected every row): it crashed the whole import
    ("OverflowError: date value out of range", exit 3) after earlier files were written."""

    column: str
    reason: str

    @classmethod
    def of(cls, text: str, column: str, reason: str) -> UnreadableCell:
        cell = cls(text)
        cell.column, cell.reason = column, reason
        return cell


class HexBytes(str):
    """A Parquet BINARY cell of a canonical file's extra column that is not UTF-8 text (a hash, a
    UUID kept as 16 bytes), as hex: stays text (`00120034` is no number). It rejected its row,
    which rejected nearly every row of a file carrying a row hash."""

    __slots__ = ()


class NestedCell(StoredValue):
    """A Parquet list, struct or map cell, as JSON text: as an id it is no id (rejected); as an
    extra column it is kept so (it was Python's repr, `['a', 'b']`)."""

    __slots__ = ()


class UnreadableFile(TracegraphError):
    """The whole file cannot be read: every row of it is unaccounted for."""

    line = 0  # the line its one reject stands on: 0, no line of it could be read


class NotTheTable(UnreadableFile):
    """A workbook whose sheets' headers do not say which holds the table (none or several of
    them have its required columns): rejected on line 1, the header the reason is about."""

    line = 1


@dataclass(frozen=True)
class RawTable:
    path: Path
    header: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]  # (line, column -> text)
    encoding: str
    # how the file was read, for its log line (separator, sheet)
    notes: tuple[str, ...] = ()
    # sheets of an XLSX file that hold data but were not read (the run's summary names them)
    unread_sheets: tuple[str, ...] = ()
    # header names given more than once; the repeats are renamed `name (2)`, … so that no
    # column's values overwrite another's, and what reads the table decides what that means
    repeated: tuple[str, ...] = ()
    # a CSV's separator: a ';' file is a European locale's, whose numbers have a decimal comma
    # (validate reads its extra columns so); "" for workbooks, Parquet and a mapping's tables
    delimiter: str = ""
    # a CSV's rows with fewer cells than the header (the last row cut short aside): read with
    # their missing cells empty, which clears what the graph holds, so the run says so
    short_lines: tuple[int, ...] = ()
    # the XLSX sheet read ("" for other files): rejects and notes name it
    sheet: str = ""
    # an XLSX workbook saved in the 1904 date system (old Mac Excel): its serial dates count
    # days from 1904-01-01, not from 1899-12-30 (a mapping's `format = "excel"`)
    date1904: bool = False
    # a mapping's link table whose rows naming one link were summed (`combine = "sum"`): its
    # links' quantities are this file's sums, which replace the graph's (the import says so)
    summed: bool = False
    # the line (CSV) or sheet row of the column names: a reject of a column names it
    header_at: int = 1
    # notes on how the file was read that the run's summary and ledger carry too (a sheet
    # chosen for its header, an encoding detected against the odds, a nameless column's data)
    said: tuple[str, ...] = ()
    # other sheets of the workbook with the table's header, not read: each one a reject (their
    # rows are not read), so that the run is not clean
    also_holding: tuple[str, ...] = ()
    # the XLSX sheet read is hidden in the workbook (its tab not shown): a reject that says to
    # move rows to it says so
    sheet_hidden: bool = False
    # the sheet's merged ranges (B3:B5): a merged cell's value is in its first cell only, and
    # a reject of an empty cell in one says so
    merged: tuple[str, ...] = ()
    # the column names on the header line of each other sheet with data, by title, spelled as
    # `header` is: whether a sheet not read could hold the table's rows (--full)
    sheet_headers: tuple[tuple[str, frozenset[str]], ...] = ()


# A numbered part of a table's export: lots_1.csv, lots_2.csv, lots-10.csv.
_PART = re.compile(r"(.+?)[_-]\d+")


# The codec Spark (parquet-mr) writes before .parquet: lots.snappy.parquet is table lots (it was
# "unknown table 'lots.snappy'")
_CODEC = re.compile(r"(.+)\.(?:snappy|gz|gzip|zstd|lz4|lz4hadoop|lz4raw|lzo|br|brotli)")
# A Spark, Hive or Hadoop job's part file (part-00000-<uuid>-c000.snappy.parquet): the table
# is its folder (spark/lots/part-00000-….parquet is a part of lots)
SPARK_PART = re.compile(r"part-\d+(?:[-_.].*)?")


def table_name(path: Path) -> str:
    """`lots.csv`, `LOTS.xlsx`, `lots.parquet`, `lots.snappy.parquet` → `lots`; a numbered part
    of a table (`lots_2`, `lots-10`, as exports split a big table) → `lots` too: a folder's files
    are read in natural order, lots_2 before lots_10 (it was "unknown table 'lots_2'"); a Spark
    job's part file (`lots/part-00000-….snappy.parquet`) is the table its folder is named after
    (every row was rejected as of "unknown table 'part-00000-…'")."""
    name = path.stem.strip().lower()
    if path.suffix.lower() in PARQUET_SUFFIXES and (codec := _CODEC.fullmatch(name)):
        name = codec.group(1)
    # the file's folder: absolute, for `import .` run in lots/ names its part files with no
    # folder (Path('.') / 'part-0.parquet' is Path('part-0.parquet')); a name that is no file's
    # path must not be given (run._named_as_table gave part-00000 alone, and was table lots
    # when run in a folder lots)
    if SPARK_PART.fullmatch(name) and (folder := Path(_table_folder(path).name)).name:
        # a folder named as a file is (Spark writes to lots.parquet/): lots
        name = (folder.stem if folder.suffix.lower() in SUFFIXES else folder.name).strip().lower()
    part = _PART.fullmatch(name)
    if part is not None and name not in TABLES and part.group(1) in TABLES:
        return part.group(1)
    return name


# A Hive-style partition folder of a job's output (lots/dt=2026-12-01/part-0.parquet): no table
HIVE_PARTITION = re.compile(r"[^=]+=[^=]*")


def _table_folder(path: Path) -> Path:
    """The folder a part file's table is named after: its own, or above its Hive partition
    folders (`dt=2026-12-01`; every row was an unknown table 'dt=2026-12-01')."""
    folder = path.absolute().parent
    while HIVE_PARTITION.fullmatch(folder.name) and folder.parent != folder:
        folder = folder.parent
    return folder


def read_table(
    path: Path, encoding: str | None = None, delimiter: str | None = None, header_line: int = 1
) -> RawTable:
    """The file's rows; a CSV's separator is `delimiter`, or else the one its header uses. The
    column names are on `header_line` (CSV line or sheet row): a report's title lines above it
    are not data."""
    read = read_sheets(path, [(None, header_line)], encoding, delimiter, canonical=True)[0]
    if isinstance(read, UnreadableFile):
        raise read
    return read


def read_sheets(
    path: Path,
    sheets: list[tuple[str | None, int]],
    encoding: str | None = None,
    delimiter: str | None = None,
    as_text: bool = False,
    canonical: bool = False,
) -> list[RawTable | UnreadableFile]:
    """The file read once per (sheet, header line) asked for — a mapping's sections may read
    several sheets of one workbook; a sheet of None is the default one (named like the file,
    else the first with data). A sheet that cannot be read (missing, empty) is its
    UnreadableFile; the whole file's problems are raised. `as_text`: a .txt file (Excel's
    "Unicode text") is read as delimited text, as a mapping section naming it asks.
    `canonical`: the file is the table it is named after (no mapping): a workbook's sheet is
    chosen by its header too (_table_sheet)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path, table_name(path), sheets, canonical)
    text = suffix == ".csv" or (suffix == ".txt" and as_text)
    named = [sheet for sheet, _ in sheets if sheet is not None]
    if named and (text or suffix in PARQUET_SUFFIXES):
        raise UnreadableFile(
            f"{path}: a {suffix} file has no sheets, and a [[file]] section reads its sheet "
            f"{named[0]!r}",
            hint="`sheet` is for .xlsx workbooks: leave it out of the sections for this file",
        )
    if text:
        return [_read_csv(path, encoding, delimiter, header_line, canonical)
                for _, header_line in sheets]  # fmt: skip
    if suffix in PARQUET_SUFFIXES:
        lines = [header_line for _, header_line in sheets if header_line != 1]
        if lines:  # it was ignored: the names are the schema's, not a line's
            raise UnreadableFile(
                f"{path}: a Parquet file's column names are its schema's, not a line of it, and "
                f"the mapping reads them from line {lines[0]}",
                hint="`header_line` is for CSV and XLSX files: leave it out for this file, or "
                "give its [[file]] section header_line = 1",
            )
        return [_read_parquet(path, canonical)]
    form = "".join(path.suffixes[-2:]) or "file without a suffix"
    raise UnreadableFile(
        f"{path}: a {form} file, which tracegraph does not read",
        hint=f"tables are {FORMS} files: save it as one, or unpack it"
        + (" (a mapping's [[file]] section whose `match` ends in .txt reads it as delimited "
           "text)" if suffix == ".txt" else ""),
    )  # fmt: skip


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a byte order mark (and tabs).
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass  # a BOM-like start of another encoding: try the others
    if encoding and _multibyte_utf8(data) and _garbles_utf8(encoding, data):
        # "für" saved as UTF-8 reads "fÃ¼r" in Windows-1252 and "f眉r" in GBK: the given
        # encoding would store every letter beyond ASCII garbled. Text in another encoding
        # that is also valid UTF-8 with letters beyond ASCII is all but unknown (no line of a
        # generated MES plant's GBK files is).
        return data.decode("utf-8"), f"utf-8 (not {encoding} as given: the file is UTF-8)"
    line = 0  # detected: the first line that is not UTF-8
    if not encoding:
        try:
            utf8 = data.decode("utf-8")  # the usual case, decoded once
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
        else:
            if _gbk_as_utf8(data, utf8):
                return data.decode("gb18030"), "gb18030"
            return utf8, "utf-8"
        _refuse_mostly_utf8(path, data, line)
    for candidate in (encoding,) if encoding else FALLBACK_ENCODINGS[1:]:
        try:
            text = data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if not encoding and candidate == "gb18030" and not _looks_chinese(text):
            raise UnreadableFile(
                f"{path}: not UTF-8 (from line {line}), and not Chinese text in GB18030/GBK either",
                hint="pass its encoding with --encoding: cp1252 for a Western European Excel "
                "export, cp1250 for a Central European one, gb18030 if it is Chinese",
            )
        breaks = data.count(b"\n")
        if breaks > 1 and "\n" not in text:  # UTF-8 read as UTF-16: one line of CJK signs
            raise UnreadableFile(
                f"{path}: read as {candidate} the file has no line breaks, though its bytes "
                f"hold {breaks:,}: that is not its encoding",
                hint="leave --encoding out to detect it, or pass the right one",
            )
        return text, candidate
    where = "" if encoding else f" (not UTF-8 from line {line})"
    raise UnreadableFile(
        f"{path}: cannot decode the file as {encoding or ' or '.join(FALLBACK_ENCODINGS)}{where}",
        hint="pass its encoding with --encoding (e.g. gbk, cp1252, utf-16)",
    )


def _refuse_mostly_utf8(path: Path, data: bytes, line: int) -> None:
    """Refuse a UTF-8 file with some lines that are not (rows pasted in from a Windows-1252
    export): read whole as GB18030, the fallback, its every "ü" became "眉" — Chinese-looking
    enough to pass as Chinese text — and the import said nothing. In Chinese text in GBK read
    as UTF-8 hardly a line with characters beyond ASCII is UTF-8 (none in a generated MES
    plant's 8,000 such lines, though a fifth of its characters read as UTF-8 by chance); here
    such lines are at least as many as those that are not (of the first 20,000) — better a
    file refused with a hint than one stored garbled. `line`: the first line that is not."""
    utf8 = other = 0
    for row in io.BytesIO(data):  # line by line, as far as needed
        if row.isascii():
            continue
        try:
            row.decode("utf-8")
        except UnicodeDecodeError:
            other += 1
        else:
            utf8 += 1
        if utf8 + other == 20_000:
            break
    if utf8 >= other:
        raise UnreadableFile(
            f"{path}: UTF-8 but for some lines, the first line {line}: text saved in another "
            "encoding?",
            hint="mend the lines and save the file as UTF-8, or pass the encoding it is all "
            "in with --encoding",
        )


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def is_text_encoding(name: str) -> bool:
    """Whether Python knows `name` as a text encoding (base64 and rot13 are codecs, not
    encodings of text)."""
    try:
        return bool(codecs.lookup(name)._is_text_encoding)
    except LookupError:
        return False


def _garbles_utf8(encoding: str, data: bytes) -> bool:
    """Whether the encoding would read the UTF-8 bytes `data` garbled: a single-byte encoding
    (cp1252, latin-1, cp1250) reads UTF-8's two bytes of ü as two characters, always; GBK and
    the like read them as one other character (眉), but so do a fifth of their own characters
    read as UTF-8 (女 is Ů): for those, only when `data` holds UTF-8's three-byte characters
    (Chinese in UTF-8), which their text is by chance all but never. Not UTF-16 or UTF-32
    (their text may be valid UTF-8 by chance: ASCII with NUL bytes between)."""
    try:
        if codecs.lookup(encoding).name.startswith("utf"):
            return False
        if len(b"\xc3\xbc".decode(encoding, errors="replace")) == 2:
            return True
    except LookupError:
        return False
    return re.search(rb"[\xe0-\xef][\x80-\xbf]{2}", data) is not None


def _multibyte_utf8(data: bytes) -> bool:
    """Whether the bytes are UTF-8 with characters beyond ASCII in it."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# The lead byte of a UTF-8 character of three or four bytes (CJK, €, most of Unicode)
_WIDE_UTF8 = re.compile(rb"[\xe0-\xff]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Where the blocks of UTF-8's two-byte characters begin: Latin, IPA and modifiers, Greek,
# Cyrillic, Armenian, Hebrew, Arabic, Syriac (and what follows, to U+07FF)
_BLOCKS = (0x80, 0x250, 0x370, 0x400, 0x530, 0x590, 0x600, 0x700)


def _gbk_as_utf8(data: bytes, text: str) -> bool:
    """Whether `data`, valid UTF-8 read as `text`, is Chinese in GBK/GB18030 that reads as
    UTF-8 by chance: 食品 in GBK (CA B3 C6 B7) is UTF-8's ʳƷ, and was stored so. Conservative,
    all four must hold: (1) no UTF-8 character of three or four bytes (a Chinese character in
    UTF-8, €, is one; GBK's pairs read as UTF-8 are two-byte characters, U+0080–U+07FF); (2) at
    least half of its letters beyond ASCII, in words standing alone (no ASCII letter touching
    them: Romanian `Brașov`, Vietnamese `Cơm` are words of Latin script), are letters of unlikely
    scripts: Latin Extended-B, IPA, modifier letters, combining marks (U+0180–U+036F), or any
    in a word that mixes scripts beyond Latin-1 (Cyrillic ҩ with Latin Ʒ; µΩ is no mix), two
    of them at least; (3) it decodes as GB18030 with every
    character beyond ASCII in GB2312's area (common Chinese); (4) one of them a CJK ideograph.
    Real UTF-8 text — é ü ß, a Cyrillic or Greek word, Chinese — fails (1) or (2)."""
    letters = unlikely = 0
    for run in islice(_NON_ASCII_RUN.finditer(text), 2_000):  # the first 2,000 words decide
        start, end = run.span()
        if text[start - 1 : start].isalpha() or text[end : end + 1].isalpha():
            continue  # a letter of a word in Latin script: Müller, Brașov
        word = [c for c in run.group() if c.isalpha() or unicodedata.category(c)[0] == "M"]
        # Latin-1's letters mix with any script in real text (µΩ, µονάδα: a unit's micro sign
        # before Greek read as 碌惟): they make no word mixed
        mixed = len({bisect.bisect(_BLOCKS, ord(c)) for c in word if ord(c) >= 0x100}) > 1
        letters += len(word)
        unlikely += len(word) if mixed else sum(1 for c in word if 0x180 <= ord(c) < 0x370)
    # two unlikely letters at least: one (a modifier letter's inch mark, 12ʺ) is no evidence
    if unlikely < 2 or unlikely * 2 < letters or _WIDE_UTF8.search(data) is not None:
        return False
    try:
        chinese = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    sample = [m.group() for m in islice(_NON_ASCII.finditer(chinese), 20_000)]
    return all(_in_gb2312(c) for c in sample) and any("\u4e00" <= c <= "\u9fff" for c in sample)


def _gb18030_note(path: Path, utf8: str, chinese: str) -> str:
    """The note of a file read as GB18030 though its bytes are valid UTF-8 (_gbk_as_utf8)."""
    seen = next(_NON_ASCII_RUN.finditer(utf8)).group()
    meant = next(re.finditer(r"[\u4e00-\u9fff]+", chinese)).group()
    return (
        f"{path}: read as GB18030 ({meant!r}), not UTF-8: its bytes are valid UTF-8, but as "
        f"UTF-8 its text beyond ASCII is scattered letters of unlikely scripts ({seen!r}), as "
        "Chinese GBK text reads; if it is UTF-8, import it with --encoding utf-8"
    )


def _zip_named_csv(path: Path) -> str:
    """Why a zip file named .csv is not read (Excel's "Save as" kept the old name)."""
    what = "an XLSX workbook" if _is_xlsx(path) else "a zip archive"
    return f"{path}: {what} (its bytes start as a zip file's, PK), not a CSV file"


def _is_xlsx(path: Path) -> bool:
    """Whether a zip file holds a workbook (xl/workbook.xml)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _in_gb2312(char: str) -> bool:
    """Whether GB18030 writes the character in GB2312's area: two bytes, both high (A1–F7,
    A1–FE) — the common characters and symbols Chinese text is mostly made of."""
    code = char.encode("gb18030")
    return len(code) == 2 and 0xA1 <= code[0] <= 0xF7 and 0xA1 <= code[1] <= 0xFE


def _looks_chinese(text: str) -> bool:
    """Whether text that decoded as GB18030 reads as Chinese. GB18030 decodes almost any bytes:
    a Windows-1252 export's "Müller" (ü = 0xFC, then 'l') decodes as "M黮ler", an uncommon
    GBK character whose second byte is plain ASCII. Chinese text is mostly GB2312's area; rare
    characters (given names like 喆, ㎏) are tolerated up to half of them. The sample is the
    first 20,000 non-ASCII characters anywhere in the file, not its first lines only."""
    sample = [m.group() for m in islice(_NON_ASCII.finditer(text), 20_000)]
    rare = sum(1 for char in sample if not _in_gb2312(char))
    return rare * 2 <= len(sample)


def _clean_header(names: list[str], fold: bool = True) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Header names in one spelling, as ids are read (idtext.normal_id: surrounding spaces,
    no-break spaces, zero-width characters and a stray byte order mark gone, full-width letters
    as ASCII — `quantity` with a zero-width space after it was an extra column, and the lot had
    no quantity; a second BOM before `lot_id` made it "missing"), a nameless column as column_N
    (N from 1), and a name given again as `name (2)`; and the names given more than once.
    Not `fold`: a mapped file's names stripped of surrounding spaces only — a mapping names its
    source columns as the export spells them (`数量（kg）`, full-width brackets), and a folded
    header (`数量(kg)`) rejected every row of a nightly job that read it before."""
    header: list[str] = []
    counts: dict[str, int] = {}
    for position, given in enumerate(names, start=1):
        name = (normal_id(given) if fold else given.strip()) or f"column_{position}"
        counts[name] = counts.get(name, 0) + 1
        header.append(name if counts[name] == 1 else f"{name} ({counts[name]})")
    return tuple(header), tuple(name for name, n in counts.items() if n > 1)


def _nameless_notes(
    path: Path,
    names: list[str],
    header: tuple[str, ...],
    rows: list[tuple[int, dict[str, str]]],
    letters: bool,
) -> tuple[str, ...]:
    """A note per column with no name in the header that holds data: a merged header cell
    (`quantity` over the quantity and uom columns) or a value typed beside the table moved
    the cells into an extra column `column_4`, and uom stayed empty, without a word.
    `letters`: a workbook's column is named by its letter (D), a CSV's by its number."""
    from openpyxl.utils import get_column_letter

    notes = []
    for position, given in enumerate(names, start=1):
        if normal_id(given):
            continue
        name = header[position - 1]
        filled = [row[name] for _, row in rows if row.get(name, "").strip()]
        if not filled:
            continue  # trailing empty columns, as Excel leaves them: nothing to say
        where = (f"column {get_column_letter(position)} (the {_ordinal(position)})" if letters
                 else f"the {_ordinal(position)} column")  # fmt: skip
        notes.append(
            f"{path}: {where} has no name in the header but holds "
            f"{counted(len(filled), 'cell')} with data (first {filled[0][:40]!r}), read as the "
            f"extra column `{name}`: a merged header cell or a value beside the table? name the "
            "column in the export"
        )
    return tuple(notes)


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# Excel's hint line `sep=;` before the header: it names the separator and is not the header.
_DECLARED_SEPARATOR = re.compile(r'"?sep=(.)"?')


def _separator(text: str) -> str:
    """The separator that splits the first records into the same number of fields, the most
    fields if several do (a comma inside a header name, `Menge, kg;Charge`, must not win)."""
    end = -1
    for _ in range(SNIFFED_RECORDS):  # the first lines only: the file may hold a million
        end = text.find("\n", end + 1)
        if end < 0:
            break
    sample = text if end < 0 else text[:end]
    best, best_fields, best_consistent = ",", 1, False
    for sep in SEPARATORS:
        records = csv.reader(io.StringIO(sample, newline=""), delimiter=sep)
        widths = [len(r) for _, r in zip(range(SNIFFED_RECORDS), records, strict=False) if r]
        fields = widths[0] if widths else 0
        consistent = all(w == fields for w in widths)
        if fields > 1 and (consistent, fields) > (best_consistent, best_fields):
            best, best_fields, best_consistent = sep, fields, consistent
    return best


def _read_csv(
    path: Path,
    encoding: str | None,
    delimiter: str | None = None,
    header_line: int = 1,
    canonical: bool = True,
) -> RawTable:
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise UnreadableFile(_zip_named_csv(path), hint=(
            f"name it {path.stem}.xlsx: Excel saved a workbook, not a CSV file" if _is_xlsx(path)
            else "unpack it, or export the table again as CSV"))  # fmt: skip
    if data.startswith(b"PAR1"):  # Parquet's magic: it was "cannot decode … pass --encoding"
        raise UnreadableFile(
            f"{path}: a Parquet file named {path.suffix} (its bytes start as Parquet's, PAR1)",
            hint=f"name it {path.stem}.parquet",
        )
    text, used = _decode(path, data, encoding)
    said: tuple[str, ...] = ()
    if used == "gb18030" and not encoding and _multibyte_utf8(data):
        said = (_gb18030_note(path, data.decode("utf-8"), text),)
    if not text.strip():
        # Not an empty table: that has its header line. A nightly export that died before
        # writing one passed as a clean import of nothing, and under --full as a dump without
        # a row of its table (all of it removed).
        raise UnreadableFile(
            f"{path}: the file is empty: no header line; an export that died?",
            hint=NO_HEADER_HINT,
        )
    newline = text.find("\n")
    declared = _DECLARED_SEPARATOR.fullmatch(text[: newline if newline >= 0 else None].strip("\r"))
    notes: tuple[str, ...] = ()
    if delimiter is None:
        delimiter = declared.group(1) if declared else _separator(text)
        notes = (SEPARATOR_NAMES[delimiter],) if delimiter in SEPARATOR_NAMES else ()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    if declared:
        next(reader)
    while reader.line_num < header_line - 1 and next(reader, None) is not None:
        pass  # a report's title lines above the header
    names = next(reader, None)
    if names is None:
        raise UnreadableFile(
            f"{path}: has no line {header_line} to read the column names from",
            hint="check the mapping's header_line",
        )
    header, repeated = _clean_header(names, fold=canonical)
    header_at = reader.line_num
    rows: list[tuple[int, dict[str, str]]] = []
    ends: list[int] = []  # the last physical line of each row
    last_cells = 0
    short: list[int] = []
    line = reader.line_num + 1
    # One str per distinct cell text, shared by the rows that hold it: an export repeats its
    # units, statuses, steps and times row after row, and a copy per cell was most of a big
    # file's memory (173k MES rows: 3.3M cells, 198 MB of text, 383k distinct texts).
    texts: dict[str, str] = {}
    for record in reader:
        if any(cell.strip() for cell in record):  # blank lines are layout, not rows
            rows.append((line, _row(header, [*map(texts.setdefault, record, record)], delimiter)))
            last_cells = len(record)
            if last_cells < len(header):
                short.append(line)
            ends.append(reader.line_num)
        line = reader.line_num + 1
    # Only a row over several lines can hide quotes that do not pair up (a note or an address
    # over two lines is a cell): then the file is read again strictly, and the row where the
    # pairing breaks is rejected.
    if any(end > start for (start, _), end in zip(rows, ends, strict=True)):
        broken = _unpaired_quote_line(text, delimiter)
        at = next((i for i, end in enumerate(ends) if broken is not None and end >= broken),
                  len(rows) - 1 if broken is not None else None)  # fmt: skip
        if at is not None:
            cells = rows[at][1]
            cells[UNCLOSED] = next((c for c in cells.values() if "\n" in c), "")
            short = [n for n in short if n != rows[at][0]]  # rejected, not read as empty cells
    if rows and not text.endswith(("\n", "\r")):
        # An export that stopped writing leaves no line break after its last row: with fewer
        # cells than the header, that row is cut (its missing cells would clear what the graph
        # holds: a lot's supplier, a step's device read as `OVE`). Short rows elsewhere are a
        # writer leaving trailing empty cells out (Excel does), read as empty. With all its
        # cells, the last value may still be cut (44 read as 4): a note says to check it.
        if last_cells < len(header):
            rows[-1][1][SHORT] = delimiter.join(rows[-1][1][n] for n in header[:last_cells])
            short.pop()  # rejected, not read as empty cells
        else:
            notes = (*notes, f"{NO_LAST_LINE_BREAK}: check line {rows[-1][0]} "
                     "is whole")  # fmt: skip
    if canonical:  # a mapping reads the columns it names: a nameless one is not imported
        said = (*said, *_nameless_notes(path, names, header, rows, letters=False))
    return RawTable(path, header, rows, used, notes, repeated=repeated, delimiter=delimiter,
                    short_lines=tuple(short), header_at=header_at, said=said)  # fmt: skip


def _row(header: tuple[str, ...], cells: list[str], separator: str = ",") -> dict[str, str]:
    row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
    if len(cells) > len(header):
        row[OVERFLOW] = separator.join(cells[len(header) :])
    return row


def _unpaired_quote_line(text: str, delimiter: str) -> int | None:
    """The line where the file's quotes stop pairing up, read strictly: a quote that runs to the
    end of the file, or one closed by a later row's quote and followed by more text (`3,"Thing"`
    closing `1,"Widget,`). The lenient reading takes the rows in between as text of one cell
    (a 4-row file read as 1 row, silently). None when every quote pairs up."""
    strict = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for _ in strict:
            pass
    except csv.Error:
        return strict.line_num
    return None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        # Excel stores 123 as 123.0; an id typed as a number must come back as "123".
        return (LongNumber if abs(value) >= 1e15 else StoredValue)(int(value))
    if hasattr(value, "isoformat"):
        return StoredValue(value.isoformat())
    return StoredValue(value)


def _has_data(sheet: Any) -> bool:
    return any(
        any(v is not None and str(v).strip() for v in values)
        for values in sheet.iter_rows(values_only=True)
    )


def _read_xlsx(
    path: Path, table: str, sheets: list[tuple[str | None, int]], canonical: bool = False
) -> list[RawTable | UnreadableFile]:
    import openpyxl

    try:
        # read_only streams rows; data_only gives cached values rather than formulas, so a cell
        # computed by Excel is imported as the value the user saw.
        book = _unpadded(openpyxl.load_workbook(path, read_only=True, data_only=True))
        # The formulas too, when there are any: a formula without a stored value reads as
        # empty above, and only the formula says the cell was not empty.
        formulas = (_unpadded(openpyxl.load_workbook(path, read_only=True, data_only=False))
                    if _has_formulas(path) else None)  # fmt: skip
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(
            f"{path}: not a readable XLSX workbook ({type(exc).__name__})",
            hint="open it in Excel or LibreOffice and save it again as .xlsx",
        ) from exc
    try:
        with_data = [ws for ws in book.worksheets if _has_data(ws)]
        read: list[RawTable | UnreadableFile] = []
        for sheet, header_line in sheets:
            try:
                read.append(_read_sheet(path, book, table, header_line, formulas, with_data,
                                        sheet, canonical))  # fmt: skip
            except UnreadableFile as problem:
                read.append(problem)
        return read
    except ElementTree.ParseError as exc:
        raise _damaged_sheet(path, exc) from exc
    finally:
        book.close()
        if formulas is not None:
            formulas.close()


def _unpadded(book: Any) -> Any:
    """`book` with its sheets' stated size forgotten, so that a row is read as far as its last
    cell: read-only openpyxl pads every row to the sheet's width, and one stray cell at XFD2
    (a value, or a fill colour on an empty cell) made each of 2,014 rows 16,384 cells (99 s and
    920 MB, not 1 s and 103 MB)."""
    for sheet in book.worksheets:
        sheet.reset_dimensions()
    return book


def _damaged_sheet(path: Path, error: ElementTree.ParseError) -> UnreadableFile:
    """A sheet's XML that does not parse (a mismatched tag, an entity no one defined): read row
    by row, it failed past the zip's check, and ended the whole import with "unexpected failure:
    ParseError", the folder's other tables not imported. The parser's reason, on one line.
    External entities stay unresolved (expat does not fetch them: `&xxe;` is undefined)."""
    reason = " ".join(str(error).split())
    return UnreadableFile(
        f"{path}: not a readable XLSX workbook (a sheet's XML: {reason})",
        hint="open it in Excel or LibreOffice and save it again as .xlsx",
    )


# <f>, <f t="shared" …/>, and <x:f> as the Open XML SDK writes it
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(path: Path) -> bool:
    """Whether a sheet of the workbook holds a formula (an <f> element in its XML)."""
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist()
                  if n.startswith("xl/worksheets/") and n.endswith(".xml")]  # fmt: skip
        # `<f>` may straddle two chunks: each is read with the last one's end
        return any(_FORMULA_ELEMENT.search(seen)
                   for name in sheets for seen, _ in _xml_chunks(archive, name, 16))  # fmt: skip


def _hidden_rows_note(path: Path, sheet: str, hidden: list[int]) -> tuple[str, ...]:
    """A note of the rows read that the sheet hides (by a filter or by hand): imported, as
    data is data, but the user who filtered may expect otherwise (they were imported unsaid)."""
    if not hidden:
        return ()
    shown = ", ".join(map(str, hidden[:5])) + (", …" if len(hidden) > 5 else "")
    return (f"{path}: {counted(len(hidden), 'row')} of sheet {sheet!r} hidden in the workbook "
            f"(by a filter or by hand; rows {shown}) imported as the others: delete the rows "
            "in the workbook that are not to be imported",)  # fmt: skip


def merged_range(raw: RawTable, line: int, column: str) -> str:
    """The merged range of `raw`'s sheet that holds the cell of `column` on `line` but does
    not begin there (its value is in the range's first cell only); "" for none."""
    if column not in raw.header or not raw.merged:
        return ""
    position = raw.header.index(column) + 1  # a sheet's table starts at column A
    for first_column, first_row, last_column, ref in _ranges_by_row(raw.merged).get(line, ()):
        if first_column <= position <= last_column and (line, position) != (
            first_row,
            first_column,
        ):
            return ref
    return ""


def merged_hint(raw: RawTable, line: int, columns: list[str]) -> str:
    """The words a reject of an empty cell on `line` gets when a merged range covers the cell
    of one of `columns` (but does not begin there); "" for none."""
    for column in columns:
        merged = merged_range(raw, line, column)
        if merged:
            return (f" (the cell is part of the merged range {merged}, whose value is in its "
                    "first cell only: unmerge it and fill each cell)")  # fmt: skip
    return ""


@functools.lru_cache(maxsize=4)
def _ranges_by_row(merged: tuple[str, ...]) -> dict[int, list[tuple[int, int, int, str]]]:
    """Per sheet row, the merged ranges over it (first column, first row, last column, ref),
    parsed once per sheet: parsed again for every reject, 5,000 rejects of a sheet with 5,000
    merges took 44 s where the file's import took 0.5 s."""
    from openpyxl.utils.cell import range_boundaries

    rows: dict[int, list[tuple[int, int, int, str]]] = {}
    for ref in merged:
        first_column, first_row, last_column, last_row = range_boundaries(ref)
        for row in range(first_row, last_row + 1):
            rows.setdefault(row, []).append((first_column, first_row, last_column, ref))
    return rows


def _xml_chunks(archive: zipfile.ZipFile, name: str, overlap: int) -> Iterator[tuple[bytes, int]]:
    """A member of the archive in chunks of 1 MB, each with the last `overlap` bytes of the one
    before it, so that a tag shorter than that is whole in one of them; and where the chunk's
    own bytes begin (a tag that ends before them was whole in the chunk before: seen twice)."""
    with archive.open(name) as member:
        tail = b""
        while chunk := member.read(1 << 20):
            yield tail + chunk, len(tail)
            tail = chunk[-overlap:]


# A sheet's row element (`<row>` too: its attributes are optional) and its number, merged
# ranges (`<mergeCell ref="B3:B5"/>`)
_ROW_TAG = re.compile(rb"<(?:\w+:)?row(?:\s[^>]*)?/?>")
# (XML lets an attribute be quoted either way, with spaces around its `=`: openpyxl reads both)
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_HIDDEN = re.compile(rb"""\shidden\s*=\s*["'](?:1|true)["']""")
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\s[^>]*ref\s*=\s*["']([A-Z]+\d+:[A-Z]+\d+)["']""")


def _hidden_and_merged(path: Path, sheet: Any) -> tuple[frozenset[int], tuple[str, ...]]:
    """A sheet's hidden rows (by a filter or by hand) and merged ranges, from its XML, which
    read-only openpyxl does not give."""
    hidden: set[int] = set()
    merged: dict[str, None] = {}
    # the sheet's member of the archive: read-only openpyxl keeps it, under a private name
    member = getattr(sheet, "_worksheet_path", "")
    row = 0
    with zipfile.ZipFile(path) as archive:
        for seen, fresh in _xml_chunks(archive, member, 4096) if member else ():
            for found in _ROW_TAG.finditer(seen):
                if found.end() <= fresh:  # counted in the chunk before
                    continue
                # `r` is optional (streaming writers, some ERPs' exporters leave it out): a row
                # without it is the one after the row before, as openpyxl reads it
                number = _ROW_NUMBER.search(found.group())
                row = int(number.group(1)) if number else row + 1
                if _HIDDEN.search(found.group()):
                    hidden.add(row)
            merged.update(dict.fromkeys(r.decode() for r in _MERGE.findall(seen)))
    return frozenset(hidden), tuple(merged)


def _read_sheet(
    path: Path,
    book: Any,
    table: str,
    header_line: int,
    formulas: Any,
    with_data: list[Any],
    wanted: str | None = None,
    canonical: bool = False,
) -> RawTable:
    # The sheet `wanted` (a mapping section's `sheet`), else the one named after the table,
    # else the first sheet with data (exports often start with an empty or cover sheet); other
    # sheets with data are listed in unread_sheets, for the import's summary, since their rows
    # are not read.
    if wanted is not None:
        named = [ws for ws in book.worksheets if ws.title == wanted] or [
            ws for ws in book.worksheets if ws.title.strip().casefold() == wanted.strip().casefold()
        ]
        if not named:
            titles = ", ".join(repr(ws.title) for ws in book.worksheets)
            raise UnreadableFile(
                f"{path}: has no sheet {wanted!r} (its sheets: {titles})",
                hint="give the [[file]] section's `sheet` one of them, as its tab names it",
            )
    else:
        named = [ws for ws in book.worksheets if ws.title.strip().lower() == table]
    sheet = named[0] if named else (with_data or book.worksheets)[0]
    said: tuple[str, ...] = ()
    holding: list[Any] = []
    if canonical and wanted is None and table in TABLES:
        sheet, said, holding = _table_sheet(path, table, sheet, with_data, header_line)
    unread = tuple(ws.title for ws in with_data if ws is not sheet)
    if sheet not in with_data:  # no header row either: as an empty CSV file (_read_csv)
        raise UnreadableFile(
            f"{path}: sheet {sheet.title!r} is empty: no header row; an export that died?",
            hint=NO_HEADER_HINT,
        )
    notes = (f"sheet {sheet.title!r}",)
    hidden = sheet.sheet_state != "visible"
    if hidden:
        said = (*said, f"{path}: read sheet {sheet.title!r}, which is hidden in the workbook "
                "(its tab is not shown): unhide it to see the rows imported")  # fmt: skip
    lines: Iterator[tuple[Any, ...]] = sheet.iter_rows(min_row=header_line)
    first = next(lines, None)
    if first is None:
        raise UnreadableFile(  # the sheet has data: the header row is off its end
            f"{path}: sheet {sheet.title!r} has no row {header_line} to read the column "
            f"names from (it ends above it)",
            hint="check the mapping's header_line",
        )
    names = [_cell_text(c.value) for c in _up_to_last_value(first)]
    # the same rows with formulas where the cells have them, in step with `lines`
    formula_rows: Iterator[tuple[Any, ...]] = (
        formulas[sheet.title].iter_rows(min_row=header_line + 1, values_only=True)
        if formulas is not None else iter(())
    )  # fmt: skip
    read: list[tuple[int, list[str]]] = []
    for number, row_cells in enumerate(lines, start=header_line + 1):
        written = next(formula_rows, ())
        sheet_cells = _up_to_last_value(row_cells, written)
        cells = [_sheet_cell_text(c) for c in sheet_cells]
        for i, formula in enumerate(written[: len(cells)]):
            # No value and no type: Excel gives what it calculated a type when it is not a
            # number (t="str" for text, "" included: =IF(A2="","",…) is an empty cell).
            stored = sheet_cells[i]
            if formula is None or stored.value is not None:
                continue
            # an array formula ({=…}) is an object holding its text
            text = formula if isinstance(formula, str) else getattr(formula, "text", None)
            if (
                getattr(stored, "data_type", "n") == "n"
                and isinstance(text, str)
                and text[:1] == "="
            ):
                cells[i] = UncalculatedFormula(text)
        if any(c.strip() for c in cells):
            read.append((number, cells))
    names += [""] * (_table_width(names, read) - len(names))
    header, repeated = _clean_header(names, fold=canonical)
    rows = [(number, _sheet_row(header, cells)) for number, cells in read]
    if canonical:  # a mapping reads the columns it names: a nameless one is not imported
        said = (*said, *_nameless_notes(path, names, header, rows, letters=True))
    hidden_rows, merged = _hidden_and_merged(path, sheet)
    said = (*said, *_hidden_rows_note(path, sheet.title, [n for n, _ in rows if n in hidden_rows]))
    others = tuple((ws.title, _sheet_names(ws, header_line, fold=canonical))
                   for ws in with_data if ws is not sheet)  # fmt: skip
    return RawTable(path, header, rows, "xlsx", notes, unread, repeated, sheet=sheet.title,
                    date1904=_in_1904_system(book), header_at=header_line, said=said,
                    also_holding=tuple(ws.title for ws in holding if ws is not sheet),
                    sheet_hidden=hidden, merged=merged, sheet_headers=others)  # fmt: skip


def _value_end(values: tuple[Any, ...]) -> int:
    """Where a sheet row's values end: after its last one that is not None (a styled empty
    cell far to the right is no cell of the table)."""
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    return end


def _up_to_last_value(cells: tuple[Any, ...], formulas: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """A sheet row's cells up to its last one holding a value, or a formula (`formulas`, the
    row's as written: a formula never calculated has no value)."""
    return cells[: max(_value_end(tuple(c.value for c in cells)), _value_end(formulas))]


def _table_width(names: list[str], rows: list[tuple[int, list[str]]]) -> int:
    """How many columns the table has: its header's, and the nameless columns right of it
    that hold data (a merged header cell over quantity and uom leaves uom's cells nameless; a
    note typed beyond an empty spacer column), as when rows were read to the sheet's width —
    up to NAMELESS_BEYOND columns past the header: a value further right (a stray cell at
    XFD2) is beside the table, and its row has more cells than the header (a table as wide as
    the sheet made every row 16,384 cells: 100× the time and 9× the memory)."""
    limit = len(names) + NAMELESS_BEYOND
    return max([len(names), *(i + 1 for _, cells in rows
                              for i in range(len(names), min(len(cells), limit))
                              if cells[i].strip())])  # fmt: skip


# How many nameless columns right of a sheet's header a table may have (_table_width).
NAMELESS_BEYOND = 100


def _sheet_row(header: tuple[str, ...], cells: list[str]) -> dict[str, str]:
    """A sheet row's cells by column; the values beyond the table, each with its column's
    letter (`XFD: x`), as the cells that do not fit (OVERFLOW; not the 16,000 empty cells)."""
    from openpyxl.utils import get_column_letter

    width = len(header)
    row = _row(header, cells[:width])
    beyond = [f"{get_column_letter(n)}: {c}"
              for n, c in enumerate(cells[width:], start=width + 1) if c.strip()]  # fmt: skip
    if beyond:
        row[OVERFLOW] = ", ".join(beyond)
    return row


def _sheet_names(sheet: Any, header_line: int, fold: bool = True) -> frozenset[str]:
    """The column names on a sheet's header row, as _clean_header reads them."""
    first = next(sheet.iter_rows(min_row=header_line, max_row=header_line, values_only=True), ())
    return frozenset(_clean_header([_cell_text(value) for value in first], fold=fold)[0])


def _table_sheet(
    path: Path, table: str, chosen: Any, with_data: list[Any], header_line: int
) -> tuple[Any, tuple[str, ...], list[Any]]:
    """The sheet to read a canonical table's workbook from, a note when it is not `chosen`
    (named like the file, else the first with data), and the sheets whose header has the
    table's required columns. `chosen` unless its header lacks them and one other sheet's has
    them: a cover sheet (`exported by | SAP`) or an empty `lots` template left the table
    empty, exit 0, the data sheet named in a note. Several such sheets, or none (with more
    than one sheet of data), and the file is not read: which sheet is the table?"""
    required = TABLES[table].required
    holding = [ws for ws in with_data if set(required) <= _sheet_names(ws, header_line)]
    if chosen in holding:
        return chosen, (), holding
    titles = ", ".join(repr(ws.title) for ws in with_data)
    hint = (f"one table per workbook, or name the sheet to read {table!r}, like the file"
            )  # fmt: skip
    if len(holding) == 1:
        other = holding[0]
        why = "is empty" if chosen not in with_data else f"has no {table} header"
        note = (
            f"{path}: read sheet {other.title!r}, the only one with a {table} header "
            f"({', '.join(required)}): sheet {chosen.title!r}, which would be read, {why}"
        )
        return other, (note,), holding
    if holding:
        raise NotTheTable(
            f"{path}: sheets {', '.join(repr(ws.title) for ws in holding)} each have a {table} "
            f"header ({', '.join(required)}), and none is named {table!r}: which one is the "
            "table is not guessed (no sheet of it was read)",
            hint=hint,
        )
    if len(with_data) > 1:
        raise NotTheTable(
            f"{path}: no sheet has a {table} header ({', '.join(required)}) on row "
            f"{header_line}; its sheets with data: {titles}",
            hint=hint,
        )
    return chosen, (), holding


def _in_1904_system(book: Any) -> bool:
    """Whether the workbook counts its serial dates from 1904-01-01 (Excel's 1904 date system,
    `<workbookPr date1904="1"/>`)."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    return bool(getattr(book, "epoch", None) == CALENDAR_MAC_1904)


# A number format of zeros only (000000): Excel shows 123 as 000123 — a supplier lot typed
# into a column formatted so, which the file stores as the number 123.
_ZERO_PADDED = re.compile(r"0{2,}")


def _sheet_cell_text(cell: Any) -> str:
    """A sheet cell's text: as _cell_text, with a whole number padded as its zero-padded
    number format shows it (what the user saw and typed); a number, date or boolean cell marked
    so (StoredNumber, StoredDate, StoredBool), for an id column rejects a date or a boolean and
    notes numbers (validate.convert), and a boolean as Excel writes it (TRUE)."""
    if cell.data_type == "e":
        return SpreadsheetError(cell.value)
    value = cell.value
    if isinstance(value, bool):
        return StoredBool("TRUE" if value else "FALSE")
    if type(value) is int and abs(value) >= 1e15:
        # A cell another program wrote as an integer (<v>1234567890123456</v>) reads as an int:
        # as long as a float's, whichever it is, since Excel keeps 15 significant digits (it
        # shows 1234567890123450 once it opens the file). A Parquet int64 is exact: kept.
        return LongNumber(cell.value)
    text = _cell_text(value)
    if type(text) is StoredValue and isinstance(value, (int, float)):
        form = getattr(cell, "number_format", "")
        if _ZERO_PADDED.fullmatch(form or "") and text.isdigit() and len(text) < len(form):
            return StoredValue(text.zfill(len(form)))
        return StoredNumber(text)
    if type(text) is StoredValue and hasattr(value, "isoformat"):
        return StoredDate(_date_as_shown(value, getattr(cell, "number_format", "")) or text)
    return text


def _date_as_shown(value: Any, form: str | None) -> str:
    """A midnight date cell's date (`2027-05-01`) when its number format shows a date only, as
    Excel writes it to CSV ("" otherwise): it was `2027-05-01T00:00:00`, so that one table as CSV
    one night and as XLSX the next recorded a change of an extra date column."""
    from datetime import datetime, time

    from openpyxl.styles.numbers import is_datetime

    # lower case: format codes ignore case, and openpyxl read LibreOffice's YYYY-MM-DD as a time;
    # without its locale tags (`[$-x-sysdate]`, `[$-es-ES]`), whose letters it read as a time's
    if not (isinstance(value, datetime) and value.time() == time() and value.tzinfo is None):
        return ""
    shown = _LOCALE_TAG.sub("", (form or "").lower())
    return value.date().isoformat() if is_datetime(shown) == "date" else ""


# A number format's locale or currency tag (`[$-409]`, `[$-x-sysdate]`, `[$€-407]`).
_LOCALE_TAG = re.compile(r"\[\$[^\]]*\]")


def _read_parquet(path: Path, canonical: bool = True) -> RawTable:
    """A Parquet file's rows, each cell by its column's type (_parquet_cells): an integer as
    StoredNumber (an id's leading zeros may be lost, as a workbook's number cell), a boolean
    TRUE/FALSE, NaN and null empty, a float32 by its shortest decimal form, an INT96 timestamp
    in UTC if parquet-mr (Spark, Hive) wrote it (Impala's are local times), a list or struct as
    JSON text; a cell no value can be read from (a date beyond year 9999, inf, bytes that are
    not UTF-8) rejects its row. A pandas index written beside the columns is left out, in a
    note. Read batch by batch (_parquet_batches): the whole Arrow table beside its rows as
    Python text took a 1M-lot file to 2.1 GB."""
    import pyarrow.parquet as pq

    try:
        # INT96 (Spark's, Hive's and Impala's timestamps) read as microseconds: as nanoseconds
        # a "never expires" 9999-12-31 wraps around to another date
        parquet = pq.ParquetFile(path, coerce_int96_timestamp_unit="us")
        schema = parquet.schema_arrow
    except Exception as exc:
        raise _not_parquet(path, exc) from exc
    stored = parquet.schema
    int96 = {stored.column(i).path for i in range(len(stored))
             if stored.column(i).physical_type == "INT96"}  # fmt: skip
    # which program wrote the INT96 times says whether they are UTC (_int96_utc)
    writer = " ".join((parquet.metadata.created_by or "").split()) or "an unknown writer"
    notes: list[str] = []
    index = _pandas_index(schema, canonical)
    if index:
        notes.append(f"left out the pandas index {', '.join(index)} (pandas writes a DataFrame's "
                     "row index beside its columns: no data of the table)")  # fmt: skip
    kept = [i for i, name in enumerate(schema.names) if name not in index]
    # a canonical file's table: bytes that are not text in one of its extra columns are hex
    of = TABLES.get(table_name(path)) if canonical else None
    header, repeated = _clean_header([schema.names[i] for i in kept], fold=canonical)
    # per column, the notes on how it was read (a batch's bytes may be hex, another's not)
    read_as: list[dict[str, None]] = [{} for _ in kept]
    rows: list[tuple[int, dict[str, str]]] = []
    for table in _parquet_batches(parquet, path):
        columns: list[list[str]] = []
        bad: dict[int, UnreadableCell] = {}  # per row of the batch, its first unreadable cell
        for at, (name, i) in enumerate(zip(header, kept, strict=True)):
            cells, note = _parquet_cells(
                table.column(i), name, writer if schema.names[i] in int96 else "",
                schema.field(i), extra=of is not None and of.column(normal_id(name)) is None,
            )  # fmt: skip
            columns.append(cells)
            if note:
                read_as[at][note] = None
            for number, cell in enumerate(cells):
                if type(cell) is UnreadableCell and number not in bad:
                    bad[number] = cell
        first = len(rows) + 1
        for number in range(table.num_rows):
            row = {name: col[number] for name, col in zip(header, columns, strict=True)}
            if number in bad:
                row[UNREADABLE] = bad[number]
            rows.append((first + number, row))
    read_so: dict[str, list[str]] = {}  # per note on how a column was read, its columns
    for name, said in zip(header, read_as, strict=True):
        for note in said:  # a batch's note that another's holds (hex, within its type's) not
            if not any(note != other and note in other for other in said):
                read_so.setdefault(note, []).append(repr(name))
    notes += [f"{'column' if len(names) == 1 else 'columns'} {', '.join(names)}: {note}"
              for note, names in read_so.items()]  # fmt: skip
    return RawTable(path, header, rows, "parquet", tuple(notes), repeated=repeated)


# Rows of a Parquet file converted at a time: its Arrow memory is let go after each batch
_PARQUET_BATCH = 65_536


def _parquet_batches(parquet: Any, path: Path) -> Iterator[Any]:
    """A Parquet file's rows as Arrow tables of at most _PARQUET_BATCH rows (an empty one for a
    file without rows: its columns' notes are made all the same); a row group that cannot be
    read makes the file unreadable, as a damaged footer does."""
    import pyarrow as pa

    batches = parquet.iter_batches(batch_size=_PARQUET_BATCH, use_threads=True)
    seen = False
    while True:
        try:
            batch = next(batches, None)
        except Exception as exc:
            raise _not_parquet(path, exc) from exc
        if batch is None:
            break
        seen = True
        yield pa.Table.from_batches([batch])
    if not seen:
        # from_batches, not Schema.empty_table(), which imports pandas (1.4 s, 43 MB a run)
        yield pa.Table.from_batches([], schema=parquet.schema_arrow)


def _not_parquet(path: Path, exc: Exception) -> UnreadableFile:
    """The error of a file that pyarrow cannot read as Parquet; one whose column type a loaded
    program's extension type cannot read (pandas' interval without its "closed": KeyError
    'closed', "check that the export finished writing it") says so."""
    reason = " ".join(str(exc).split())[:160]
    kind = _failed_extension(exc)
    if kind is not None:
        owner = kind.__module__.split(".")[0]
        owners = f"{owner}'" if owner.endswith("s") else f"{owner}'s"
        return UnreadableFile(
            f"{path}: a column's type is {owners} {kind.__name__}, written without what "
            f"{owner} needs to read it ({type(exc).__name__}: {reason}), and {owner} is loaded",
            hint=f"read the file where {owner} is not loaded (the tracegraph command does not "
            "load it), or have the export write the column as plain values",
        )
    return UnreadableFile(
        f"{path}: not a readable Parquet file ({type(exc).__name__}"
        + (f": {reason})" if reason else ")"),
        hint="check that the export finished writing it",
    )


def _failed_extension(exc: BaseException) -> type | None:
    """The extension type class (pandas' ArrowIntervalType) whose reading of a file's type
    metadata raised `exc`, if one did."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "__arrow_ext_deserialize__":
            kind = frame.f_locals.get("cls")
            return kind if isinstance(kind, type) else None
        tb = tb.tb_next
    return None


# pandas' name for an unnamed index it writes as a column (to_parquet of a filtered frame)
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


def _pandas_index(schema: Any, canonical: bool) -> list[str]:
    """The columns of a Parquet file (its Arrow `schema`) that are a pandas DataFrame's index
    (its b'pandas' metadata's `index_columns`, and `__index_level_N__`): imported as an extra
    column `export___index_level_0__`. A named index that is a column of the table (a frame
    indexed by lot_id) is kept, and all named ones of a mapped file (its mapping names what it
    reads)."""
    import json

    named: list[str] = []
    metadata = (schema.metadata or {}).get(b"pandas")
    if metadata:
        try:
            named = [c for c in json.loads(metadata).get("index_columns", []) if isinstance(c, str)]
        except (ValueError, AttributeError):
            named = []
    index = []
    for name in schema.names:
        if _PANDAS_INDEX.fullmatch(name) or (
            name in named and canonical and not _table_column(name)
        ):
            index.append(name)
    return index


def _table_column(name: str) -> bool:
    """Whether `name` is a column of some canonical table."""
    folded = normal_id(name)
    return any(table.column(folded) is not None for table in TABLES.values())


_OUT_OF_RANGE = (
    "a date beyond year 9999 or before year 1 (out of the range a date can hold; a 'never "
    "expires' of the largest number?): have the export write an empty cell for no date"
)


def _int96_utc(writer: str) -> bool:
    """Whether INT96 timestamps `writer` wrote (the file's created_by) are UTC: parquet-mr's
    (Hive and Spark, which normalise them to UTC) are; Impala stores its times as they are,
    with no zone (Cloudera's documentation), and another writer's are not known to be UTC."""
    return writer.lower().startswith("parquet-mr") or "spark" in writer.lower()


def _parquet_cells(
    column: Any, name: str, int96: str = "", field: Any = None, extra: bool = False
) -> tuple[list[str], str]:
    """One Parquet column's cells as text, by its type, and a note on how it was read ("" for
    none); `int96`: its timestamps are INT96, written by this program (the file's created_by):
    UTC if parquet-mr (Hive, Spark) wrote them, else times without an offset (Impala's).
    `field`: the schema's, whose metadata names an extension type pyarrow does not know.
    `extra`: an extra column of a canonical file: its bytes that are not UTF-8 text are hex."""
    import pyarrow as pa
    import pyarrow.types as pat

    extension = _extension_cells(column, name, field)
    if extension is not None:
        return extension
    kind = column.type
    if pat.is_dictionary(kind):  # pandas' categorical: its values
        column = column.cast(kind.value_type)
        kind = column.type
    if pat.is_null(kind):
        return [""] * len(column), ""
    if pat.is_boolean(kind):
        return [
            "" if v is None else StoredBool("TRUE" if v else "FALSE") for v in column.to_pylist()
        ], ""
    if pat.is_integer(kind):
        return ["" if v is None else StoredNumber(v) for v in column.to_pylist()], ""
    if pat.is_decimal(kind):  # a whole one as its digits: 200.00 is the id 200, noted
        return [
            "" if v is None else StoredNumber(int(v) if v == v.to_integral_value() else v)
            for v in column.to_pylist()
        ], ""
    if pat.is_floating(kind):
        values = column.to_pylist()
        if pat.is_float32(kind) or pat.is_float16(kind):  # shortest at its own precision
            import numpy

            short = numpy.float32 if pat.is_float32(kind) else numpy.float16
            values = [None if v is None else float(str(short(v))) for v in values]
        return [_float_cell(v, name) for v in values], ""
    if pat.is_binary(kind) or pat.is_large_binary(kind) or pat.is_fixed_size_binary(kind):
        values = column.to_pylist()
        cells = [_bytes_cell(v, name) for v in values]
        if not extra or not any(type(cell) is UnreadableCell for cell in cells):
            return cells, ""
        hexed = [HexBytes(v.hex()) if type(c) is UnreadableCell else c
                 for v, c in zip(values, cells, strict=True)]  # fmt: skip
        return hexed, "bytes that are not UTF-8 text kept as hex (a hash, a UUID?)"
    if pat.is_timestamp(kind) or pat.is_date(kind):
        utc = bool(int96) and _int96_utc(int96)
        if utc and pat.is_timestamp(kind) and kind.tz is None:
            column = column.cast(pa.timestamp(kind.unit, tz="UTC"))
        cells = _chunked(column, lambda chunk: [_cell_text(v) for v in chunk.to_pylist()],
                         lambda chunk, n: _date_cell(chunk, n, name))  # fmt: skip
        shown = int96.split(" (build")[0][:60]
        note = "" if not int96 else (
            f"INT96 timestamps read as UTC, as {shown} (Spark, Hive) writes them" if utc else
            f"INT96 timestamps written by {shown} kept as written (Impala stores local times, "
            "not UTC): read as times without an offset"
        )  # fmt: skip
        return cells, note
    if pat.is_duration(kind):
        unit = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[kind.unit]
        return [
            "" if v is None else StoredValue(f"PT{_decimal_text(v, unit)}S")
            for v in column.cast(pa.int64()).to_pylist()
        ], "durations written as ISO 8601 seconds (PT300S)"
    if pat.is_nested(kind):
        cells = _chunked(
            column,
            lambda chunk: [_nested_cell(v) for v in chunk.to_pylist(maps_as_pydicts="lossy")],
            lambda chunk, n: _nested_alone(chunk, n, name),
        )
        return cells, "lists and structs kept as JSON text"
    return [_cell_text(v) for v in column.to_pylist()], ""


# pandas' period frequencies whose ordinals (periods since 1970's first) are a date or time: the
# seconds of one, read as ISO 8601 from 1970-01-01
_PERIOD_SECONDS = {"D": 86_400, "h": 3_600, "H": 3_600, "min": 60, "T": 60, "s": 1, "S": 1}


def _extension_cells(column: Any, name: str, field: Any) -> tuple[list[str], str] | None:
    """An Arrow extension type's cells (None for another type): a pandas period (its storage is
    an ordinal, 2026-01 was '672') as its ISO text (`2026-01`, `2026-Q1`, `2026`, a day, a
    time); a UUID as its text; any other one by its stored values, with a note (a pandas
    interval {"left": 0, "right": 1}; it was Python's repr when pandas was loaded). pyarrow
    knows an extension type once pandas (or its own) registered it, else only the field's
    metadata names it: read either way."""
    import json

    import pyarrow as pa

    kind = column.type
    if isinstance(kind, pa.BaseExtensionType):  # a Python one (pandas') says its metadata
        extension = kind.extension_name
        about = kind.__arrow_ext_serialize__() if isinstance(kind, pa.ExtensionType) else b""
        column = pa.chunked_array([chunk.storage for chunk in column.chunks], kind.storage_type)
    else:
        metadata = (field.metadata if field is not None else None) or {}
        extension = metadata.get(b"ARROW:extension:name", b"").decode("utf-8", "replace")
        about = metadata.get(b"ARROW:extension:metadata", b"")
        if not extension:
            return None
    try:
        freq = str(json.loads(about).get("freq", "")) if extension == "pandas.period" else ""
    except (ValueError, AttributeError):
        freq = ""
    period = _period_text(freq)
    if period is not None and pa.types.is_integer(column.type):
        return [_period_cell(period, v, name) for v in column.to_pylist()], ""
    if extension == "arrow.uuid" and pa.types.is_fixed_size_binary(column.type):
        import uuid

        return ["" if v is None else str(uuid.UUID(bytes=v)) for v in column.to_pylist()], ""
    cells, note = _parquet_cells(column, name)
    stored = f"Arrow extension type {extension}{f' (freq {freq})' if freq else ''} read as " \
        f"the {column.type} it stores"  # fmt: skip
    return cells, f"{note}; {stored}" if note else stored


def _period_cell(period: Callable[[int], str], ordinal: int | None, column: str) -> str:
    """A pandas period's cell: its text; one beyond year 9999 rejected, with its ordinal."""
    if ordinal is None:
        return ""
    try:
        return StoredValue(period(ordinal))
    except (OverflowError, ValueError):
        return UnreadableCell.of(f"{ordinal} (pandas period ordinal)", column, _OUT_OF_RANGE)


def _period_text(freq: str) -> Callable[[int], str] | None:
    """How a pandas period of `freq` (M, Q-DEC, Y-DEC, D, h, min, s) is written as text, from
    its ordinal; None for another frequency (W-SUN, a fiscal year ending in June: not read)."""
    import datetime as dt

    if freq == "M":
        return lambda n: f"{1970 + n // 12:04d}-{n % 12 + 1:02d}"
    if freq in ("Q", "Q-DEC"):
        return lambda n: f"{1970 + n // 4:04d}-Q{n % 4 + 1}"
    if freq in ("Y", "A", "Y-DEC", "A-DEC"):
        return lambda n: f"{1970 + n:04d}"
    if freq == "D":
        return lambda n: (dt.date(1970, 1, 1) + dt.timedelta(days=n)).isoformat()
    if freq in _PERIOD_SECONDS:
        unit = _PERIOD_SECONDS[freq]
        return lambda n: (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=n * unit)).isoformat()
    return None


def _float_cell(value: float | None, column: str) -> str:
    """A Parquet float's cell: NaN (pandas' missing value) empty; a whole number its digits,
    StoredNumber (LongNumber from 16 digits: a float64 keeps 15 to 17); inf rejected."""
    if value is None or value != value:
        return ""
    if value in (float("inf"), float("-inf")):
        return UnreadableCell.of(
            str(value), column, "an infinite number, not a value: have the export write a number "
            "or an empty cell"
        )  # fmt: skip
    if value.is_integer():
        return (LongNumber if abs(value) >= 1e15 else StoredNumber)(int(value))
    return StoredNumber(value)


def _bytes_cell(value: bytes | None, column: str) -> str:
    """A Parquet BINARY cell (older Hive and Impala write text so): its UTF-8 text; other bytes
    rejected (they were stored as Python's b'Q1')."""
    if value is None:
        return ""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return UnreadableCell.of(
            value[:60].hex(), column, "bytes that are not UTF-8 text (a binary column): have the "
            "export write the column as text"
        )  # fmt: skip


def _chunked(
    column: Any, whole: Callable[[Any], list[str]], alone: Callable[[Any, int], str]
) -> list[str]:
    """A column's cells, `whole` chunk by chunk; a chunk holding a date beyond Python's (year
    9999), which fails it, read cell by cell (`alone`)."""
    cells: list[str] = []
    for chunk in column.chunks:
        try:
            cells.extend(whole(chunk))
        except (OverflowError, ValueError):
            cells.extend(alone(chunk, n) for n in range(len(chunk)))
    return cells


def _nested_alone(chunk: Any, number: int, column: str) -> str:
    """One list, struct or map cell, read alone: one holding a date beyond year 9999 (it ended
    the import, "OverflowError: date value out of range", exit 3) is rejected, shown as Arrow
    stores it, its dates as numbers (`[0, 9223372036854775807]`)."""
    cell = chunk.slice(number, 1)
    try:
        return _nested_cell(cell.to_pylist(maps_as_pydicts="lossy")[0])
    except (OverflowError, ValueError):
        try:
            shown = _nested_cell(cell.cast(_dates_as_numbers(cell.type)).to_pylist()[0])
        except Exception:  # a type Arrow cannot cast so: as Arrow writes it
            shown = " ".join(cell.to_string().split())
        return UnreadableCell.of(shown, column, _OUT_OF_RANGE)


def _dates_as_numbers(kind: Any) -> Any:
    """`kind` with its timestamps and dates, at any depth, the integers Parquet stores."""
    import pyarrow as pa
    import pyarrow.types as pat

    if pat.is_timestamp(kind) or pat.is_date64(kind):
        return pa.int64()
    if pat.is_date32(kind):
        return pa.int32()
    if pat.is_struct(kind):
        return pa.struct([kind.field(i).with_type(_dates_as_numbers(kind.field(i).type))
                          for i in range(kind.num_fields)])  # fmt: skip
    if pat.is_map(kind):
        return pa.map_(_dates_as_numbers(kind.key_type), _dates_as_numbers(kind.item_type))
    if pat.is_list(kind) or pat.is_large_list(kind):
        of = kind.value_field.with_type(_dates_as_numbers(kind.value_type))
        return pa.list_(of) if pat.is_list(kind) else pa.large_list(of)
    if pat.is_fixed_size_list(kind):
        return pa.list_(kind.value_field.with_type(_dates_as_numbers(kind.value_type)),
                        kind.list_size)  # fmt: skip
    return kind


def _date_cell(chunk: Any, number: int, column: str) -> str:
    """One Parquet timestamp or date cell, read alone: its chunk held one beyond Python's
    dates (year 9999), which is rejected with its stored number."""
    import pyarrow as pa

    try:
        return _cell_text(chunk[number].as_py())
    except (OverflowError, ValueError):
        days = chunk.type == pa.date32()
        stored = chunk.slice(number, 1).cast(pa.int32() if days else pa.int64())[0].as_py()
        unit = getattr(chunk.type, "unit", "") or ("days" if days else "ms")
        return UnreadableCell.of(f"{stored} ({unit} since 1970-01-01)", column, _OUT_OF_RANGE)


def _decimal_text(count: int, unit: int) -> str:
    """`count` units of 1/`unit` second as a decimal number of seconds: 1500 ms is 1.5."""
    whole, part = divmod(abs(count), unit)
    sign = "-" if count < 0 else ""
    if not part:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{str(part).zfill(len(str(unit)) - 1).rstrip('0')}"


def _nested_cell(value: Any) -> str:
    """A list, struct or map cell as JSON text: its dates ISO 8601 as a top-level cell's, its
    decimals as their text, its bytes their UTF-8 text (else hex), NaN and inf null (they were
    str(): "2026-01-01 00:00:00", "b'ab'", and NaN, which is no JSON)."""
    import json

    if value is None:
        return ""
    return NestedCell(json.dumps(_json_ready(value), ensure_ascii=False, default=str))


def _json_ready(value: Any) -> Any:
    """`value` (a list, struct or map cell's, read by pyarrow) as json.dumps writes it rightly."""
    from datetime import timedelta

    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, timedelta):  # as a duration column's
        return f"PT{_decimal_text(value // timedelta(microseconds=1), 1_000_000)}S"
    return value
