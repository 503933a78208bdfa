"""Mapping files: how a source system's export becomes canonical tables.

A mapping is TOML. Top-level settings say how to read the files; each `[[file]]` section takes
the source files whose name matches `match` and fills one canonical `table`, one value per
canonical column:

    delimiter = ";"              # CSV field separator (default ",")
    header_line = 4              # the line (XLSX: row) with the column names (default 1; a
                                 # [[file]] section may set its own)
    decimal = ","                # decimal separator of numbers in text, "," or "." (default)
                                 # (XLSX/Parquet cells stored as numbers or dates are read as
                                 # such: `decimal` and `format` describe text)
    encoding = "gb18030"         # default text encoding (else detected; --encoding wins)
    timezone = "Europe/Berlin"   # for times without offset (--timezone wins when given)

    [units]                      # source unit -> canonical unit and factor (a unit tracegraph
    G = { to = "kg", factor = 0.001 }  # knows, kg, is itself without an entry)

    [[file]]
    match = "*MSEG*.csv"
    table = "lots"
    # sheet = "Produktion"       # an XLSX workbook's sheet (else the one named like the file)
    # delimiter = "\t"           # this section's files' separator (else the mapping's); a
                                 # `match` ending in .txt reads .txt files (Excel's "Unicode
                                 # text") as delimited text
    [file.columns]
    lot_id = "CHARG"                                        # copy a source column (a number
                                                            # read as { column = … } reads it)
    received_at = { column = "BUDAT", format = "%d.%m.%Y" } # parse a date/time (strptime;
                                                            # a list of formats is tried in order;
                                                            # "excel": Excel's serial dates)
    quantity = { column = "MENGE", unit = "MEINS" }         # number, converted by [units]
    uom = { unit = "MEINS" }                                # the canonical unit of MEINS
    status = { value = "released" }                         # a constant
    location_id = { template = "{WERKS}-{LGORT}" }          # several columns joined
    kind = { column = "MTART", map = { ROH = "raw" } }      # source codes to canonical values
    created_at = { template = "{BUDAT} {CPUTM}", format = "%d.%m.%Y %H:%M:%S" }  # joined, parsed

    [[file]]
    match = "*MSEG*.csv"
    table = "step_inputs"
    where = { BWART = ["261", "262"], AUFNR = { not = "" } }   # only these rows (see below)

A cell a mapping cannot convert is rejected with the source file, line and source column with
the canonical one it fills, `MENGE (quantity)`, as validation's rejects of a mapped row are —
also a number in another notation than `decimal` says (0.25 under a decimal comma), rather than
read as 25. SAP's trailing minus (5,000-) is a negative number.
One source file may feed several canonical tables (several `[[file]]` sections match it):
each table's rows are counted, written and rejected on their own. A section's `where` takes
only the rows whose cells (stripped) hold one of the values given per column — `{ not = … }`
inverts it, "" is an empty cell — so one export of mixed records (SAP goods movements: receipts,
issues to orders, receipts from orders) fills each table with its own rows. The rows of a file
that no section takes are not imported; the import counts them in a note, by the values of the
`where` columns, so that nothing goes unnoticed.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import functools
import json
import re
import string
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tracegraph.errors import ConfigurationError
from tracegraph.idtext import normal_id, number_ids_hint
from tracegraph.importing.reader import (
    LongNumber,
    RawTable,
    SpreadsheetError,
    StoredNumber,
    StoredValue,
    UnreadableCell,
    is_text_encoding,
    merged_hint,
    row_problem,
)
from tracegraph.importing.tables import TABLES, UNITS, Column, Kind
from tracegraph.importing.validate import PlainText, Reject, end_of_day
from tracegraph.resources import resource_path
from tracegraph.values import counted, were

_SETTINGS = {"delimiter", "decimal", "encoding", "timezone", "units", "file", "name", "header_line"}
_SPEC_KEYS = {"column", "format", "unit", "value", "template", "map", "unmapped", "negate", "text"}
_SECTION_KEYS = {
    "match",
    "table",
    "columns",
    "header_line",
    "where",
    "combine",
    "sheet",
    "delimiter",
}
# Tables whose rows a section may sum (`combine = "sum"`): the links with a quantity.
_SUMMABLE = ("step_inputs", "step_outputs", "shipment_lines")


@dataclass(frozen=True)
class Condition:
    """One column of a section's `where`: the cell (stripped) is one of `values`, or with
    `negated` none of them."""

    column: str
    values: frozenset[str]
    negated: bool = False

    def holds(self, cells: dict[str, str]) -> bool:
        return (cells.get(self.column, "").strip() in self.values) != self.negated


def _all_hold(conditions: tuple[Condition, ...], cells: dict[str, str]) -> bool:
    """A row meets a `where` or a `negate`: every one of its conditions holds."""
    return all(condition.holds(cells) for condition in conditions)


@dataclass(frozen=True)
class Unit:
    to: str
    factor: Decimal  # as the mapping writes it (0.001), so that 203200 g is 203.2 kg exactly


@dataclass(frozen=True)
class FileRule:
    match: tuple[str, ...]  # file-name patterns: `match` gives one or a list
    table: str
    columns: dict[str, Any]
    header_line: int | None = None  # this section's files' header line (else the mapping's)
    where: tuple[Condition, ...] = ()  # the rows it takes; all of them when empty
    combine: bool = False  # rows naming the same link are one link, their quantities summed
    sheet: str | None = None  # the XLSX sheet it reads (else the file's default sheet)
    delimiter: str | None = None  # this section's files' separator (else the mapping's)

    def takes(self, cells: dict[str, str]) -> bool:
        return _all_hold(self.where, cells)


@dataclass(frozen=True)
class Mapping:
    path: Path
    name: str = ""
    delimiter: str = ","
    header_line: int = 1  # the line (sheet row) with the column names; title lines above it
    decimal: str = "."
    encoding: str | None = None
    timezone: str | None = None
    units: dict[str, Unit] = field(default_factory=dict)
    rules: tuple[FileRule, ...] = ()

    def rules_for(self, source: Path) -> list[FileRule]:
        # Without regard to case on every system, as a file's suffix is (`MSEG*.csv` takes
        # `mseg_1103.CSV`): fnmatch follows the system's, and a Windows export copied to Linux
        # was skipped as "no section matches".
        return [r for r in self.rules if _matches(source.name, r.match)]

    def matched_as(self, source: Path) -> tuple[str, str] | None:
        """`source`'s name with another suffix that a section's pattern matches, and that
        pattern with `source`'s suffix: `AFRU_confirmations.csv` and `AFRU*.xlsx` for the
        export saved as .xlsx (its every row was rejected as matched by no section, without a
        word that only the suffix stood in the way). None when there is none."""
        for pattern in (p for rule in self.rules for p in rule.match):
            suffix = Path(pattern).suffix
            other = source.with_suffix(suffix).name
            if suffix and other != source.name and _matches(other, (pattern,)):
                return other, pattern[: -len(suffix)] + source.suffix
        return None

    def reads(self, source: Path) -> list[tuple[str | None, int, list[FileRule]]]:
        """The sheets the sections matching `source` read (None: the file's default sheet, and
        a CSV file's one table), each with its header line — its first section's that sets
        one, else the mapping's — and its sections, in the order the mapping names them."""
        sheets: dict[str | None, list[FileRule]] = {}
        for rule in self.rules_for(source):
            sheets.setdefault(rule.sheet, []).append(rule)
        return [
            (sheet, next((r.header_line for r in rules if r.header_line is not None),
                         self.header_line), rules)
            for sheet, rules in sheets.items()
        ]  # fmt: skip

    def delimiter_of(self, source: Path) -> str:
        """A delimited text file's separator: the first matching section's, else the
        mapping's (a semicolon export and Excel's tab-separated "Unicode text" in one
        mapping)."""
        given = (r.delimiter for r in self.rules_for(source) if r.delimiter is not None)
        return next(given, self.delimiter)

    def names_text_file(self, source: Path) -> bool:
        """Whether a section matching `source` names .txt files (`match = "Versand*.txt"`):
        then a .txt file is read as delimited text (Excel's "Unicode text" export)."""
        return any(p.casefold().endswith(".txt") for r in self.rules_for(source) for p in r.match)


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name.casefold(), p.casefold()) for p in patterns)


