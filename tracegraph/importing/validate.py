"""Turning raw text rows into typed rows and rejects. Nothing is dropped without a reject.

Every raw row ends as exactly one of: a row to write, an identical duplicate of an earlier row
(written once: it changes nothing), or a reject with file, line, column, value and reason.
"""

from __future__ import annotations

import calendar
import contextlib
import dataclasses
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tracegraph.identities import IdentityError, checked_issuer, plain_issuer
from tracegraph.idtext import folds, normal_id, number_ids_hint
from tracegraph.importing.reader import (
    OVERFLOW,
    HexBytes,
    LongNumber,
    NestedCell,
    RawTable,
    SpreadsheetError,
    StoredBool,
    StoredDate,
    StoredNumber,
    StoredValue,
    row_problem,
)
from tracegraph.importing.tables import (
    MAX_ID_LENGTH,
    MAX_INDEXED_TEXT_BYTES,
    TABLES,
    UNITS,
    Column,
    Kind,
    Table,
    device_event_id,
)
from tracegraph.values import counted, skipped_locally, were

# Extra columns become numbers only when they look like one and carry no leading zero, so that
# a parameter "182.5" can be compared while a code "0042" stays the code it is. Nor a leading
# '+': a customer's or supplier's telephone in an extra column, +4930123456, was stored as the
# integer 4930123456 and the call list lost its country code (0049301234 kept its zeros as
# text). A cell written +5 in an export is rare; a telephone number common, and a number read
# as text is still there, a telephone read as a number is not. A '-' still makes a number
# (-18 °C in a freezer). Nor digits, an E and digits alone (2E5, 12E3): batch and part codes
# as often as numbers (12E3 was stored as 12000.0). A point or a signed exponent makes it a
# number (1.5E-3, 1e-05: Excel's and pandas' small numbers, a spreadsheet cell's 2.5E+4).
_CODE_WITH_E = re.compile(r"\d+[eE]\d+")
# Excel shows a long numeric id (an 18-digit SAP material, a numeric batch) in scientific
# notation, and saving the CSV from Excel writes it so: 100042000000000017 becomes 1.00042E+17.
# The digits are gone, so the row cannot name the lot it was about.
_EXCEL_SCIENTIFIC = re.compile(r"\d+([.,]\d+)?E\+\d+", re.IGNORECASE)
_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$")
# Excel's error values, the text a cell holds when its formula failed and the sheet is saved as
# CSV (a workbook stores them as error cells: reader.SpreadsheetError), in the languages Excel
# writes them in — English (also what Chinese and Japanese Excel write), German, French,
# Spanish, Italian, Portuguese, Dutch. As an id, `#N/A` was a real supplier, material and lot,
# one lot that three unrelated steps used: a forward trace of it reached 10 lots, 9 shipments,
# 6 customers. The one list of them (upper case; a cell is compared in upper case).
EXCEL_ERRORS = frozenset({
    "#N/A", "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!",
    # German
    "#NV", "#WERT!", "#BEZUG!", "#ZAHL!", "#DATEN_ABRUFEN", "#ÜBERLAUF!", "#KALK!", "#FELD!",
    # French
    "#NUL!", "#VALEUR!", "#NOM?", "#NOMBRE!", "#PROPAGATION!", "#CHAMP!",
    # Spanish
    "#N/D", "#¡NULO!", "#¡DIV/0!", "#¡VALOR!", "#¡REF!", "#¿NOMBRE?", "#¡NUM!",
    "#¡DESBORDAMIENTO!", "#¡CALC!", "#OBTENIENDO_DATOS",
    # Italian, Portuguese
    "#NULLO!", "#VALORE!", "#RIF!", "#NOME?", "#NULO!", "#VALOR!", "#NÚM!",
    # Dutch
    "#N/B", "#LEEG!", "#DEEL/0!", "#WAARDE!", "#VERW!", "#NAAM?", "#GETAL!",
})  # fmt: skip
EXCEL_ERROR_REASON = (
    "an Excel error value (a formula that failed), not an id: mend the formula in the workbook "
    "(or leave the cell empty) and export again"
)


def excel_error(text: str) -> bool:
    """Whether a cell's text (stripped) is one of Excel's error values (EXCEL_ERRORS)."""
    return text[:1] == "#" and text.upper() in EXCEL_ERRORS


def _no_id(normal: str) -> None:
    """Refuse an id cell that is an Excel error value (EXCEL_ERRORS) or a placeholder."""
    if excel_error(normal):
        raise CellError(EXCEL_ERROR_REASON)
    if normal in _PLACEHOLDERS:
        raise CellError(
            f"a lone {normal!r}, a placeholder for no value, not an id: leave the cell empty "
            "where there is none"
        )


# A lone dash, what people type for "none" (or "not known": which, the cell does not say): as an
# id it made one location `-` of every lot so written. In a required column (a row's own id,
# a link's lot) it is rejected; in an optional one read as empty (_typed_row): rejecting the
# row lost the lot or step itself every night where the export writes `-` for none.
# The dashes beside the ASCII one: a Chinese or Japanese IME's full-width `－` (U+FF0D, which
# normal_id folds to `-`), Word's en and em dashes, the Unicode hyphen, non-breaking hyphen,
# figure dash and minus sign — a `－` for none was rejected, the row lost, where `-` was empty.
_PLACEHOLDERS = frozenset({"-", "--", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014",
                           "\u2015", "\u2212"})  # fmt: skip
# The first characters of _PLACEHOLDERS (and `－`, before normal_id folds it), and of those and
# EXCEL_ERRORS: one look per cell, a nightly file has millions.
_DASH_STARTS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d"
_NO_ID_STARTS = "#-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Properties the importer keeps for itself: the row hash, a lot's origin flag, a device event's
# id, a device's or operator's longest step. A file's extra column of that name (an MES's
# event_id) is kept as `export_<name>` (it was dropped without a word), and the run says so.
# So is every name starting with `_`, the importer's bookkeeping (`_row_sha`, `_reported` on the
# stubs it named): a `_qa_comment` was stored but shown nowhere (lot show, a trace's JSON leave
# such properties out), and a `_reported` column overwrote the importer's own flag.
RESERVED_PROPERTIES = frozenset({"_row_sha", "_reported", "origin_known", "event_id",
                                 "longest_step_s"})  # fmt: skip


def reserved(name: str) -> bool:
    """Whether an extra column of this name is stored under another (kept_as)."""
    return name in RESERVED_PROPERTIES or name.startswith("_")


def kept_as(name: str, header: Iterable[str]) -> str:
    """The property an extra column named like one the importer keeps for itself is stored as:
    `export_<name>`, or `export_export_<name>` where the file has that column too (its values
    overwrote the renamed one's)."""
    taken = set(header)
    kept = f"export_{name}"
    while kept in taken:
        kept = f"export_{kept}"
    return kept


@dataclass(frozen=True)
class Reject:
    file: str
    line: int
    column: str
    value: str
    reason: str
    sheet: str = ""  # the XLSX sheet of the row ("" for other files)
    table: str = ""  # the canonical table the row was read for (a mapped row may fill several)

    def placed(self, sheet: str | None = None, table: str | None = None) -> Reject:
        """The reject with its sheet or table given (a file's rejects may be many: not
        dataclasses.replace, five times slower)."""
        return Reject(self.file, self.line, self.column, self.value, self.reason,
                      self.sheet if sheet is None else sheet,
                      self.table if table is None else table)  # fmt: skip


