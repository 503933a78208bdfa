"""`--lots-file FILE`: lots given in a file (or `-`, standard input) beside or instead of the
arguments, for every command that takes a list of lots (rootcause, trace forward/backward,
recall). A long list given through xargs ran as several rankings, each over a share of the
lots, without a word; a file is read whole, in one run."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import typer

from tracegraph.errors import ConfigurationError
from tracegraph.idtext import normal_id
from tracegraph.lots import ID_LINES, LINE_BREAKS, ids_by_line, ids_in_text
from tracegraph.values import spreadsheet_safe


def lots_file_option() -> Any:
    return typer.Option(
        None,
        "--lots-file",
        help="Also the lots listed in this file (`-`: standard input): one per line, or "
        "separated by commas, semicolons or whitespace; blank lines and lines beginning with # "
        "are left out, and a UTF-8 byte order mark (Excel's CSV UTF-8) is stripped. A table with "
        "a `lot_id` column in its header (tracegraph's own CSVs) gives that column. Ids are read "
        "as the import stores them: full-width letters, digits and commas as ASCII.",
    )


def given_lots(lots: list[str] | None, path: Path | None, command: str | None = None) -> list[str]:
    """The lots given as arguments, then those the file lists. With neither, the line click
    gives for a missing argument, when `command` needs lots (recall can take a window)."""
    ID_LINES.set(None)  # the lines of this command's file alone (tests run many in a process)
    ids = [*(lots or []), *read_lots_file(path)]
    if not ids and command:
        raise ConfigurationError("Missing argument 'lots' (or --lots-file).",
                                 hint=f"`{command} --help` lists what it takes")  # fmt: skip
    return ids


def read_lots_file(path: Path | None) -> list[str]:
    """The ids the file lists ([] without a file); a file that cannot be read, is not UTF-8
    or lists no id is refused (exit 2) rather than ranked as fewer lots."""
    if path is None:
        return []
    name = "standard input" if str(path) == "-" else str(path)
    try:
        # bytes, decoded here: standard input too is read as UTF-8 whatever the locale says
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigurationError(
            f"--lots-file {name} is not UTF-8 text",
            hint="save it as UTF-8 (Excel: CSV UTF-8), one lot id per line",
        ) from None
    except OSError as error:
        raise ConfigurationError(
            f"cannot read --lots-file {name}: {error.strerror or error}",
            hint="give a text file of lot ids, one per line",
        ) from None
    ids = _lot_id_column(text)
    if ids is None:  # a plain list: an unknown id is named with its line
        by_line = ids_by_line(text)
        ids = [i for _, i in by_line]
        lines = {}
        for number, i in reversed(by_line):  # an id given twice: its first line
            lines[normal_id(i)] = f"{name} line {number}"
        ID_LINES.set(lines)
    if not ids:
        raise ConfigurationError(
            f"--lots-file {name} lists no lot (only blank lines or # comments)",
            hint="one lot id per line, or separated by commas",
        )
    return ids


def _lot_id_column(text: str) -> list[str] | None:
    """The `lot_id` column's ids when the file is a table whose header names it (tracegraph's
    own stock.csv and --format csv output, a canonical lots.csv), each once in the order first
    given; None for a plain list. `cut -d, -f1 stock.csv` fed its header to a trace as a lot,
    "no lot is known as 'lot_id'", and a whole stock.csv made lots of its quantities and units.
    A header of `lot_id` alone heads a plain list (`L1, L2` on a line are two lots); a quoted
    header cell may hold the separator; the quote our CSVs put before an id a spreadsheet would
    run as a formula (`'=A1`) is taken off."""
    lines = [line for line in LINE_BREAKS.split(text)
             if line.strip() and not line.lstrip().startswith("#")]  # fmt: skip
    if not lines:
        return None
    for delimiter in (",", ";", "\t"):
        names = [n.strip().lower() for n in next(csv.reader([lines[0]], delimiter=delimiter))]
        if "lot_id" in names:
            break
    else:
        return None
    if len(names) == 1:  # a list under a `lot_id` heading: read as lists are
        return ids_in_text("\n".join(lines[1:]))
    column = names.index("lot_id")
    ids: dict[str, None] = {}
    for row in csv.reader(lines[1:], delimiter=delimiter):
        value = row[column].strip() if column < len(row) else ""
        if value.startswith("'") and spreadsheet_safe(value[1:]) == value:
            value = value[1:]
        if value:
            ids.setdefault(normal_id(value), None)
    return list(ids)