def _bad(path: Path, problem: str, hint: str | None = None) -> ConfigurationError:
    return ConfigurationError(
        f"mapping {path}: {problem}", hint=hint or "see importers/README.md for the mapping format"
    )


def _unknown(
    path: Path, where: str, what: str, name: str, known: Iterable[str]
) -> ConfigurationError:
    """A name the mapping does not know (a typo'd key, table or setting), with the closest one
    it does know and, in the hint, all of them."""
    return _bad(path, f"{where}unknown {what} {name!r}{_did_you_mean(name, known)}",
                f"known {what}s: {', '.join(sorted(known))}")  # fmt: skip


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """` (did you mean 'match'?)` when `name` is close to a name the mapping knows (a typo),
    else nothing."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _not_toml(path: Path, text: str, error: tomllib.TOMLDecodeError) -> ConfigurationError:
    """TOML's own words, and what they mean in a mapping where that can be told: a key given
    twice is a column mapped twice (tomllib says "Cannot overwrite a value")."""
    line = re.search(r"at line (\d+)", str(error))
    lines = text.splitlines()
    number = int(line.group(1)) if line else 0
    key = _TOML_KEY.match(lines[number - 1]) if 0 < number <= len(lines) else None
    if "Cannot overwrite a value" not in str(error) or key is None:
        fix = next((fix for words, fix in _TOML_FIXES if words in str(error)), None)
        return _bad(path, f"not valid TOML ({error})", fix)
    name = key.group(1).strip("\"'")
    table = next((t.strip() for t in reversed(lines[: number - 1]) if t.strip().startswith("[")),
                 "")  # fmt: skip
    if table == "[file.columns]":
        return _bad(path, f"line {number} maps canonical column {name!r} a second time in its "
                    "[file.columns]: a column is made one way",
                    f"keep one of the two {name} lines; a second source column can be kept as "
                    f'an extra column (x_{name}_note = "COLUMN"), and one source column may fill '
                    "several canonical columns")  # fmt: skip
    return _bad(path, f"line {number} sets {name!r} a second time in {table or 'the mapping'}",
                "keep one of the two lines")  # fmt: skip


# What to change for TOML's commonest complaints in a mapping.
_TOML_FIXES = (
    ("Illegal character '\\n'", 'close the quote on the same line ("…")'),
    ("Unclosed inline table", "close the { … } on the same line"),
    ("Unclosed array", "close the [ … ] (a list of formats or values)"),
)
# The key of a TOML line `key = value` (bare or quoted).
_TOML_KEY = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def bundled_mappings() -> dict[str, Path]:
    """The mappings that ship with tracegraph (importers/NAME/mapping.toml), by NAME."""
    try:
        folder = resource_path("importers")
    except FileNotFoundError:  # an install without them: mapping files still work
        return {}
    return {m.parent.name: m for m in sorted(folder.glob("*/mapping.toml"))}


def bundled_mapping_reading(source: Path) -> str | None:
    """The name of the first bundled mapping with a section that reads `source` (`sap` for
    MSEG_movements.csv), for the hint of a file that is no canonical table: an SAP folder
    imported without `--mapping sap` was 24,485 "unknown table" rejects, none saying why."""
    for name, path in bundled_mappings().items():
        try:
            if load_mapping(path).rules_for(source):
                return name
        except ConfigurationError:  # a bundled mapping is tested; a hint is no place to fail
            continue
    return None


def load_mapping(path: Path) -> Mapping:
    """The mapping in the TOML file `path`; a bare name that is no file (`sap`) names a bundled
    mapping, so that an installed tracegraph finds them too."""
    bundled = bundled_mappings()
    if not path.is_file() and str(path) in bundled:
        path = bundled[str(path)]
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:  # not found, a folder, not readable
        problem = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror or exc
        raise ConfigurationError(
            f"mapping {path}: {problem}",
            hint="give a mapping file"
            + (f", or a bundled mapping: {', '.join(bundled)}" if bundled else ""),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise _not_toml(path, text, exc) from None
    unknown = set(data) - _SETTINGS
    if unknown:
        raise _unknown(path, "", "setting", sorted(unknown)[0], _SETTINGS)
    # The shapes TOML allows but a mapping is not: one error line each, never a traceback.
    if not isinstance(data.get("units", {}), dict):
        raise _bad(path, "`[units]` is a table of source units")
    units = {}
    for name, spec in data.get("units", {}).items():
        # `factor` is required: left out it was 1, and `T = { to = "kg" }` read 1.2 t as 1.2 kg
        factor = spec.get("factor") if isinstance(spec, dict) else None
        if not isinstance(spec, dict) or "to" not in spec or factor is None:
            raise _bad(path, f"unit {name!r} needs `to` and `factor`, how many `to` one {name} "
                       "is (T = { to = \"kg\", factor = 1000 })")  # fmt: skip
        if isinstance(factor, bool) or not (isinstance(factor, int | float) and factor > 0):
            # a quoted "1000" is given, and was told it was missing
            raise _bad(path, f"unit {name!r}: `factor` is a number above 0, unquoted "
                       f"(factor = 1000), not {factor!r}")  # fmt: skip
        if not isinstance(spec["to"], str) or spec["to"] not in UNITS:
            raise _bad(path, f"unit {name!r}: `to` is one of {', '.join(sorted(UNITS))}, not "
                       f"{spec['to']!r}")  # fmt: skip
        units[name] = Unit(str(spec["to"]), Decimal(repr(factor)))
    sections = data.get("file", [])
    if not isinstance(sections, list) or not all(isinstance(s, dict) for s in sections):
        raise _bad(path, "the sections are [[file]] tables (double brackets)")
    rules = []
    for number, section in enumerate(sections, start=1):
        # a typo'd key first: `mtach` was told that `match` is missing
        if not set(section) <= _SECTION_KEYS:
            unknown_key = sorted(set(section) - _SECTION_KEYS)[0]
            raise _unknown(path, f"[[file]] {number}: ", "key", unknown_key, _SECTION_KEYS)
        table = section.get("table")
        if not isinstance(table, str) or table not in TABLES:
            raise _unknown(path, f"[[file]] {number} names ", "table", str(table), TABLES)
        if "match" not in section:
            raise _bad(path, f"[[file]] {number} needs `match`, a file-name pattern",
                       'add match = "NAME*.csv" to the section')  # fmt: skip
        match = section["match"]
        # a list of patterns, or one; anything else (a number, a table) is no pattern: a table
        # was read as its keys, a number was a TypeError (exit 3)
        patterns = (match,) if isinstance(match, str) else tuple(match) if isinstance(
            match, list) else ()  # fmt: skip
        if not patterns or not all(isinstance(p, str) and p for p in patterns):
            raise _bad(path, f"[[file]] {number}: `match` is a file-name pattern or a list "
                       'of them (match = ["AFRU*.csv", "AFRU*.xlsx"])')  # fmt: skip
        if not isinstance(section.get("columns", {}), dict):
            raise _bad(path, f"[[file]] {number}: `[file.columns]` is a table of columns")
        columns = dict(section.get("columns", {}))
        for column, spec in columns.items():
            # every problem of a column named with its section: a mapping has a `quantity`
            # in many of them
            where = f"[[file]] {number} ({table}), column {column!r}"
            if TABLES[table].column(column) is None and not column.startswith("x_"):
                names = [c.name for c in TABLES[table].columns]
                raise _bad(path, f"{where}: table {table} has no such column"
                           f"{_did_you_mean(column, names)}",
                           f"its columns: {', '.join(names)}; an extra property is "
                           f"x_{column}")  # fmt: skip
            _refused_name(path, where, table, column)
            if not isinstance(spec, str | dict):
                raise _bad(path, f"{where}: a source column's name or {{ … }}")
            if isinstance(spec, dict) and not set(spec) <= _SPEC_KEYS:
                raise _unknown(path, f"{where}: ", "key", sorted(set(spec) - _SPEC_KEYS)[0],
                               _SPEC_KEYS)  # fmt: skip
            if (
                isinstance(spec, dict)
                and "text" in spec
                and (spec["text"] is not True or not column.startswith("x_"))
            ):
                raise _bad(path, f"{where}: `text = true` keeps an extra (x_) column as text "
                           "(a document number, not a number)")  # fmt: skip
            if isinstance(spec, dict) and spec.get("unmapped", "reject") not in ("reject", "keep"):
                raise _bad(path, f'{where}: `unmapped` is "reject" or "keep"')
            if isinstance(spec, dict) and "negate" in spec:
                columns[column] = spec = _negate(path, where, table, column, spec)
            form = spec.get("format") if isinstance(spec, dict) else None
            forms = [form] if isinstance(form, str) else form
            if form is not None and not (
                isinstance(forms, list) and forms and all(isinstance(f, str) and f for f in forms)
            ):
                raise _bad(path, f"{where}: `format` is a format or a list of them")
            for each in forms or ():
                refused = _format_problem(each)
                if refused:
                    raise _bad(path, f"{where}: `format` {each!r} {refused}")
        combine = section.get("combine")
        if combine is not None and combine != "sum":
            raise _bad(path, f"[[file]] {number}: `combine` is \"sum\" (or left out), not "
                       f"{combine!r}")  # fmt: skip
        if combine is not None and table not in _SUMMABLE:
            raise _bad(path, f"[[file]] {number}: `combine = \"sum\"` is for the tables "
                       f"{', '.join(_SUMMABLE)}")  # fmt: skip
        sheet = section.get("sheet")
        if sheet is not None and not (isinstance(sheet, str) and sheet.strip()):
            raise _bad(path, f"[[file]] {number}: `sheet` is the name of a workbook's sheet, "
                       'as its tab shows it (sheet = "Produktion")')  # fmt: skip
        rules.append(FileRule(patterns, table, columns,
                              _header_line(path, section.get("header_line")),
                              _where(path, number, section.get("where")),
                              combine is not None, sheet,
                              _delimiter(path, section.get("delimiter"))))  # fmt: skip
    if not rules:
        raise _bad(path, "no [[file]] sections")
    if str(data.get("decimal", ".")) not in (".", ","):
        raise _bad(path, "`decimal` is '.' or ','")
    if data.get("encoding") is not None and not is_text_encoding(str(data["encoding"])):
        raise _bad(path, f"unknown `encoding` {data['encoding']!r} (a Python codec name "
                   "such as gb18030, cp1252 or utf-8)")  # fmt: skip
    header_line = _header_line(path, data.get("header_line")) or 1
    delimiter = _delimiter(path, data.get("delimiter")) or ","
    return Mapping(
        path=path, name=str(data.get("name", "")), delimiter=delimiter,
        decimal=str(data.get("decimal", ".")), encoding=data.get("encoding"),
        header_line=header_line,
        timezone=data.get("timezone"), units=units, rules=tuple(rules),
    )  # fmt: skip


def _refused_name(path: Path, where: str, table: str, column: str) -> None:
    """An extra column `x_NAME` is stored as NAME: where NAME is a canonical column of the
    table, it overwrote that column's value, the lot key too (`x_lot_id = "NOTE"` wrote 999 kg
    onto the lot NOTE named, not onto the lot `lot_id` named). And a name Neo4j refuses."""
    name = column.removeprefix("x_")
    if "\0" in column:  # as validate._without_unnamable rejects a file's column so named
        raise _bad(path, f"{where}: a name holding a NUL byte, which Neo4j cannot store as a "
                   "property name", "remove the \\u0000 from it")  # fmt: skip
    # folded as validation folds a header (`Status`, `supplier-lot`): x_Status would be a
    # header validation reads as a misspelt status, rejecting every row of the file
    canonical = re.sub(r"[\s\-]+", "_", name.strip().lower())
    if column.startswith("x_") and TABLES[table].column(canonical) is not None:
        raise _bad(path, f"{where}: {column} would be the canonical column {canonical}",
                   f"name it {column}_note or map {canonical} itself")  # fmt: skip


_CONDITIONS = '{ COLUMN = "value" or [values] or { not = … }, … }'


# strptime's directives that give a year: a format without one read every time as 1900
_YEAR = frozenset("YyGcx")


def _format_problem(form: str) -> str | None:
    """Why a date/time format cannot be used, or None."""
    if form == EXCEL:
        return None
    directives = set(re.findall(r"%[-#]?(.)", form.replace("%%", "")))
    if not directives & _YEAR:
        return (
            "has no year (%Y or %y): every time would be read as one of 1900-01-01 — join the "
            'date column in a template, e.g. { template = "{DATE} {TIME}", format = '
            '"%d.%m.%Y %H:%M" }'
        )
    return None


# `format = "excel"`: Excel's serial dates, a number of days (the time of day its fraction),
# from 1899-12-30 in its 1900 date system (which counts a 29 February 1900 that never was, so
# serials below 61 are refused), from 1904-01-01 in a workbook saved in the 1904 date system.
EXCEL = "excel"
EPOCH_1900 = datetime(1899, 12, 30)
EPOCH_1904 = datetime(1904, 1, 1)
_SERIAL = re.compile(r"\d+(?:\.\d+)?")
_LAST_SERIAL = 2_958_466  # the day after 9999-12-31 in the 1900 system
# Serials of 1950 to 2100: a number written as text there is taken for a date in a reason
_LIKELY_SERIALS = (18_264, 73_051)


def _serial(text: str, epoch: datetime) -> datetime | None:
    """The date and time an Excel serial date stands for, to the millisecond (Excel keeps
    08:00 as 0.33333333334 of a day); None when `text` is no such number."""
    if not _SERIAL.fullmatch(text.strip()):
        return None
    days = float(text)
    if days >= _LAST_SERIAL or (epoch == EPOCH_1900 and days < 61):
        return None
    try:  # the 1904 system's last serial is 1,462 days short of the 1900 system's
        return epoch + timedelta(milliseconds=round(days * 86_400_000))
    except OverflowError:
        return None


def _serial_reason(text: str, epoch: datetime) -> str | None:
    """The reason for a date cell that holds an Excel serial date as a number (a date in a
    cell formatted General, or a CSV saved from one), when `format` has no "excel"."""
    moment = _serial(text, epoch)
    if moment is None or not (
        isinstance(text, StoredValue) or _LIKELY_SERIALS[0] <= float(text) <= _LIKELY_SERIALS[1]
    ):
        return None  # fmt: skip
    return (
        f"an Excel serial date stored as a number: {text.strip()} is {moment:%Y-%m-%d %H:%M} — "
        'read the column with format = "excel" (or add "excel" to its formats), or format the '
        "cells as dates in the workbook"
    )


# A zone's name (%Z) that names UTC. strptime's own %Z also matched the machine's zone names
# and dropped what it matched: `08:15 UTC` was stored as 08:15 in the mapping's timezone.
_UTC_NAMES = ("UTC", "GMT")


def _in_utc(text: str, form: str) -> datetime | None:
    """`text` read by a format with %Z as a time in UTC, the zone name UTC or GMT; None when
    the format has no %Z or the text does not match it with either name."""
    if not _ZONE_NAME.search(form):
        return None
    for name in _UTC_NAMES:
        literal = _ZONE_NAME.sub(r"\g<1>" + name, form)
        with contextlib.suppress(ValueError):
            return datetime.strptime(text, literal).replace(tzinfo=UTC)
    return None


_ZONE_NAME = re.compile(r"((?:^|[^%])(?:%%)*)%Z")


def _where(path: Path, number: int, where: Any) -> tuple[Condition, ...]:
    """A section's `where = { COLUMN = value(s) or { not = value(s) }, … }`; none: every row."""
    if where is None:
        return ()
    return _conditions(_bad(path, f"[[file]] {number}: `where` is {_CONDITIONS}"), where)