@dataclass
class ValidatedTable:
    table: str
    file: str
    rejects: list[Reject] = field(default_factory=list)
    duplicates: int = 0  # identical repeats, written once
    # of those, lines of a link table (a lot on a step or shipment) that repeat an earlier line
    # exactly, and the first (its key, the earlier line and its own): said, for two pallets of
    # one lot of equal weight are such lines, and the graph holds the quantity once
    repeated_links: int = 0
    repeated_link_example: tuple[str, int, int] | None = None
    read: int = 0
    later_ends: int = 0  # ends read as the second of the hour the clocks go back (_across_change)
    # starts in the hour the clocks skipped read with the offset after the change, as with the
    # offset before they would end before they start (_across_change)
    earlier_starts: int = 0
    # per time column, the cells of valid rows without an offset, read in the run's timezone:
    # the summary says so (a UTC default silently put a plant's local times hours off)
    naive_times: dict[str, int] = field(default_factory=dict)
    # per time column, those of them the clocks skipped in that zone (they were read silently)
    skipped_times: dict[str, int] = field(default_factory=dict)
    # per time column, those of them the clock showed twice (the hour the clocks go back), read
    # as the first of the two — silently, as the skipped ones were; and per column, the first
    # of each as stored (its wall time and offset), for the note's example
    repeated_times: dict[str, int] = field(default_factory=dict)
    # per time column, the cells of valid rows with digits beyond the microsecond, which Python's
    # datetime cuts (`.123456789`, .NET's `.1234567`), and the first as written: said, as two
    # alarms 0.000000212 s apart silently became one
    cut_times: dict[str, int] = field(default_factory=dict)
    cut_examples: dict[str, str] = field(default_factory=dict)
    clock_examples: dict[tuple[str, str], datetime] = field(default_factory=dict)
    # extra cells of a ';' file read as numbers with a decimal comma (252,5), and those kept
    # as text as they may be thousands (1,234), per column (see _semicolon_extra)
    commas: CommaCounts = field(default_factory=lambda: CommaCounts())
    # the columns the file has: a column it lacks says nothing of a row the graph holds
    header: frozenset[str] = frozenset()
    # per id column, the cells of valid rows that idtext.normal_id folded (ＬＯＴ００１２９ to
    # LOT00129, a zero-width space dropped), and the first few as written and as stored: the
    # summary says so, for an id changed silently is a lot no one finds under its old name
    folded_ids: dict[str, int] = field(default_factory=dict)
    folded_examples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # the distinct lot ids as an earlier version stored them (stripped, NFC), for the import to
    # say which of them the graph still holds (idtext.unfolded_lots_note)
    unfolded_lots: set[str] = field(default_factory=set)
    # a mapping summed the rows of each link (`combine = "sum"`; see RawTable.summed)
    summed: bool = False
    # per id column, the cells of valid rows a workbook stored as whole numbers (200 for an id
    # typed 000200 in a column not formatted as Text), and the first ids so read (at most
    # 1,000): a note says so, and which of them the graph holds zero-padded (number_ids_note:
    # 1,000 ids padded to each width up to 18 are 17,000 index seeks, 0.7-1.0 s measured)
    number_ids: Counter[str] = field(default_factory=Counter)
    number_id_values: dict[str, list[str]] = field(default_factory=dict)
    # per number column whose cells show a '.' decimal point beyond doubt (its first such cell
    # in `pointed_by`), the cells of valid rows written 1.500 read as 1.5 on that evidence, and
    # the first one: said in a note, for they were rejected as ambiguous without it
    pointed: Counter[str] = field(default_factory=Counter)
    pointed_examples: dict[str, str] = field(default_factory=dict)
    pointed_by: dict[str, str] = field(default_factory=dict)

    def number_id(self, column: str, stored: str) -> None:
        """Count an id cell a workbook stored as a whole number."""
        self.number_ids[column] += 1
        values = self.number_id_values.setdefault(column, [])
        if len(values) < 1_000:
            values.append(stored)

    def fold(self, column: str, written: str, stored: str) -> None:
        """Count an id cell that normal_id folded, keeping the first three as examples."""
        self.folded_ids[column] = self.folded_ids.get(column, 0) + 1
        examples = self.folded_examples.setdefault(column, [])
        if len(examples) < 3:
            examples.append((written, stored))
        if column == "lot_id" and len(self.unfolded_lots) < 10_000:
            self.unfolded_lots.add(unicodedata.normalize("NFC", written.strip()))


class CellError(ValueError):
    pass


def _parse_datetime(text: str, zone: ZoneInfo) -> datetime:
    return _read_datetime(text, zone)[0]


# The end of a day as ISO 8601 allows and SAP writes it (24:00:00): the next day's 00:00.
_END_OF_DAY = re.compile(r"(?<![\d:])24(?=:00(?::00(?:[.,]0+)?)?(?![\d:.,]))")


def end_of_day(text: str, parse: Callable[[str], datetime]) -> datetime | None:
    """`text` read by `parse` with its 24:00 as the next day's 00:00; None when it holds no
    24:00 (or more than one), or `parse` refuses it as 00:00 too."""
    found = list(_END_OF_DAY.finditer(text))
    if len(found) != 1:
        return None
    at = found[0].start()
    try:
        return parse(text[:at] + "00" + text[at + 2 :]) + timedelta(days=1)
    except ValueError:
        return None


# What a local time without an offset was in the run's zone when the clocks changed: one they
# skipped (02:30 the night summer time begins), or one the clock showed twice (02:30 the night
# it ends); "" for neither.
SKIPPED, REPEATED = "skipped", "repeated"


def _clock_change(wall: datetime, zone: ZoneInfo) -> str:
    """SKIPPED, REPEATED or "" for the wall-clock time `wall` (no offset) in `zone`: only where
    its two readings (fold 0 and 1) differ did the clocks change."""
    first = wall.replace(tzinfo=zone)
    if first.utcoffset() == first.replace(fold=1).utcoffset():
        return ""
    return SKIPPED if skipped_locally(wall, zone) else REPEATED


# A second's fraction with more than six digits: what is beyond the microsecond (group 1).
_BEYOND_MICROSECOND = re.compile(r"[.,]\d{6}(\d+)")


def beyond_microsecond(text: str) -> str:
    """The digits of a time's fraction beyond the microsecond, trailing zeros left out (`789`
    of `08:15:00.123456789Z`): what reading it cuts; "" when nothing is cut."""
    if "." not in text and "," not in text:  # most times have no fraction: no search
        return ""
    found = _BEYOND_MICROSECOND.search(text)
    return found.group(1).rstrip("0") if found else ""


def _read_datetime(text: str, zone: ZoneInfo) -> tuple[datetime, bool, str]:
    """The moment a cell names, whether it had no offset of its own (read in `zone`), and
    whether that local time was one the clocks skipped or showed twice in `zone` (SKIPPED,
    REPEATED or ""): a skipped one (02:30 the night summer time starts) is read with the offset
    before the change, a repeated one as the first of the two; the summary's notes count them."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        if text[-1:] == "z":  # RFC 3339 allows a lowercase z for UTC; fromisoformat does not
            return _read_datetime(text[:-1] + "Z", zone)
        next_day = end_of_day(text, datetime.fromisoformat)
        if next_day is None:
            raise CellError(_not_iso_reason(text)) from None
        value = next_day
    naive = value.tzinfo is None
    skipped = ""
    if naive:
        with contextlib.suppress(OverflowError):  # year 1 or 9999 near UTC: none skipped
            skipped = _clock_change(value, zone)
        value = value.replace(tzinfo=zone)
    # Stored with the fixed UTC offset in force at that instant: the exact moment is kept, and
    # the neo4j driver (6.1) crashes the interpreter when packing ZoneInfo datetimes.
    offset = value.utcoffset() or timedelta(0)
    if abs(offset) > _MAX_OFFSET:  # Neo4j's datetime() refused it: the import stopped for good
        raise CellError("a UTC offset beyond ±18:00, which no place uses (a typo?)")
    if offset % timedelta(minutes=1):
        # An offset in seconds (local mean time before ~1900: Shanghai's 1900-01-01, a "no
        # expiry" date, is +08:05:43) is one Neo4j's datetime() cannot read: the import stopped
        # at that batch, run after run. The same moment in UTC.
        try:
            return value.astimezone(UTC), naive, skipped
        except OverflowError:  # 0001-01-01 there is in year 0 in UTC
            whose = f"{zone.key} was {_offset_text(offset)} then" if naive else (
                f"its offset {_offset_text(offset)} has seconds")  # fmt: skip
            when = "before year 1" if offset > timedelta(0) else "after year 9999"
            raise CellError(
                f"{when} in UTC: {whose}, which only UTC can store (for no date, leave the cell "
                "empty)"
            ) from None
    return value.replace(tzinfo=timezone(offset)), naive, skipped


_MAX_OFFSET = timedelta(hours=18)
# A date as ISO 8601 writes it, at the start of a cell: its year, month and day.
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def _not_iso_reason(text: str, date1904: bool = False) -> str:
    """Why a time cell is no ISO 8601 date/time: a date that does not exist (2026-02-29), an
    Excel serial date saved as a number (46329.33, as a mapping's reason says it; from
    1904-01-01 in a workbook of the 1904 date system), or else the general reason with an
    example."""
    date = _ISO_DATE.match(text)
    if date is not None:
        year, month, day = (int(part) for part in date.groups())
        if 1 <= month <= 12 and day >= 1:
            with contextlib.suppress(ValueError):
                days = calendar.monthrange(year, month)[1]
                if day > days:
                    if month == 2 and day > 29:  # no leap year has it either
                        return "no such date: February has 28 days, 29 in a leap year"
                    if month == 2:
                        return f"no such date: {year} is no leap year (February has 28 days)"
                    return f"no such date: {_MONTHS[month - 1]} has {days} days"
    # here, not at the top: mappings imports this module
    from tracegraph.importing.mappings import (
        _LIKELY_SERIALS,
        EPOCH_1900,
        EPOCH_1904,
        _serial,
    )

    moment = _serial(text, EPOCH_1904 if date1904 else EPOCH_1900)
    if moment is not None and _LIKELY_SERIALS[0] <= float(text) <= _LIKELY_SERIALS[1]:
        return (
            f"{_SERIAL_REASON}: {text} is {moment:%Y-%m-%d %H:%M} — "
            "format the cells as dates in the workbook and export again, or read the file with a "
            'mapping whose column has format = "excel" (importers/README.md)'
        )
    return "not an ISO 8601 date/time (e.g. 2026-11-03T08:15:00+01:00)" + _local_date_hint(text)


# A date as a locale writes it, day (or month) first: 03.11.2027, 11/03/2027 08:15.
_LOCAL_DATE = re.compile(r"\d{1,2}([./])\d{1,2}\1\d{4}(?: \d{1,2}:\d{2}(:\d{2})?)?")


def _local_date_hint(text: str) -> str:
    """For a date as a locale writes it (03.11.2027, as a canonical XLSX's text cell may hold
    it), the mapping format that reads it; "" for other text. A slash date's order (day or
    month first) is not guessed."""
    local = _LOCAL_DATE.fullmatch(text.strip())
    if local is None:
        return ""
    time = "" if " " not in text.strip() else " %H:%M:%S" if local.group(2) else " %H:%M"
    forms = ["%d.%m.%Y"] if local.group(1) == "." else ["%d/%m/%Y", "%m/%d/%Y"]
    given = " or ".join(f'format = "{form}{time}"' for form in forms)
    return f"; a mapping's column reads this form with {given} (importers/README.md)"


def _in_1904_system(reject: Reject) -> Reject:
    """A 1904 workbook's reject with its serial date's reason from 1904-01-01: a cell's reason
    is made without the workbook (44867.33 was said to be 2022-11-02, not 2026-11-03)."""
    if not reject.reason.startswith(_SERIAL_REASON):
        return reject
    return dataclasses.replace(reject, reason=_not_iso_reason(reject.value, date1904=True))


_SERIAL_REASON = "an Excel serial date stored as a number"


def _offset_text(offset: timedelta) -> str:
    """`+08:05:43`, `-00:25:21`."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