def columns_read(rule: FileRule) -> set[str]:
    """The source columns a [[file]] section reads: its columns' and its `where`'s."""
    return set().union(*map(_source_columns, rule.columns.values()), _where_columns(rule))


def _where_columns(rule: FileRule) -> set[str]:
    return {condition.column for condition in rule.where}


def _the_header(raw: RawTable) -> str:
    """`the header`, and the sheet's when the file is a workbook: a mapping may read several."""
    return f"the header of sheet {raw.sheet!r}" if raw.sheet else "the header"


_SEPARATOR_WORDS = {"\t": "tab", ";": "semicolon", ",": "comma", "|": "pipe"}


def _one_column_hint(raw: RawTable) -> str:
    """A hint when the header came out as one column holding another separator: the file
    is split by another `delimiter` than the one given (a tab-separated "Unicode text" export
    read with a semicolon)."""
    if len(raw.header) != 1 or not raw.delimiter:
        return ""
    held = [_SEPARATOR_WORDS[sep] for sep in _SEPARATOR_WORDS
            if sep != raw.delimiter and sep in raw.header[0]]  # fmt: skip
    if not held:
        return ""
    return (
        f" (the header has one column, {raw.header[0][:60]!r}, holding {held[0]}s: check "
        f"`delimiter`, {raw.delimiter!r} here — a [[file]] section may set its own)"
    )


def _header_hint(source: str, raw: RawTable, rule: FileRule) -> str:
    """What a missing column probably is: a header split by another delimiter, a close name
    in the header (a typo), or — when the header has none of the columns the section reads —
    a header on another line."""
    one_column = _one_column_hint(raw)
    if one_column:
        return one_column
    close = difflib.get_close_matches(source, list(raw.header), n=1, cutoff=0.75)
    if close:
        return f": did you mean '{close[0]}'?"
    if not columns_read(rule) & set(raw.header):
        return " (nor any column the section reads: is `header_line` the header's line?)"
    return ""


def _negate(
    path: Path, where: str, table: str, column: str, spec: dict[str, Any]
) -> dict[str, Any]:
    """A number column's `negate = { SHKZG = "S" }`: the rows where it holds give the number
    negated (SAP's debit/credit indicator: a 262 reversal takes back a 261 issue). The spec
    with its conditions parsed."""
    canonical = TABLES[table].column(column)
    numeric = canonical is not None and canonical.kind in (
        Kind.QUANTITY, Kind.SIGNED_QUANTITY, Kind.NUMBER)  # fmt: skip
    if "column" not in spec or not ("unit" in spec or numeric) or set(spec) & {
        "format", "map", "value", "template"}:  # fmt: skip
        raise _bad(path, f"{where}: `negate` is for a number read from a column")
    problem = _bad(path, f"{where}: `negate` is {_CONDITIONS}")
    return {**spec, "negate": _conditions(problem, spec["negate"])}


def _conditions(problem: ConfigurationError, where: Any) -> tuple[Condition, ...]:
    if not isinstance(where, dict) or not where:
        raise problem
    conditions = []
    for column, wanted in where.items():
        negated = isinstance(wanted, dict)
        if negated:
            if set(wanted) != {"not"}:
                raise problem
            wanted = wanted["not"]
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values or not all(isinstance(v, str | int) and not isinstance(v, bool)
                                 for v in values):  # fmt: skip
            raise problem
        conditions.append(Condition(column, frozenset(str(v).strip() for v in values), negated))
    return tuple(conditions)


def _delimiter(path: Path, value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) != 1):
        raise _bad(path, '`delimiter` is one character (a tab is "\\t")')
    return value


def _header_line(path: Path, value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _bad(path, "`header_line` is the number of the line with the column names (1 on)")
    return value


class _CellProblem(ValueError):
    def __init__(
        self, column: str, value: str, reason: str, source: str = "", header: bool = False
    ) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason
        # the source column whose cell it is, when `column` names the canonical one too
        self.source = source or column
        # a problem of the file's header told on every row (no cell's: no merged-range hint)
        self.header = header


# Thousands grouped as people write them: by '.' under a decimal comma (1.250,5), and by spaces,
# also no-break ones, in either notation (1 250,5). The first group never starts with 0, so
# 0.250 under a decimal comma is not a grouping of 0250.
_DOT_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d*)?")
_SPACES = re.compile(r"[ \u00a0\u202f]")
_SPACE_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d*)?")


def _number(mapping: Mapping, column: str, text: str) -> float:
    written, negative = _written(mapping, column, text)
    try:
        value = float(written)
    except ValueError:
        raise _CellProblem(column, text, "not a number") from None
    return -value if negative else value


def _converted(mapping: Mapping, column: str, text: str, unit_column: str, unit_text: str) -> float:
    """The number as written times its unit's factor, in decimal, then a float: multiplied as
    floats, 0.1543 t was 154.29999999999998 kg and 203200 g 203.20000000000002 kg."""
    written, negative = _written(mapping, column, text)
    unit = _unit(mapping, unit_column, unit_text)
    try:
        converted = float(Decimal(written) * unit.factor)
    except ArithmeticError:  # no number, Decimal's own sNaN, or beyond what it holds (1e9999999)
        raise _CellProblem(column, text, "not a number") from None
    return -converted if negative else converted