# 2,5 or 1.250,5: a German or French export's number, which canonical tables write as 2.5.
_WRITTEN_WITH_DECIMAL_COMMA = re.compile(r"[+-]?\d{1,3}(\.\d{3})*,\d+|[+-]?\d+,\d+")


# A number with a unit after it in one cell: `5 kg`, `12,5kg`, `3 Stk.`, `5 千克`
_NUMBER_WITH_UNIT = re.compile(r"[+-]?\d+(?:[.,]\d+)?\s*[^\W\d_]+\.?")


def _with_unit_reason(text: str) -> str:
    """Why `5 kg` is no number ("" for another text): it was a bare "not a number"."""
    if not _NUMBER_WITH_UNIT.fullmatch(text):
        return ""
    return "not a number: a number and a unit in one cell: put the unit in the uom column"


def _parse_number(text: str) -> float:
    try:
        value = float(text.replace("_", "x"))  # float() accepts 1_000; an export never means it
    except ValueError:
        if excel_error(text):
            raise CellError(EXCEL_ERROR_REASON.replace("not an id", "not a number")) from None
        raise CellError(("," in text and _comma_reason(text)) or _with_unit_reason(text)
                        or "not a number") from None  # fmt: skip
    if not math.isfinite(value):
        raise CellError("not a finite number")
    return value


def _checked_issuer(table: str, row: dict[str, Any]) -> tuple[str, str] | None:
    """The column and reason when the row's identity has an issuer it cannot have; else None,
    a lot identifier's issuer stored as identities.checked_issuer gives it (a GTIN-14). A
    supplier is the issuer of the `supplier_lot|SUPPLIER|LOT` key its lot numbers make."""
    try:
        if table == "lot_identifiers":
            row["issuer"] = checked_issuer(row["scheme"], row["issuer"])
        elif table == "lots" and row.get("supplier_lot") is not None and row.get("supplier_id"):
            plain_issuer(row["supplier_id"])
    except IdentityError as error:
        return ("issuer" if table == "lot_identifiers" else "supplier_id"), str(error)
    return None


def convert(column: Column, text: str, zone: ZoneInfo) -> Any:
    """The typed value of one cell; CellError says why it cannot be."""
    kind = column.kind
    if kind is Kind.TEXT:
        if column.indexed and len(text) * 4 > MAX_INDEXED_TEXT_BYTES:  # most are short: no encode
            size = len(text.encode("utf-8"))
            if size > MAX_INDEXED_TEXT_BYTES:
                raise CellError(
                    f"{size:,} bytes: the schema indexes {column.name}, which holds at most "
                    f"{MAX_INDEXED_TEXT_BYTES:,} (UTF-8)"
                )
        return text
    if kind is Kind.ID:
        if type(text) is not str:  # a cell a workbook or Parquet typed: a CSV's never is
            if isinstance(text, LongNumber):
                raise CellError(
                    "an identifier of 16 or more digits stored as a number: spreadsheets keep "
                    "15, so its last digits may be lost (store the column as text and export "
                    "again)"
                )
            _stored_id(text)  # a workbook's date, boolean or decimal number cell
        normal = normal_id(text)  # ＬＯＴ００１２９ is LOT00129 (see idtext)
        if not normal:
            raise CellError("an identifier of invisible characters only (a zero-width space)")
        if normal[0] in _NO_ID_STARTS:  # one look per cell: a nightly file has millions
            _no_id(normal)
        if len(normal) > MAX_ID_LENGTH:
            raise CellError(f"identifier longer than {MAX_ID_LENGTH} characters")
        if not normal.isprintable() and _CONTROL.search(normal):
            # a line break inside a quoted cell, a tab, a NUL: a lot no one can type or find,
            # and a CSV or terminal line of the trace broken in two
            raise CellError("an identifier with a control character in it (a line break, a tab)")
        if ("E+" in normal or "e+" in normal) and _EXCEL_SCIENTIFIC.fullmatch(normal):
            raise CellError(
                "an identifier in Excel's scientific notation: its digits are lost (export "
                "the file again, and do not save it from Excel)"
            )
        return normal
    stripped = text.strip()
    if kind is Kind.DATETIME:
        return _parse_datetime(stripped, zone)
    if kind is Kind.MEASURE:
        if excel_error(stripped):
            raise CellError(EXCEL_ERROR_REASON.replace("not an id", "not a value"))
        return measure_text(text)
    if kind in (Kind.QUANTITY, Kind.SIGNED_QUANTITY, Kind.NUMBER):
        value = _parse_number(stripped)
        if kind is Kind.QUANTITY and value < 0:
            raise CellError("a quantity cannot be negative here")
        return value
    if kind is Kind.UOM:
        if stripped not in UNITS:
            if stripped.lower() in UNITS:  # KG, PCS: ERP exports write units in capitals
                return stripped.lower()
            raise CellError(f"unknown unit (known: {', '.join(sorted(UNITS))})")
        return stripped
    if stripped not in column.choices:
        raise CellError(f"must be one of {', '.join(column.choices)}")
    return stripped


def _stored_id(text: str) -> None:
    """Refuse a workbook cell of an id column that Excel stored as a date, a boolean or a
    decimal number: Excel makes an id typed 1-2 or MAR-11 a date, TRUE a boolean, 1.10 the
    number 1.1 — the id as typed is gone (2026-01-02T00:00:00 and True were stored as ids). A
    whole number is read as its digits (noted: its leading zeros may be lost)."""
    if isinstance(text, StoredDate):
        raise CellError(
            f"a date cell ({text}), not an id: Excel makes an id like 1-2 or MAR-11 a date — "
            "format the column as Text in Excel, type the id again and export"
        )
    if isinstance(text, NestedCell):
        raise CellError(
            "a list, struct or map cell, not an id: have the export write the column as text"
        )
    if isinstance(text, StoredBool):
        raise CellError(
            "a TRUE/FALSE cell, not an id: format the column as Text in Excel, type the id "
            "again and export"
        )
    if isinstance(text, StoredNumber) and not text.lstrip("-").isdigit():
        raise CellError(
            f"a decimal number cell ({text}), not an id: Excel drops an id's trailing zeros "
            "(1.10 is the number 1.1) — format the column as Text in Excel, type the id again "
            "and export"
        )


# A quantity (any canonical number column) written as a German or French Excel shows it, its
# thousands grouped by '.': in a ';' file (such Excel's CSV) or a workbook's text cell, 1.234
# is 1234 as often as 1.234, and was read 1000x too small (R0000002 of a German plant, 1.000 kg,
# was 1.0 kg), exit 0. The first group never starts with 0 (0.250 groups no thousands: a
# decimal), as mappings' _DOT_GROUPED.
_DOTTED_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")
_NUMBER_KINDS = (Kind.QUANTITY, Kind.SIGNED_QUANTITY, Kind.NUMBER)


# A number cell whose '.' is a decimal point beyond doubt: 0.250, 12.5, 3.14159 (a thousands
# group has three digits and never starts with 0)
_DECIMAL_COMMA_CELL = re.compile(r"\d,\d")
_DECIMAL_POINT = re.compile(r"[+-]?(?:0\.\d+|\d+\.(?:\d{1,2}|\d{4,}))")


def _decimal_point_columns(raw: RawTable, columns: dict[str, Column | None]) -> dict[str, str]:
    """The number columns of a ';' file or workbook whose cells written as text show a '.'
    decimal point beyond doubt (0.250, 12.5) and none a decimal comma (12,5: the German way,
    whose 1.234 is 1234): there 1.500 is 1.5, not ambiguous. A Swiss Excel's ';' CSV or an ERP
    writing three decimals (1.500, 12.125, 100.000 kg) was rejected row by row every night for
    the German thousands dot it does not use. A workbook's number cell says nothing of how its
    text cells are written (its text is always `0.25`): not counted. One pass over the
    columns. Per such column, its first cell that shows it (for the note on the cells read so)."""
    numbers = [name for name, column in columns.items()
               if column is not None and column.kind in _NUMBER_KINDS]  # fmt: skip
    point: dict[str, str] = {}
    comma: set[str] = set()
    for _, cells in raw.rows:
        for name in numbers:
            text = cells.get(name)
            if not text or isinstance(text, StoredValue):
                continue
            if "," in text and _DECIMAL_COMMA_CELL.search(text):
                comma.add(name)
            elif name not in point and "." in text and _DECIMAL_POINT.fullmatch(text.strip()):
                point[name] = text.strip()
    return {name: shown for name, shown in point.items() if name not in comma}


def pointed_note(path: Path, table: str, column: str, cells: int, example: str,
                 evidence: str) -> str:  # fmt: skip
    """The note on a column's cells written like 1.500 that were read with '.' as the decimal
    point because the column's other cells show it (0.250): without that evidence they are
    rejected as ambiguous, so reading them is said, as is the one cell that decided it."""
    point = _plain_number(float(example.lstrip("+")))
    whole = example.replace(".", "").lstrip("+")
    return (
        f"{path}: {counted(cells, f'{table}.{column} cell')} written like {example} "
        f"{were(cells)} read with '.' as the decimal point ({example} as {point}, not {whole}): "
        f"the column's {evidence} shows a decimal point; an export grouping thousands by '.' "
        'would need a mapping with decimal = ","'
    )


def dotted_thousands(text: str, where: str) -> str | None:
    """Why a number cell written 1.234 (or 1.234.567) in a ';' file or a workbook's text cell
    (`where` says which) is rejected, naming the value's own readings; None for another."""
    stripped = text.strip()
    if "." not in stripped or not _DOTTED_THOUSANDS.fullmatch(stripped):
        return None
    whole = stripped.replace(".", "")
    hint = (f'canonical tables write {whole} without grouping; a mapping with decimal = "," '
            f"reads {stripped} as {whole} (importers/README.md)")  # fmt: skip
    if stripped.count(".") > 1:
        return f"{stripped} groups its thousands by '.' ({whole}, {where}): {hint}"
    point = f"{_plain_number(float(stripped))}"
    return (
        f"ambiguous: {stripped} is {point} with a decimal point, or {whole} with its thousands "
        f"grouped by '.' ({where}): {hint}, and one with decimal = \".\" as {point}"
    )


# 1,234 or -12,500: thousands grouped by ',', or a decimal comma? 1,234.5 and 1,234,567 group
# thousands beyond doubt (_THOUSANDS_COMMA).
_ONE_COMMA_GROUP = re.compile(r"-?[1-9]\d{0,2},\d{3}")


def _comma_reason(text: str) -> str | None:
    """Why a number cell with a comma is not one, with the hint its own shape asks for: a
    thousands comma (US Excel's "1,234") is not mended by a mapping's decimal comma, which
    read it as 1.234; None for no comma shape."""
    if _ONE_COMMA_GROUP.fullmatch(text):
        whole, comma = text.replace(",", ""), text.replace(",", ".")
        return (
            f"not a number: {text} is {whole} with its thousands grouped by ',', or {comma} with "
            f"a decimal comma — canonical tables write {whole} or {comma} (export the column "
            'without thousands separators; a mapping with decimal = "," reads it as '
            f"{_plain_number(float(comma))})"
        )
    if _THOUSANDS_COMMA.fullmatch(text):
        whole = text.replace(",", "")
        return (
            f"not a number: {text} groups its thousands by ',' ({whole}): canonical tables write "
            f"{whole} — export the column without thousands separators"
        )
    if _WRITTEN_WITH_DECIMAL_COMMA.fullmatch(text):
        return (
            'not a number: canonical tables write 2.5 (a mapping with decimal = "," reads '
            "2,5, see importers/README.md)"
        )
    return None


# An extra cell of a ';'-separated file that looks like a number with a decimal comma, in one
# match (a cell is matched once: a nightly file has millions):
# - `ambiguous`: 1,234 or 12,500 — a decimal comma, or a thousands comma of an export written
#   with ';' by a program in English? Three digits after the only comma leave that open.
# - `number`: 252,5, -0,25, 1.250,5 (thousands grouped by '.'). No leading zero (0042 is a
#   code; 0,5 a number); at most 15 digits before the comma, as a float keeps (a longer one is
#   a code: see _EXACT_DIGITS).
# - `grouped`: 1.250 — 1250 with its thousands grouped by '.' (as in 1.250,5), or 1.25?
# A leading '+' is text here too (+49,5 is no telephone, but one rule: see _NUMBER).
_SEMICOLON_CELL = re.compile(
    r"(?P<ambiguous>-?[1-9]\d{0,2},\d{3})"
    r"|(?P<number>-?(?:0|[1-9]\d{0,2}(?:\.\d{3}){1,4}|[1-9]\d{0,14}),\d+)"
    r"|(?P<grouped>-?[1-9]\d{0,2}(?:\.\d{3})+)"
)


# What _semicolon_extra made of a cell it read: a number (252,5), or text it kept as ambiguous
# (which its column may settle: _DecimalColumns).
NUMBER, AMBIGUOUS = "number", "ambiguous"

# A cell that groups thousands by ',' beyond doubt: 1,234,567 (two groups) or 1,234.5 (a
# decimal point after). A column holding one writes 1,250 for 1250, not 1.25.
_THOUSANDS_COMMA = re.compile(r"-?[1-9]\d{0,2}(?:,\d{3})+\.\d+|-?[1-9]\d{0,2}(?:,\d{3}){2,}")