def _written(mapping: Mapping, column: str, text: str) -> tuple[str, bool]:
    """A number cell in the notation float() and Decimal() read, without its sign if SAP wrote
    it trailing (5,000-), and whether it did."""
    if isinstance(text, StoredValue):  # stored as a number by XLSX/Parquet: no separators
        return text, False
    other_notation = _CellProblem(
        column, text, f"not a number written with {mapping.decimal!r} as the decimal separator"
    )
    cleaned = text.strip()
    # SAP writes -5 as "5,000-".
    negative = len(cleaned) > 1 and cleaned.endswith("-") and cleaned[0] not in "+-"
    cleaned = cleaned[:-1] if negative else cleaned
    if _SPACES.search(cleaned):
        if not _SPACE_GROUPED.fullmatch(cleaned):
            raise other_notation
        cleaned = _SPACES.sub("", cleaned)
    if mapping.decimal == ",":
        # A '.' other than between thousands is another notation (0.25 would read as 25):
        # rejected rather than guessed.
        if "." in cleaned:
            if not _DOT_GROUPED.fullmatch(cleaned):
                raise other_notation
            cleaned = cleaned.replace(".", "")
        cleaned = cleaned.replace(",", ".")
    elif "," in cleaned:  # 5,000 under a decimal point: five thousand or five? Not guessed.
        raise other_notation
    return cleaned.replace("_", "x"), negative  # both read 1_000; an export never means it


def _moment(
    column: str, text: str, form: str | list[str], epoch: datetime = EPOCH_1900
) -> datetime:
    """`form` is one strptime format or several, tried in order (exports that write midnight
    as a bare date and other times with the clock); "excel" reads an Excel serial date, days
    since `epoch` (the workbook's date system)."""
    if isinstance(text, StoredValue):  # a date cell of XLSX/Parquet: the format is its display
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(text)
    forms = [form] if isinstance(form, str) else form
    for each in forms:
        if each == EXCEL:
            serial = _serial(text, epoch)
            if serial is not None:
                return serial
            continue
        in_utc = _in_utc(text.strip(), each)
        if in_utc is not None:
            return in_utc
        with contextlib.suppress(ValueError):
            if not _ZONE_NAME.search(each):
                return datetime.strptime(text.strip(), each)
    for each in forms:  # %H reads no 24: SAP's end of day, 24:00:00, is the next day's 00:00
        moment = end_of_day(text.strip(), functools.partial(_strptime, form=each))
        if moment is not None:
            return moment
    as_serial = None if EXCEL in forms else _serial_reason(text, epoch)
    if as_serial is not None:
        raise _CellProblem(column, text, as_serial)
    named = " (%Z reads UTC or GMT: for another zone write its offset, read with %z)"
    raise _CellProblem(
        column,
        text,
        f"not a date/time like {' or '.join(forms)}"
        + (" (an Excel serial date: a number of days)" if EXCEL in forms else "")
        + (named if any(_ZONE_NAME.search(f) for f in forms) else ""),
    )


def _strptime(text: str, form: str) -> datetime:
    return datetime.strptime(text, form)


def _stored_moment(parts: list[str]) -> datetime | None:
    """A date that a spreadsheet stored as a date, at the time of day the next cell holds
    (stored as a time or written as 08:15:00): SAP's BUDAT and CPUTM saved as XLSX. None when
    the first filled cell is no stored date: then the joined text is parsed by the format."""
    filled = [part for part in parts if part.strip()]
    if not isinstance(filled[0], StoredValue):
        return None
    try:
        moment = datetime.fromisoformat(filled[0])
        for part in filled[1:]:
            moment = datetime.combine(moment.date(), time.fromisoformat(part.strip()),
                                      moment.tzinfo)  # fmt: skip
    except ValueError:
        return None
    return moment


# A unit tracegraph knows is itself where [units] does not say otherwise: `kg` needed its
# `kg = { to = "kg", factor = 1 }`.
_CANONICAL_UNITS = {name: Unit(name, Decimal(1)) for name in UNITS}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _unit(mapping: Mapping, column: str, text: str) -> Unit:
    name = text.strip()
    unit = mapping.units.get(name) or _CANONICAL_UNITS.get(name)
    if unit is None:
        add = f": add {_unit_entry(name)}" if name else ""
        raise _CellProblem(column, text, f"unit {name!r} is not in the mapping's [units]{add}")
    return unit


def _unit_entry(name: str) -> str:
    """The [units] entry a unit needs, as far as it can be told: KG = { to = "kg", factor = 1 }
    for a known unit written otherwise, else its `to` and `factor` left to fill in."""
    key = name if _BARE_KEY.fullmatch(name) else json.dumps(name, ensure_ascii=False)
    known = name.lower() if name.lower() in UNITS else None
    if known is not None:
        return f'{key} = {{ to = "{known}", factor = 1 }}'
    return f'{key} = {{ to = "…", factor = … }} (to: one of {", ".join(sorted(UNITS))})'


def _filled(template: Any, cells: dict[str, str]) -> tuple[list[str], str]:
    """The source columns a template names ({WERKS}-{LGORT}: WERKS, LGORT), and the template
    filled with their cells."""
    names = [f for _, f, _, _ in string.Formatter().parse(str(template)) if f]
    return names, str(template).format(**{n: cells.get(n, "").strip() for n in names})


def _value(
    mapping: Mapping, kind: Kind, spec: Any, cells: dict[str, str], epoch: datetime = EPOCH_1900
) -> str:
    """One cell of a mapped row, `spec` as _made gives it (a bare name is text copied)."""
    if isinstance(spec, str):
        return cells.get(spec, "")
    if "value" in spec:
        return str(spec["value"])
    if "template" in spec:
        names, joined = _filled(spec["template"], cells)
        if "format" not in spec:
            return joined
        # A date and a time in two columns (SAP's BUDAT and CPUTM): parsed once joined; empty
        # when every column is.
        parts = [cells.get(n, "") for n in names]
        if not any(part.strip() for part in parts):
            return ""
        moment = _stored_moment(parts) or _moment(" + ".join(names), joined, spec["format"],
                                                  epoch)  # fmt: skip
        return moment.isoformat()
    if "column" not in spec:  # { unit = "MEINS" }: the canonical unit of a unit column
        text = cells.get(spec["unit"], "")
        return _unit(mapping, spec["unit"], text).to if text.strip() else ""
    column = spec["column"]
    text = cells.get(column, "")
    if not text.strip():
        return ""
    if "format" in spec:
        moment = _moment(column, text, spec["format"], epoch)
        return moment.isoformat()
    if "unit" in spec:
        unit_text = cells.get(spec["unit"], "")
        amount = _converted(mapping, column, text, spec["unit"], unit_text)
        return repr(_signed(spec, cells, amount))
    if "map" in spec:  # source codes to canonical values, e.g. MTART ROH -> raw
        if text.strip() in spec["map"]:
            return str(spec["map"][text.strip()])
        if spec.get("unmapped") == "keep":  # free text: the words it knows, the rest as written
            return text
        raise _CellProblem(column, text, f"no mapping for {text.strip()!r} in {column}")
    if kind in _NUMERIC:
        return repr(_signed(spec, cells, _number(mapping, column, text)))
    return text


_NUMERIC = (Kind.QUANTITY, Kind.SIGNED_QUANTITY, Kind.NUMBER)