class _DecimalColumns:
    """Which extra columns of one ';' file read 1,250 (three digits after the only comma) as
    1.25: those with a cell that has a decimal comma beyond doubt (252,5; 0,5; 1.250,5) and
    none that groups thousands by ',' (1,234,567; 1,234.5). A cell alone cannot tell, so
    1,250 was kept as text beside 252,5 and the column held numbers and text in one file.
    Only such cells count: an "n/a" or an empty cell changes nothing, so two nights' files
    that differ by an "n/a" leave the same values. A column is looked at once, when its first
    ambiguous cell is met: a file without one costs nothing more."""

    def __init__(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        self.rows = rows
        self.decided: dict[str, bool] = {}

    def decimal(self, name: str) -> bool:
        known = self.decided.get(name)
        if known is None:
            known = self.decided[name] = self._decide(name)
        return known

    def _decide(self, name: str) -> bool:
        clear = False
        for _, cells in self.rows:
            text = cells.get(name)
            if not text or "," not in text or isinstance(text, PlainText):
                continue
            text = text.strip()
            if _THOUSANDS_COMMA.fullmatch(text):
                return False
            if not clear:
                found = _SEMICOLON_CELL.fullmatch(text)
                clear = found is not None and found.lastgroup == NUMBER
        return clear


def _semicolon_extra(text: str) -> tuple[Any, str | None]:
    """An extra column's cell of a ';'-separated file, decided by this cell alone, and whether
    it was read as a decimal-comma NUMBER or kept as text as AMBIGUOUS (None: neither).

    Excel in a German or French locale saves CSV with ';' and writes 252,5 for 252.5; without
    a mapping, a process parameter `peak_temp_c` was kept as the text "252,5", which Browser
    sorts and compares as text. This was decided per column (numbers only if every value of
    tonight's file was one), so one "n/a" in tonight's file turned last night's 252.5 into
    "252,5": a changed row in the ledger and a broken comparison, with the row unchanged. Per
    cell, a clear cell's value depends only on its own text and the file's separator, as a
    plain extra's does (_extra_value). A cell that may be a thousands separator (1,234; 12,500:
    three digits after the only comma) or thousands grouped by '.' (1.250) is AMBIGUOUS and
    stays text here: a number 1000x off is worse than text. _valid_rows reads 1,234 as 1.234
    when its column's other cells in the same file settle it (_DecimalColumns) — so that one
    cell does depend on the other rows: a delta re-sending the row alone, with no settling
    cell, reads it as text again (a changed row in the ledger). A mapping with decimal = ","
    reads every such cell as a number, whatever the file holds. Ids are canonical columns,
    never extras: they stay text."""
    found = _SEMICOLON_CELL.fullmatch(text.strip())
    if found is None or isinstance(text, PlainText):
        # a note with commas (`ok, checked`), a code, a plain number: as in any other file
        return _extra_value(text), None
    if found.lastgroup == NUMBER:
        return comma_number(found.group()), NUMBER
    return text, AMBIGUOUS


def comma_number(text: str) -> int | float:
    """A decimal-comma cell _semicolon_extra reads as a number: 1.250,5 is 1250.5, and 12,0
    the whole number 12 (see _plain_number)."""
    return _plain_number(float(text.replace(".", "").replace(",", ".")))


def ambiguous_readings(first: str) -> str:
    """What a ';' file's extra cell kept as text may be, in its own numbers: `1.234` may be
    1234 or 1.234 (the note said "1250 … or 1.25" of every value), `1,234` 1.234 or 1234."""
    point = first.replace(",", ".") if "," in first else first
    whole = first.replace(",", "").replace(".", "")
    if "," not in first and first.count(".") > 1:  # 1.234.567 (or an address, 192.168.100.200)
        return f"may be {whole} with its thousands grouped by '.'"
    if "," not in first:
        return f"may be {whole} with its thousands grouped by '.', or {_plain_number(float(point))}"
    return (
        f"may be {_plain_number(float(point))} with a decimal comma, or {whole} with its "
        "thousands grouped by ',' (a mapping with decimal = \",\" reads an x_ column as "
        "numbers, see importers/README.md)"
    )


@dataclass
class CommaCounts:
    """Per extra column of a ';' file, how many cells were read as decimal-comma numbers and
    how many kept as text as ambiguous (and the first such cell), for the run's notes."""

    numbers: Counter[str] = field(default_factory=Counter)
    ambiguous: Counter[str] = field(default_factory=Counter)
    first_ambiguous: dict[str, str] = field(default_factory=dict)
    # ambiguous cells read as decimals by their column (see _DecimalColumns), and the first
    by_column: Counter[str] = field(default_factory=Counter)
    first_by_column: dict[str, str] = field(default_factory=dict)

    def add(
        self, cells: list[tuple[str, str, str]], row: dict[str, Any], columns: _DecimalColumns
    ) -> None:
        """One valid row's cells _semicolon_extra read, (column, NUMBER or AMBIGUOUS, text),
        counted; an ambiguous 1,250 its column reads as a decimal is made 1.25 in the row's
        extras, or "1.25" in its canonical text column (an inspection's value) — here, in the
        one loop over a row's cells: a nightly file has millions."""
        extra: dict[str, Any] = row["_extra"]
        for name, kind, text in cells:
            if kind == NUMBER:
                self.numbers[name] += 1
            elif "," in text and columns.decimal(name):  # 1,250 beside 252,5: 1.25
                value = comma_number(text.strip())
                if name in extra:
                    extra[name] = value
                else:
                    row[name] = str(value)
                self.by_column[name] += 1
                self.first_by_column.setdefault(name, text.strip())
            else:  # 1.250 with '.' thousands, or 1,250 in a column that does not settle it
                self.ambiguous[name] += 1
                self.first_ambiguous.setdefault(name, text.strip())


class PlainText(str):
    """An extra column's text that must stay text although it looks like a number: 1.250 from
    an export whose numbers have a decimal comma (1250 or a code, never 1.25)."""

    __slots__ = ()


# A float keeps 15 significant digits: a whole number of more (an 18-digit SSCC on a pallet, a
# 20-digit code) would lose its last digits as a number, so it stays text. Decimals with more
# (0.30000000000000004, as Excel and pandas write floats) are numbers that were floats.
_EXACT_DIGITS = 15
_WHOLE = re.compile(r"[-+]?(\d+)(\.0*)?")


# The largest whole number kept as an integer when a file wrote it as a decimal (12.0): the
# whole numbers a float holds exactly to the digit, as an XLSX or Parquet float gives them
# (reader._cell_text).
_EXACT_WHOLE = 10.0**_EXACT_DIGITS


def _plain_number(value: float) -> int | float:
    """A number as the import stores it: a whole number as an integer, whatever the file wrote
    (12, 12.0, Excel's 12, a Parquet float64's 12.0: 12), another as a float. A file format
    holds no type of its own: the CSV's 12.0 was a float, the same table's XLSX an integer."""
    return int(value) if value.is_integer() and abs(value) < _EXACT_WHOLE else value


def _extra_value(text: str) -> Any:
    stripped = text.strip()
    if isinstance(text, (PlainText, HexBytes)):  # a Parquet hash's hex: 00120034 is no number
        return str(text)
    if _NUMBER.match(stripped) and not _CODE_WITH_E.fullmatch(stripped):
        whole = _WHOLE.fullmatch(stripped)
        if whole and len(whole.group(1).lstrip("0")) > _EXACT_DIGITS:
            return text
        if whole and not whole.group(2):
            # 12 is the integer 12 (it was stored as 12.0 and shown so in Browser and in
            # `lot show`); 12.0 too (_plain_number)
            return int(stripped)
        value = float(stripped)
        if math.isfinite(value):
            return _plain_number(value)
    return text


def measure_text(text: str) -> str:
    """A Kind.MEASURE cell (an inspection's value): text, but one that reads as a number as
    an extra column's would (_extra_value) is the text of that number — "97.0" and "97" are
    one value, "97", as XLSX and Parquet give it; "96.40" is "96.4". Other text as written
    ("ok", "<5", "007", "+5")."""
    value = _extra_value(text)
    return text if isinstance(value, str) else str(value)


def number_cells_notes(raw: RawTable, table_name: str, rejected: frozenset[int]) -> list[str]:
    """Per extra column of a workbook, a note on its number cells whose digits Excel may have
    changed: in a column of codes (a text cell such as 3-11 or 0043 beside them), every number
    cell — a code typed 0042 is the number 42 —, elsewhere those of 16 digits or more (Excel
    keeps 15: 12345678901234567 is 12345678901234600). Id columns reject or note such cells
    (convert, ValidatedTable.number_id); an extra column's were stored without a word. Not
    rejected: an extra column may hold numbers (a temperature). Only the cells of rows stored:
    those of the `rejected` lines were not (a file whose every row was rejected was told of
    values "stored as read" beside its rejects); a rejected row's code still shows its column
    holds codes."""
    table = TABLES.get(table_name)
    if raw.encoding != "xlsx" or table is None:
        return []
    notes = []
    for name in (n for n in raw.header if table.column(n) is None):
        cells = [row.get(name, "") for _, row in raw.rows]
        code = next((c for c in cells if _code_text(c)), None)
        stored = (row.get(name, "") for line, row in raw.rows if line not in rejected)
        numbers = [c for c in stored if isinstance(c, LongNumber)
                   or (code is not None and isinstance(c, StoredNumber))]  # fmt: skip
        if not numbers:
            continue
        n = len(numbers)
        notes.append(f"{raw.path}: {counted(n, f'{table_name}.{name} value')} {were(n)} "
                     f"{'a number cell' if n == 1 else 'number cells'} (as {numbers[0]}), "
                     f"stored as read: {_changed_by_excel(code)} — "
                     f"{number_ids_hint(raw.path)}")  # fmt: skip
    return notes


def _changed_by_excel(code: str | None) -> str:
    """How Excel may have changed an extra column's number cells, that column's first code
    (a text cell number_cells_notes found) given or None."""
    if code is None:
        return "Excel keeps 15 significant digits: their last digits may have been lost"
    return (f"the column holds codes (as {code.strip()}), and a code typed 0042 is the number 42 "
            "in a workbook: leading zeros, or the last digits of a number of 16 digits or more "
            "(Excel keeps 15), may have been lost")  # fmt: skip


def _code_text(text: str) -> bool:
    """A text cell with a digit that is no number (3-11, A-42, 0043): its column holds codes.
    Not a measure written as text (`<5`, `20 °C`): a code is letters, digits and - / . _ alone
    (a temperature column with one `<5` was told to be formatted as Text)."""
    return (not isinstance(text, StoredValue) and _CODE.fullmatch(text) is not None
            and any(c.isdigit() for c in text)
            and isinstance(_extra_value(text), str))  # fmt: skip


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/._]*")