def _signed(spec: dict[str, Any], cells: dict[str, str], amount: float) -> float:
    """The amount, negated where the spec's `negate` conditions hold."""
    negate = spec.get("negate")
    return -amount if negate and amount and _all_hold(negate, cells) else amount


def _source_columns(spec: Any) -> set[str]:
    """The source columns one `[file.columns]` entry reads."""
    if isinstance(spec, str):
        return {spec}
    names = {str(spec[key]) for key in ("column", "unit") if key in spec}
    names |= {condition.column for condition in spec.get("negate", ())}
    if "template" in spec:
        names |= set(_filled(spec["template"], {})[0])
    return names


# A process parameter under a decimal comma, 180,5, or 1.234,5 with its thousands grouped by
# '.': a number like validation's `180.5`. Only these shapes (no leading zero before digits, no
# leading '+': a telephone stays text, see validate._NUMBER), each with SAP's trailing minus
# (18,5- is -18.5): an extra column may hold codes.
_EXTRA_DECIMAL_COMMA = re.compile(r"-?(?:0|[1-9]\d*|[1-9]\d{0,2}(?:\.\d{3})+),\d+")
# 1.234 without a comma stays text: a thousands-grouped 1234, or 1.234 typed by hand with a dot
# (a measured 2.125 mm read 2125 is worse than text; validation's canonical `;` files keep it as
# text too). A whole number with SAP's trailing minus (5-) is an inspection's -5, as a
# quantity's; an extra column's 5- may be a code.
_WHOLE = re.compile(r"0|[1-9]\d*")


# How _extra treats a made value: as made, as text, or a decimal comma read (180,5; 1.234,5) —
# an inspection's value also a whole number with a trailing minus (5-)
_AS_MADE, _AS_TEXT, _COMMA, _MEASURE_COMMA = "", "text", "comma", "measure comma"


def _extra_how(mapping: Mapping, name: str, how: Any, kind: Kind = Kind.TEXT) -> str:
    """How an extra (x_) column's or an inspection's value's (Kind.MEASURE) text cells are
    kept under a decimal-comma mapping: 180,5 becomes 180.5, so that validation keeps it as a
    number (oven_temp_c > 180 in a query; a QALS MESSWERT 98,8 stayed the text "98,8", which
    `rootcause --inspections` could not rank); 1.250, which validation would read as 1.25,
    stays text — in such an export it is 1250 or a code. Converted amounts and constants are
    left as they are; `text = true` keeps the text."""
    if isinstance(how, dict) and how.get("text"):
        return _AS_TEXT  # a document number (SAP's MBLNR) is no amount: 4900000001.0
    if mapping.decimal != "," or not (name.startswith("x_") or kind is Kind.MEASURE):
        return _AS_MADE
    # `x_temp = { column = "TEMP" }` is `x_temp = "TEMP"`: it kept 1.250 for validation, which
    # read it as 1.25
    if not isinstance(how, str) and set(how) != {"column"}:
        return _AS_MADE
    return _MEASURE_COMMA if kind is Kind.MEASURE else _COMMA


def _extra(how: str, value: str) -> str:
    """A made value as _extra_how says to keep it; a cell stored as a number is left as it is."""
    if how == _AS_TEXT:
        return PlainText(value)
    if how not in (_COMMA, _MEASURE_COMMA) or isinstance(value, StoredValue):
        return value
    stripped = value.strip()
    # SAP writes -18.5 as "18,5-"
    negative = len(stripped) > 1 and stripped.endswith("-") and stripped[0] not in "+-"
    number = stripped[:-1] if negative else stripped
    if _EXTRA_DECIMAL_COMMA.fullmatch(number) or (
        negative and how == _MEASURE_COMMA and _WHOLE.fullmatch(number)
    ):
        return "-" * negative + number.replace(".", "").replace(",", ".")
    return PlainText(value) if "." in value else value


def _kind(column: Column | None) -> Kind:
    """Extra (x_) columns are text until validation decides they look like numbers."""
    return column.kind if column is not None else Kind.TEXT


@dataclass(frozen=True)
class _Made:
    """How a section makes one of its columns, decided once per section: it was decided again
    for every cell (the table's column looked up, a dict per number cell, a set per extra)."""

    name: str  # as the section names it (x_ for an extra column)
    label: str  # as the table's rows name it, in a reject's `SOURCE (label)`
    kind: Kind
    spec: Any  # a source column's name (its text copied), else a { … } entry
    extra: str  # how _extra keeps the made value
    # the source cells whose spreadsheet error (#REF!) leaves an extra column empty
    errors: tuple[str, ...] = ()
    # an id joined by a template: its source columns, whose number cells (a Parquet int, an
    # XLSX number 42 typed 0042) may have lost their leading zeros (MappedFile.joined_number)
    joined: tuple[str, ...] = ()


def _made(mapping: Mapping, rule: FileRule, spreadsheet: bool) -> tuple[_Made, ...]:
    """How `rule` makes each of its columns."""
    table = TABLES[rule.table]
    made = []
    for name, how in rule.columns.items():
        kind = _kind(table.column(name))
        # a number copied from its column is read as { column = … } reads it, in the mapping's
        # notation: `quantity = "Menge"` read 1.250 under a decimal comma as 1.25 (validation's
        # notation), and rejected 2,5
        spec = {"column": how} if isinstance(how, str) and kind in _NUMERIC else how
        extra = name.startswith("x_") and spreadsheet
        joined = kind is Kind.ID and isinstance(how, dict) and "template" in how
        made.append(_Made(name, name.removeprefix("x_"), kind, spec,
                          _extra_how(mapping, name, how, kind),
                          tuple(sorted(_source_columns(how))) if extra else (),
                          _joined_bare(how["template"]) if joined else ()))  # fmt: skip
    return tuple(made)


def _joined_bare(template: Any) -> tuple[str, ...]:
    """The source columns a template joins as they are: `{LGORT:0>4}` pads its number back to
    four digits, and is no id whose leading zeros a number cell lost."""
    return tuple(f for _, f, spec, _ in string.Formatter().parse(str(template)) if f and not spec)


def _made_row(
    mapping: Mapping,
    made: tuple[_Made, ...],
    cells: dict[str, str],
    epoch: datetime,
    texts: dict[str, str],
) -> dict[str, str]:
    """A source row's cells as the section's columns, named as the table names them (`x_` taken
    off an extra's). A cell it cannot convert is named by its source column and the column it
    fills, `Menge (quantity)`, as validation's rejects of a mapped row are
    (MappedFile.in_source_terms). A made text equal to an earlier one is that one (`texts`);
    a cell of another type (a number cell, PlainText) is kept as it is."""
    row = {}
    for each in made:
        if each.errors and any(isinstance(cells.get(s), SpreadsheetError) for s in each.errors):
            row[each.label] = ""
            continue
        try:
            value = _extra(each.extra, _value(mapping, each.kind, each.spec, cells, epoch))
            row[each.label] = texts.setdefault(value, value) if type(value) is str else value
        except _CellProblem as problem:
            raise _CellProblem(f"{problem.column} ({each.label})", problem.value,
                               problem.reason, problem.column) from None  # fmt: skip
    return row