def unknown_table(path: Path, table_name: str) -> str:
    """Why a file that names no canonical table is rejected, and, when a bundled mapping reads
    it (MSEG_movements.csv: sap), which `--mapping` to give."""
    from tracegraph.importing.mappings import bundled_mapping_reading  # mappings imports us

    reason = f"unknown table '{table_name}' (known: {', '.join(TABLES)})"
    mapping = bundled_mapping_reading(path)
    if mapping is not None:
        reason += f"; the bundled mapping reads it: import with --mapping {mapping}"
    return reason


def _reject_all(out: ValidatedTable, raw: RawTable, column: str, reason: str) -> ValidatedTable:
    for line, row in raw.rows:
        out.rejects.append(Reject(out.file, line, column, row.get(column, ""), reason))
    return out


def validate_lazily(
    raw: RawTable, table_name: str, zone: ZoneInfo, mapped: bool = False
) -> tuple[ValidatedTable, Iterator[dict[str, Any]]]:
    """The table's rows to write, validated as they are taken (so an import writes the first
    batch while it checks the next); rejects and duplicates are added to the returned
    ValidatedTable as they are met, and are complete when the iterator is exhausted. `mapped`:
    a mapping's table (its `decimal` read the numbers)."""
    out = ValidatedTable(
        table=table_name,
        file=str(raw.path),
        read=len(raw.rows),
        header=frozenset(raw.header),
        summed=raw.summed,
    )
    table: Table | None = TABLES.get(table_name)
    if table is None:
        return _reject_all(out, raw, "", unknown_table(raw.path, table_name)), iter(())
    refused = header_refusal(raw, table)
    if refused is not None:
        return _reject_all(out, raw, *refused), iter(())
    return out, _valid_rows(out, _without_unnamable(out, raw, table), table, zone, mapped)


def header_refusal(raw: RawTable, table: Table) -> tuple[str, str] | None:
    """The column and the reason for which every row of the file is rejected, for its header
    alone: a column twice, a canonical column spelled otherwise, a required column missing."""
    if raw.repeated:  # which of the two is the lot's quantity? Not guessed.
        name = raw.repeated[0]
        return name, f"column '{name}' appears twice in the header"
    for name in raw.header:
        meant = _canonical_lookalike(table, name)
        if meant is None:
            continue
        unit = _header_unit(name)
        if unit is not None and meant in raw.header:
            continue  # `name (de)` beside `name`: a column of its own (a translation)
        if unit is not None:  # `quantity (kg)`: every lot's quantity kept under that name
            return name, _unit_in_header(table, name, meant, unit[1])
        # `Status` would be kept as an extra, and `status` left empty
        return name, (
            f"column '{name}' is not a column of {table.name}; '{meant}' is (column names "
            "are lower case with underscores): rename it, or map it with --mapping"
        )
    for name in table.required:
        if name not in raw.header:
            return name, f"required column '{name}' is missing"
    return None


def not_the_header(raw: RawTable, table: Table) -> str | None:
    """Why a canonical file's header is not its table's — a required column missing — or None.
    The file is then one reject on its header's line, its rows not read: a header-only file
    `exported by,SAP` was a clean empty table (and under --full, every lot of the graph to
    remove); a title row above the header rejected every row, the header among them, for a
    "missing" lot_id. Names the line below where the columns are, and a look-alike name."""
    missing = [name for name in table.required if name not in raw.header]
    if not missing:
        return None
    reason = f"not a {table.name} header: {', '.join(missing)} missing"
    # every canonical column spelled otherwise, not the required ones alone: all mended at once
    named = [n for n in raw.header if _canonical_lookalike(table, n) is not None]
    if named:
        shown = ", ".join(repr(n) for n in named)
        them = "them" if len(named) > 1 else "it"
        reason += (f" (the header has {shown}: column names are lower case with underscores "
                   f"— rename {them}, or map {them} with --mapping)")  # fmt: skip
    below = _header_below(raw, table)
    where = "row" if raw.sheet else "line"
    if below is not None:
        return reason + (
            f"; {where} {below} holds them: a title above the header? delete the {where}s "
            f"above it, or read the file with a mapping whose header_line is {below}"
        )
    if not named:
        # a file of no columns (a Parquet file written from an empty frame) said "its columns: )"
        shown = (", ".join(raw.header[:6]) + (", …" if len(raw.header) > 6 else "")
                 if raw.header else "none")  # fmt: skip
        reason += (f" (its columns: {shown}): export the table with its header, or import "
                   "this export with a --mapping")  # fmt: skip
    return reason


def _header_below(raw: RawTable, table: Table) -> int | None:
    """The line (sheet row) of the first 20 rows whose cells hold the table's required columns:
    the header, under a report's title lines or at B3 of a sheet."""
    for line, cells in raw.rows[:20]:
        names = {normal_id(v) for k, v in cells.items() if k != OVERFLOW}
        # a title line of one cell read a CSV's header as one cell and the rest beyond it
        names.update(normal_id(v) for v in cells.get(OVERFLOW, "").split(raw.delimiter or ","))
        if set(table.required) <= names:
            return line
    return None


# What Neo4j refuses as a property's name (probed: "Token names cannot be empty or contain any
# null-bytes"; control characters, spaces, backticks and 70,000 characters it takes). An empty
# header name is already column_N.
_UNNAMABLE = "\0"


def _without_unnamable(out: ValidatedTable, raw: RawTable, table: Table) -> RawTable:
    """The file without its extra columns whose name Neo4j cannot store, each one reject on the
    header's line (counted as one row read, as a file that cannot be read is): a header holding
    a NUL byte stopped the whole import with Neo4j's "'bad\\0name' is not a valid token name",
    exit 2, no file, line or column."""
    refused = {n for n in raw.header if _UNNAMABLE in n and table.column(n) is None}
    if not refused:
        return raw
    for name in sorted(refused, key=raw.header.index):
        shown = _CONTROL.sub(lambda c: repr(c[0])[1:-1], name)
        out.rejects.append(Reject(out.file, raw.header_at, shown, "", "a column name holding a "
                                  "NUL byte, which Neo4j cannot store as a property name: the "
                                  "column is not imported (rename it in the export)"))  # fmt: skip
    out.read += len(refused)
    rows = [(line, {k: v for k, v in cells.items() if k not in refused})
            for line, cells in raw.rows]  # fmt: skip
    header = tuple(n for n in raw.header if n not in refused)
    return dataclasses.replace(raw, header=header, rows=rows)


def _canonical_lookalike(table: Table, name: str) -> str | None:
    """The table's column that `name` spells differently (`Status`, `supplier lot`,
    `Supplier-ID`, or with a unit: `quantity (kg)`, `quantity⏎(kg)`), if it is not that column
    itself."""
    if table.column(name) is not None:
        return None
    unit = _header_unit(name)
    folded = re.sub(r"[\s\-]+", "_", (name if unit is None else unit[0]).strip().lower())
    column = table.column(folded)
    if column is None or (unit is not None and column.name not in MEASURED_COLUMNS):
        # `status (old)`, `name (de)`, `contact (email)`: a column of its own, kept as an
        # extra as ever — refused as `status`'s look-alike, every row of the file was lost
        return None
    return column.name


# The columns whose header a unit may follow (`quantity (kg)`): the measures with a unit column.
MEASURED_COLUMNS = frozenset({"quantity", "value"})


# A header cell naming its unit as a workbook's planners write it: `quantity (kg)`,
# `quantity [kg]`, `quantity⏎(kg)` or `quantity⏎kg` (a line break inside the cell).
_HEADER_UNIT = re.compile(r"(.+?)(?:\s*[(\[]\s*([^()\[\]\n]+?)\s*[)\]]|\s*\n\s*([^\n]+?))\s*")


def _header_unit(name: str) -> tuple[str, str] | None:
    """A header cell's column name and the unit written after it, or None."""
    found = _HEADER_UNIT.fullmatch(name)
    if found is None:
        return None
    return found.group(1), (found.group(2) or found.group(3)).strip("()[] ")


def _unit_in_header(table: Table, name: str, meant: str, unit: str) -> str:
    """Why a file whose header gives a column with its unit is rejected, and the mend: the
    values were stored as an extra property named `quantity\n(kg)`, the lots' quantity empty."""
    shown = _CONTROL.sub(lambda c: repr(c[0])[1:-1], name)
    where = (f" and put {unit} in uom" if table.column("uom") is not None
             and meant == "quantity" else "")  # fmt: skip
    return (f"column '{shown}' is not a column of {table.name}; '{meant}' is (column names "
            f"carry no unit): rename '{shown}' to {meant}{where}, or map it with "
            "--mapping")  # fmt: skip


def _valid_rows(
    out: ValidatedTable, raw: RawTable, table: Table, zone: ZoneInfo, mapped: bool = False
) -> Iterator[dict[str, Any]]:
    # The column behind each header name, looked up once per file rather than once per cell.
    columns = {name: table.column(name) for name in raw.header}
    header_of = {column.name: name for name, column in columns.items() if column is not None}
    absent = tuple(c.name for c in table.columns if c.name not in columns)
    received_at_cell = header_of.get("received_at", "")
    # a file without supplier_id too: its receipts were dropped where the graph had no supplier
    receipts_need_supplier = table.name == "lots" and bool(received_at_cell)
    first_seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    cut_of: dict[
        Any, dict[str, str]
    ] = {}  # what the rows with a cut time lost (beyond_microsecond)
    spreadsheet = raw.encoding == "xlsx"  # only a workbook has error cells to look for
    # a workbook's or a Parquet file's cells are typed: an id stored as a number is noted
    typed = spreadsheet or raw.encoding == "parquet"
    semicolon = raw.delimiter == ";"
    # where a number written 1.234 may be 1234 (dotted_thousands): a ';' file, a workbook's
    # text cell; not a mapping's table (its `decimal` read the cell)
    dotted = (
        "as Excel writes numbers in a ';' file"
        if semicolon
        else "in a cell stored as text, as Excel shows numbers in German or French"
        if spreadsheet and not mapped
        else None
    )
    points = _decimal_point_columns(raw, columns) if dotted is not None else {}
    decimal_columns = _DecimalColumns(raw.rows)
    measure = next((c.name for c in table.columns if c.kind is Kind.MEASURE and c.name in columns),
                   None) if semicolon else None  # fmt: skip
    for line, cells in raw.rows:
        problem = row_problem(cells)
        if problem is not None:
            out.rejects.append(Reject(out.file, line, *problem))
            continue
        naive: list[tuple[str, str]] = []
        commas: list[tuple[str, str, str]] | None = [] if semicolon else None
        folded: list[str] = []
        cut: dict[str, str] = {}
        pointed: list[str] = []
        row, reject = _typed_row(
            columns,
            absent,
            cells,
            zone,
            out.file,
            line,
            typed,
            naive,
            commas,
            folded,
            cut,
            dotted,
            measure,
            points,
            pointed,
        )
        if reject is not None:
            out.rejects.append(_in_1904_system(reject) if raw.date1904 else reject)
            continue
        if receipts_need_supplier and row["received_at"] is not None and row["supplier_id"] is None:
            # a receipt lives on the link to its supplier: without one, it was dropped unsaid
            reason = ("a receipt needs its supplier_id (a sister plant is a supplier too): "
                      "without one it cannot be stored")  # fmt: skip
            out.rejects.append(
                Reject(out.file, line, "received_at", cells[received_at_cell], reason)
            )
            continue
        # before the duplicate check: two spellings of one GTIN are one identity
        bad_issuer = _checked_issuer(table.name, row)
        if bad_issuer is not None:
            column, why = bad_issuer
            out.rejects.append(
                Reject(out.file, line, column, cells.get(header_of.get(column, ""), ""), why)
            )
            continue
        if table.name == "device_events" and _key_too_long(row):
            out.rejects.append(Reject(
                out.file, line, "result", cells.get(header_of.get("result", ""), "")[:200],
                f"an alarm's result is part of its key, which the schema indexes: the key would "
                f"hold more than {MAX_INDEXED_TEXT_BYTES:,} bytes (UTF-8)",
            ))  # fmt: skip
            continue
        for name in pointed:
            out.pointed[name] += 1
            out.pointed_examples.setdefault(name, cells[name].strip())
            out.pointed_by.setdefault(name, points[name])
        for name in folded:
            if isinstance(cells[name], StoredNumber):
                out.number_id(name, row[name])
            else:
                out.fold(name, cells[name], row[name])
        moved = _across_change(row, cells, table.span, zone) if table.span else None
        if moved is not None:
            if table.span and moved == table.span[1]:
                out.later_ends += 1
            else:
                out.earlier_starts += 1
        for name, clock in naive:
            out.naive_times[name] = out.naive_times.get(name, 0) + 1
            if clock and name != moved:  # a moved one is counted as such
                counts = out.skipped_times if clock == SKIPPED else out.repeated_times
                counts[name] = counts.get(name, 0) + 1
                out.clock_examples.setdefault((name, clock), row[name])
        if commas:
            out.commas.add(commas, row, decimal_columns)
        for name in cut:
            out.cut_times[name] = out.cut_times.get(name, 0) + 1
            out.cut_examples.setdefault(name, cells[name].strip())
        key = _row_identity(table, row)
        earlier = first_seen.get(key)
        if earlier is None:
            first_seen[key] = row
            if cut:
                cut_of[key] = cut
            yield row
            continue
        beyond = _cut_difference(table, row, cut_of.get(key, {}), cut)
        differing = _first_difference(earlier, row)
        if beyond is not None and (beyond[1] or differing is None):
            # one row, or two, as the cut made them: never merged, nor said to disagree
            keys = "+".join(_key_columns(table, row))
            column, in_key = beyond
            reason = (
                f"duplicate {keys} only as the import cuts times to the microsecond: its "
                f"{column} differs from line {earlier['_line']}'s beyond it"
                + (" (two records that cannot both be stored: write them at least a microsecond "
                   "apart, or keep one)" if in_key else "")
            )  # fmt: skip
            value = cells.get(header_of.get(column, column), "")[:200]
            out.rejects.append(Reject(out.file, line, column, value, reason))
        elif differing is None:
            out.duplicates += 1
            if table.key[1:] == ("lot_id",) and earlier["_line"] != line:  # not two sections' take
                out.repeated_links += 1
                if out.repeated_link_example is None:
                    keys = "/".join(str(row[column]) for column in table.key)
                    out.repeated_link_example = (keys, earlier["_line"], line)
        else:
            keys = "+".join(_key_columns(table, row))
            reason = (
                # the same line twice: two sections of a mapping take the row for this table
                f"duplicate {keys}: two [[file]] sections take this row, with different {differing}"
                if earlier["_line"] == line
                else f"duplicate {keys} with a different {differing} than line {earlier['_line']}"
            )
            # the cell as written (`2`), not as read (`2.0`), so that it can be found in the file
            written = cells.get(header_of.get(differing, differing))
            value = _text(row.get(differing)) if written is None else written[:200]
            out.rejects.append(Reject(out.file, line, differing, value, reason))