@dataclass
class MappedFile:
    """What one source file became through a mapping."""

    tables: list[tuple[str, RawTable]]  # (canonical table, its rows), one per section
    rejects: list[tuple[str, Reject]]  # (canonical table, reject)
    untaken: Counter[str] = field(default_factory=Counter)  # rows no section took, by values
    notes: list[str] = field(default_factory=list)  # rows summed into others (combine)
    # the source file's rows and the sections that read them, for rejects in its terms
    source: RawTable | None = None
    rules: list[FileRule] = field(default_factory=list)
    _cells: dict[int, dict[str, str]] | None = None  # source rows by line, made at a reject
    # per (table, column) an id a template joined from number cells: their count, the source
    # columns that held them, and the first (number, id): noted as a number id column is
    joined_numbers: Counter[tuple[str, str]] = field(default_factory=Counter)
    joined_columns: dict[tuple[str, str], dict[str, None]] = field(default_factory=dict)
    joined_example: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def joined_number(self, table: str, made: _Made, cells: dict[str, str], value: str) -> None:
        """Count the id `value` a template joined if one of its source cells is a number cell
        (`{WERKS}-{LGORT}` of LGORT 42, typed 0042): it went unnoted, where a number id column
        read alone is noted (validate's number_ids)."""
        # a number of 16 digits or more (LongNumber) too: its last digits may be lost as well
        numbers = [c for c in made.joined if type(cells.get(c)) in (StoredNumber, LongNumber)]
        if not numbers:
            return
        key = (table, made.label)
        self.joined_numbers[key] += 1
        self.joined_columns.setdefault(key, {}).update(dict.fromkeys(numbers))
        self.joined_example.setdefault(key, (f"{numbers[0]} {cells[numbers[0]]}", value))

    def joined_notes(self, raw: RawTable) -> list[str]:
        """The notes on ids templates joined from number cells, one per table and column."""
        where = f"{raw.path} (sheet {raw.sheet!r})" if raw.sheet else str(raw.path)
        notes = []
        for (table, column), count in self.joined_numbers.items():
            columns = ", ".join(self.joined_columns[(table, column)])
            cell, value = self.joined_example[(table, column)]
            notes.append(
                f"{where}: {counted(count, f'{table}.{column} id')} {were(count)} joined by a "
                f"template from number cells ({columns}; as {cell} in {value}), read as the "
                f"numbers' digits: leading zeros may have been lost — {number_ids_hint(raw.path)}"
            )
        return notes

    def in_source_terms(self, table: str, reject: Reject) -> Reject:
        """Validation's reject of a mapped row of `table` as the reject file has it, made once:
        with its sheet and table, and as the source file has it — `MENGE (quantity)` and the
        cell as written, `-10,000` — not the canonical column and the converted value (-10.0),
        which no line of the file holds: the source is what the user mends. The canonical
        column and value when no one source cell made the value (a constant, a quantity summed
        by combine)."""
        column, value, reason = reject.column, reject.value, reject.reason
        source = None if self.source is None else self._made_from(self.source, table, reject)
        if source is not None:
            names, value = source
            column = f"{' + '.join(names)} ({reject.column})"
            reason += self._merged(reject.line, names)
        sheet = "" if self.source is None else self.source.sheet
        return Reject(reject.file, reject.line, column, value, reason, sheet, table)

    def _merged(self, line: int, names: list[str]) -> str:
        """The merged range a reject on `line` names, if the cell of one of the source columns
        `names` is empty and part of one (its value in the range's first cell only): a mapped
        file's rejects were "required value is empty" without a word of it."""
        if self.source is None or not self.source.merged or self._cells is None:
            return ""
        cells = self._cells.get(line, {})
        return merged_hint(self.source, line, [n for n in names if not cells.get(n, "").strip()])

    def _made_from(
        self, source: RawTable, table: str, reject: Reject
    ) -> tuple[list[str], str] | None:
        """The source column(s) and text that made the rejected value, if one cell did."""
        if self._cells is None:  # only a file with rejects pays for the index
            self._cells = dict(source.rows)
        cells = self._cells.get(reject.line)
        rule = None if cells is None else next(
            (r for r in self.rules if r.table == table and r.takes(cells)), None
        )  # fmt: skip
        how = None if rule is None else rule.columns.get(
            reject.column, rule.columns.get(f"x_{reject.column}")
        )  # fmt: skip
        if cells is None or rule is None or how is None:
            return None
        if rule.combine and reject.column == "quantity":
            return None
        return _source_cell(how, cells)

    def untaken_note(self, path: Path | str) -> str | None:
        """The rows no section's `where` took, counted by what their `where` columns hold."""
        if not self.untaken:
            return None
        kinds = ", ".join(f"{values} ×{n:,}" for values, n in self.untaken.most_common(5))
        more = len(self.untaken) - 5
        kinds += f" and {more:,} more kinds" if more > 0 else ""
        if self.source is not None and self.source.sheet:
            path = f"{path} (sheet {self.source.sheet!r})"
        return (
            f"{path}: {counted(self.untaken.total(), 'row')} that no [[file]] section's `where` "
            f"takes {were(self.untaken.total())} not imported ({kinds})"
        )


def _source_cell(how: Any, cells: dict[str, str]) -> tuple[list[str], str] | None:
    """The source column(s) one `[file.columns]` entry converts and the text it converts, as
    written; None for a constant."""
    if isinstance(how, str):
        return [how], cells.get(how, "")
    if "template" in how:  # as _value joins them
        return _filled(how["template"], cells)
    column = how.get("column", how.get("unit"))  # { unit = "MEINS" }: the unit column's
    return None if column is None else ([column], cells.get(column, ""))


def _no_cell_error(columns: list[str], cells: dict[str, str]) -> None:
    """A spreadsheet error (#REF!) or an unreadable Parquet cell (a date beyond year 9999, inf,
    bytes that are not text) in one of `columns`, the ones a section reads: its row rejected."""
    for column in columns:
        cell = cells.get(column)
        if isinstance(cell, SpreadsheetError):
            raise _CellProblem(column, cell, cell.REASON)
        if isinstance(cell, UnreadableCell):
            raise _CellProblem(column, cell, cell.reason)


def apply_mapping(
    mapping: Mapping, raw: RawTable, rules: list[FileRule] | None = None
) -> MappedFile:
    """The canonical tables made from one source file (or one sheet of it: `rules`, the
    sections that read that sheet), its rejects and the rows not taken. Times without an
    offset stay without one: validation reads them in the run's timezone."""
    rules = mapping.rules_for(raw.path) if rules is None else rules
    epoch = EPOCH_1904 if raw.date1904 else EPOCH_1900
    in_header = _the_header(raw)
    result = MappedFile([], [], source=raw, rules=list(rules))
    # A row with more cells than the header (its cells are shifted) or one that swallowed the
    # rows below it: no section can be trusted to take or leave it. Rejected once, for the
    # first section's table.
    # A Parquet cell no value can be read from rejects its row only for a section that reads
    # its column (_no_cell_error): a hash or "valid to" no rule maps rejected every row.
    broken = {line: problem for line, cells in raw.rows
              if (problem := row_problem(cells, unreadable=False)) is not None}  # fmt: skip
    taken = set(broken)
    for line, problem in broken.items() if rules else ():
        result.rejects.append((rules[0].table, Reject(str(raw.path), line, *problem,
                                                      raw.sheet, rules[0].table)))  # fmt: skip
    rejected_whole: set[str] = set()  # tables whose rows are all rejected (an unclear `where`)
    # one str per distinct made text (a step's times and quantities on each of its rows, in
    # each section that reads them), as the reader shares the cells'
    texts: dict[str, str] = {}
    for rule in rules:
        rows: list[tuple[int, dict[str, str]]] = []
        # A source column named twice, which this table reads: which one is meant? Not guessed
        # (columns named twice that it does not read are no concern of it). Nor are the rows
        # meant when a `where` column is named twice or missing (missing, it would read as
        # empty cells): then every row is rejected for this table.
        where = _where_columns(rule)
        ambiguous = sorted(set().union(*map(_source_columns, rule.columns.values()))
                           .intersection(raw.repeated))  # fmt: skip
        unclear = [(c, "appears twice in the header") for c in sorted(where & set(raw.repeated))]
        unclear += [(c, f"(read by `where`) is not in {in_header}{_header_hint(c, raw, rule)}")
                    for c in sorted(where.difference(raw.header))]  # fmt: skip
        # A column the section reads that the file lacks (an export's layout changed) would
        # read as empty cells: a lot without its supplier lot, a quantity not negated.
        missing = sorted(
            (source, name) for name, how in rule.columns.items()
            for source in _source_columns(how) if source not in raw.header
        )  # fmt: skip
        # its reason once, not per row: the hint's close-name search took ~100 µs a row
        missing_reason = "" if not missing else (
            f"column '{missing[0][0]}' (read for {missing[0][1]}) is not in "
            f"{in_header}{_header_hint(missing[0][0], raw, rule)}"
        )  # fmt: skip
        # Cells of a spreadsheet stored as errors (#REF!, #N/A): in a column the section reads
        # for a canonical column or in `where`, they reject the row; an extra (x_) column made
        # from one is left out. A Parquet cell that cannot be read (UnreadableCell) rejects it
        # in any column the section reads, and in no other.
        spreadsheet = raw.encoding == "xlsx"
        parquet = raw.encoding == "parquet"
        read = sorted(
            {source for name, how in rule.columns.items() if parquet or not name.startswith("x_")
             for source in _source_columns(how)} if spreadsheet or parquet else ()
        )  # fmt: skip
        selecting = sorted(where) if spreadsheet or parquet else []
        made = _made(mapping, rule, spreadsheet)
        joining = [each for each in made if each.joined] if spreadsheet or parquet else []
        # Each row once per table, however many of the table's sections cannot tell.
        repeat = bool(unclear) and rule.table in rejected_whole
        if unclear:
            rejected_whole.add(rule.table)
        for line, cells in [] if repeat else raw.rows:
            if line in broken:
                continue
            try:
                if unclear:
                    raise _CellProblem(unclear[0][0], "",
                                       f"column '{unclear[0][0]}' {unclear[0][1]}",
                                       header=True)  # fmt: skip
                _no_cell_error(selecting, cells)  # which rows `where` takes: not known
                if not rule.takes(cells):
                    continue
                taken.add(line)
                _no_cell_error(read, cells)
                if ambiguous:
                    raise _CellProblem(ambiguous[0], "", f"column '{ambiguous[0]}' appears twice "
                                       f"in {in_header}", header=True)  # fmt: skip
                if missing_reason:
                    raise _CellProblem(missing[0][0], "", missing_reason, header=True)
                rows.append((line, _made_row(mapping, made, cells, epoch, texts)))
                for each in joining:
                    result.joined_number(rule.table, each, cells, rows[-1][1][each.label])
            except _CellProblem as problem:
                taken.add(line)
                # an empty cell of a merged range (a unit merged over rows): to unmerge; not for
                # the header's problems (a column named twice), which unmerging does not mend
                empty = not (problem.header or problem.value.strip())
                merged = merged_hint(raw, line, [problem.source]) if empty else ""
                reject = Reject(str(raw.path), line, problem.column, problem.value[:200],
                                problem.reason + merged, raw.sheet, rule.table)  # fmt: skip
                result.rejects.append((rule.table, reject))
        if rule.combine:
            rows = _summed(rule.table, rows, raw, result)
        # the rows are made under the table's names (_made_row): a renamed copy of every row
        # was a second copy of the section's rows at once
        result.tables.append((
            rule.table,
            RawTable(raw.path, tuple(each.label for each in made), rows, raw.encoding,
                     raw.notes, sheet=raw.sheet, summed=rule.combine),
        ))  # fmt: skip
    result.notes += result.joined_notes(raw)
    if rules and len(taken) < len(raw.rows):
        columns = sorted({c.column for rule in rules for c in rule.where})
        for line, cells in raw.rows:
            if line not in taken:
                result.untaken[" ".join(f"{c}={cells.get(c, '').strip()!r}" for c in columns)] += 1
    return result


def _summed(
    table: str, rows: list[tuple[int, dict[str, str]]], raw: RawTable, result: MappedFile
) -> list[tuple[int, dict[str, str]]]:
    """Rows naming one link (the same step or shipment and lot) as one row, on the first one's
    line, whose quantity is their sum: an ERP posts a batch's issue to an order in parts and
    takes wrong postings back (a 262 reversal against a 261 issue). Summed as decimals, and a
    sum within a billionth of its parts' size is nothing (0.1 + 0.2 - 0.3, or grams converted
    to kg): a link whose parts cancel out is not written (the notes count them). A row in
    another unit than the first is rejected. Rows whose quantity is no number or whose link is
    incomplete are left to validation. Only this file's rows are summed: a link's parts in
    other files or imports replace each other (see importers/README.md)."""
    key = TABLES[table].key
    path, sheet = raw.path, raw.sheet
    # per link: the first row's line, that row, the sum so far and the sum of sizes
    first: dict[tuple[str, ...], tuple[int, dict[str, str], Decimal, Decimal]] = {}
    kept: list[tuple[int, dict[str, str]]] = []
    summed = 0
    for line, row in rows:
        link = tuple(normal_id(row.get(column, "")) for column in key)  # as validation keys it
        try:
            amount = Decimal(row.get("quantity", "").strip())
        except ArithmeticError:
            amount = Decimal("NaN")
        if not all(link) or not amount.is_finite():
            kept.append((line, row))
        elif link not in first:
            first[link] = (line, row, amount, abs(amount))
            kept.append((line, row))
        elif row.get("uom", "").strip() != first[link][1].get("uom", "").strip():
            reason = (f"another unit than line {first[link][0]}, whose quantity this row would "
                      "add to (combine = \"sum\")")  # fmt: skip
            result.rejects.append((table, Reject(str(path), line, "uom", row.get("uom", ""),
                                                 reason, sheet, table)))  # fmt: skip
        else:
            at, total, amounts, sizes = first[link]
            first[link] = (at, total, amounts + amount, sizes + abs(amount))
            summed += 1
    cancelled = set()
    for line, total, amounts, sizes in first.values():
        # parts of both signs (amounts below sizes) may cancel out; a lone 0 is a 0 link
        if amounts != sizes and abs(amounts) <= sizes * Decimal("1e-9"):
            cancelled.add(line)
        else:
            total["quantity"] = repr(float(amounts))
    if summed:
        result.notes.append(
            f"{path}: {counted(summed, f'{table} row')} {were(summed)} added to an earlier row of "
            'the same link (combine = "sum")'
            + (
                f"; {counted(len(cancelled), 'link')} summed to zero {were(len(cancelled))} not "
                "written"
                if cancelled
                else ""
            )
        )
    return [(line, row) for line, row in kept if line not in cancelled]