def _cut_difference(
    table: Table, row: dict[str, Any], earlier: dict[str, str], cut: dict[str, str]
) -> tuple[str, bool] | None:
    """The time column in which a row differs from the earlier row of its key only beyond the
    microsecond (what the cut took), and whether it is of the key (two records made one by the
    cut); None when the cut took the same from both, or nothing."""
    if earlier == cut:
        return None
    key = _key_columns(table, row)
    columns = sorted(set(earlier) | set(cut), key=lambda c: (c not in key, c))
    column = next(c for c in columns if earlier.get(c) != cut.get(c))
    return column, column in key


def _key_too_long(row: dict[str, Any]) -> bool:
    """An alarm whose key (device, time and a long free-text result) Neo4j's index would refuse,
    and the whole batch with it."""
    key = device_event_id(row)
    return len(key) * 4 > MAX_INDEXED_TEXT_BYTES and len(key.encode()) > MAX_INDEXED_TEXT_BYTES


def _row_identity(table: Table, row: dict[str, Any]) -> Any:
    """What two rows of one record share: the table's key, a device event's event_id."""
    if table.name == "device_events":
        return device_event_id(row)
    return tuple(row[k] for k in table.key)


def _key_columns(table: Table, row: dict[str, Any]) -> tuple[str, ...]:
    """The columns of a row's key, as a duplicate's reason names them."""
    alarm = table.name == "device_events" and row["event"] == "alarm"
    return (*table.key, "result") if alarm else table.key


def _typed_row(
    columns: dict[str, Column | None],
    absent: tuple[str, ...],
    cells: dict[str, str],
    zone: ZoneInfo,
    file: str,
    line: int,
    typed: bool = False,
    naive: list[tuple[str, str]] | None = None,
    commas: list[tuple[str, str, str]] | None = None,
    folded: list[str] | None = None,
    cut: dict[str, str] | None = None,
    dotted: str | None = None,
    measure: str | None = None,
    points: Mapping[str, str] | None = None,
    pointed: list[str] | None = None,
) -> tuple[dict[str, Any], Reject | None]:
    """One raw row typed, or the reject of its first bad cell; `naive` gets the names of its
    time columns whose cells had no offset, each with whether the clocks skipped that local
    time or showed it twice (_clock_change); `commas`, given for a ';' file, its extra cells
    that look like decimal-comma numbers (see _semicolon_extra); `folded`, the names of its
    id columns whose cells normal_id folded (idtext.folds); `cut`, per time column, the digits
    beyond the microsecond its cell lost (beyond_microsecond), and, in a `typed` file (XLSX,
    Parquet), its id cells stored as numbers (StoredNumber); `dotted`, where a number cell
    written 1.234 is ambiguous, why
    (dotted_thousands): a ';' file's cells, or a workbook's text cells; None elsewhere;
    `measure`, given with `commas`, the table's Kind.MEASURE column (an inspection's value);
    `points`, the number columns whose cells show a decimal point beyond doubt, where 1.500 is
    1.5 (_decimal_point_columns), and `pointed` gets the names of those whose cell was so read
    (1.500, not 0.250 or 1.234.567)."""
    row: dict[str, Any] = {"_line": line}
    extra: dict[str, Any] = {}
    for position, (name, text) in enumerate(cells.items()):
        column = columns.get(name)
        if typed and isinstance(text, SpreadsheetError):
            if column is None:  # a helper column's #N/A: no value to keep
                continue
            if column.kind is Kind.MEASURE:  # as a CSV's #N/A value: the inspection stands
                row[name] = None
                continue
            return row, Reject(file, line, name, text, text.REASON)
        if column is None:
            if text.strip():
                key = name or f"column_{position + 1}"
                if key[0] == "_" or key in RESERVED_PROPERTIES:  # reserved(), inline: per cell
                    key = kept_as(key, cells)
                if commas is None:
                    extra[key] = _extra_value(text)
                    continue
                extra[key], kind = _semicolon_extra(text)
                if kind is not None:
                    commas.append((key, kind, text))
            continue
        bare = text.strip()
        if not bare:
            if column.required:
                return row, Reject(file, line, name, text, "required value is empty")
            row[name] = None
            continue
        if column.kind is Kind.MEASURE and excel_error(bare):
            # an inspection's value that is a failed formula (#N/A): no value, but the
            # inspection and its result stand (rejected, its pass or fail was lost)
            row[name] = None
            continue
        if (column.kind is Kind.ID and not column.required and bare[0] in _DASH_STARTS
                and normal_id(bare) in _PLACEHOLDERS):  # fmt: skip
            # an optional reference written `-` for none (a lot's location, a step's operator):
            # empty, as the export means; rejected, the row was lost every night
            row[name] = None
            continue
        try:
            if column.kind is Kind.DATETIME:
                row[name], without_offset, skipped = _read_datetime(text.strip(), zone)
                if without_offset and naive is not None:
                    naive.append((name, skipped))
                if cut is not None:
                    beyond = beyond_microsecond(text)
                    if beyond:
                        cut[name] = beyond
            else:
                if dotted is not None and "." in text and column.kind in _NUMBER_KINDS:
                    why = None if isinstance(text, StoredValue) else dotted_thousands(text, dotted)
                    if why is not None:
                        if points is None or name not in points or text.count(".") > 1:
                            return row, Reject(file, line, name, text[:200], why)
                        if pointed is not None:
                            pointed.append(name)
                row[name] = convert(column, text, zone)
                # ASCII (nearly every id) asked first: a method, not a call of folds per cell
                if (
                    not text.isascii()
                    and folded is not None
                    and column.kind is Kind.ID
                    and folds(text)
                ) or (
                    typed
                    and type(text) is StoredNumber
                    and column.kind is Kind.ID
                    and folded is not None
                ):
                    folded.append(
                        name
                    )  # a workbook's number cell: noted (ValidatedTable.number_id)
        except CellError as problem:
            return row, Reject(file, line, name, text[:200], str(problem))
    for name in absent:
        row[name] = None
    if measure is not None and commas is not None and row.get(measure) is not None:
        # an inspection's value in a ';' file: its decimal comma read as an extra's is (12,5 as
        # "12.5", noted), text as measure_text keeps it (it stayed "12,5" while the same file's
        # extra columns were numbers); here, once a row, not a look at every cell's kind
        # the cell as written, not measure_text's reading of it: 12.000 is "12.000" and
        # ambiguous here (12 or 12000), as a quantity is, not "12" without a word
        measured, comma = _semicolon_extra(cells[measure])
        if comma is not None:
            row[measure] = measured if isinstance(measured, str) else str(measured)
            commas.append((measure, comma, cells[measure]))
    row["_extra"] = extra
    return row, None


def _across_change(
    row: dict[str, Any], cells: dict[str, str], span: tuple[str, str], zone: ZoneInfo
) -> str | None:
    """Read a span that would end before it starts across the change of the clocks: its end as
    the second of the two hours the clock showed when they went back (02:10 CEST, then 02:10
    CET) — a step from 02:40 to 02:10 that night took 30 minutes —, else its start, in the hour
    they skipped, with the offset after the change — a step from 02:30 to 03:10 the night
    summer time begins did not take −20 minutes. Only a local time without an offset is read
    again, and only if the span then no longer ends before it starts; the column read again, or
    None."""
    start, end = row.get(span[0]), row.get(span[1])
    if start is None or end is None or end >= start:
        return None
    second = _other_reading(cells[span[1]], zone)
    if second is not None and second != end and second >= start:
        row[span[1]] = second
        return span[1]
    after = _other_reading(cells[span[0]], zone)
    if after is not None and after != start and after <= end:
        row[span[0]] = after
        return span[0]
    return None


def _other_reading(text: str, zone: ZoneInfo) -> datetime | None:
    """A local time without an offset read as fold 1 in `zone` (the second of a repeated hour,
    a skipped one with the offset after the change), with that offset; None for a time with an
    offset, or 24:00 (the next day's midnight: not in an hour the clocks changed)."""
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if local.tzinfo is not None:
        return None
    other = local.replace(tzinfo=zone, fold=1)
    return other.replace(tzinfo=timezone(other.utcoffset() or timedelta(0)))


def _first_difference(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    for name in a:
        if name != "_line" and a[name] != b.get(name):
            if name == "_extra":
                extra_a: dict[str, Any] = a[name]
                extra_b: dict[str, Any] = b[name]
                changed = sorted(k for k in set(extra_a) | set(extra_b)
                                 if extra_a.get(k) != extra_b.get(k))  # fmt: skip
                return changed[0]
            return name
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)
