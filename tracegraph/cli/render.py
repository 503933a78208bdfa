"""Consoles and output formats. Results go to stdout, messages and errors to stderr."""

from __future__ import annotations

import codecs
import contextlib
import csv
import enum
import io
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from tracegraph.config import plant_zone
from tracegraph.errors import TracegraphError
from tracegraph.values import json_bytes, json_text, moment, spreadsheet_safe


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"


class ReportFormat(enum.StrEnum):
    """Output of the trace, recall and check commands."""

    table = "table"
    json = "json"
    csv = "csv"


FORMAT_HELP = "table (for people), json (one object) or csv (one row per record)."

# Statuses and results that must catch the eye in a table.
STATUS_STYLE = {"hold": "bold yellow", "rejected": "bold red", "fail": "bold red",
                "recalled": "bold magenta"}  # fmt: skip


# A `[` of the data with the backslashes before it; group 2 is the rest of a tag when Rich
# would read one there (rich.markup.RE_TAGS: a letter, #, / or @, then up to a `]`).
_BRACKET = re.compile(r"(\\*)\[(?=([a-z#/@][^[]*?\])?)")
_TRAILING_BACKSLASHES = re.compile(r"\\+$")
# C0 and C1 control characters and DEL: an ESC in a customer's name (`ESC[2J`, an OSC 52 that
# sets the clipboard) reached the terminal as it is and was obeyed, not shown.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escaped(character: re.Match[str]) -> str:
    """A control character as Python writes it in an error's `{id!r}`: `\\x1b`, `\\n`."""
    return repr(character[0])[1:-1]


def literal(value: Any) -> str:
    r"""Data (a lot id, a customer's contact, a file name, a library's summary line) as console
    markup that shows it as it is, alone or beside our own markup; None as empty text. Data
    goes to a table cell, tree label, title or line through it (or styled), never as it is.

    Rich reads `[red]` in text as a style and `[/]` as a closing tag (a MarkupError), and
    drops the backslash of `\[`. rich.markup.escape covers the tags but not the backslashes:
    `C:\` showed as `C:\\` alone, `C:\\` as `C:\` before a tag of ours, and `x\[1` as `x[1`.
    Control characters (C0, DEL, C1) are written as `\x1b`, `\n`: the terminal obeyed them."""
    text = "" if value is None else str(value)
    if not text.isprintable():  # control characters written out, not sent to the terminal
        text = _CONTROL.sub(_escaped, text)
    if "[" not in text and not text.endswith("\\"):
        return text  # nearly every id

    def bracket(match: re.Match[str]) -> str:
        # Before a tag, 2n+1 backslashes show as n and the tag as text. Before a `[` that is
        # no tag, Rich drops one backslash, so n+1 show as n; the one added to a lone `[`
        # keeps it text should our markup after it end a tag (`[b` and a `]`).
        backslashes = len(match[1])
        return "\\" * (2 * backslashes + 1 if match[2] else backslashes + 1) + "["

    text = _BRACKET.sub(bracket, text)
    # Backslashes at the end would escape whatever tag of ours follows: doubled and ended by an
    # empty tag of their own, they show as they are whatever comes after them.
    return _TRAILING_BACKSLASHES.sub(lambda m: m[0] * 2 + "[b][/b]", text)


def styled(value: Any) -> str:
    """A cell: literal text, coloured when it is a status or result worth seeing."""
    text = literal(value)
    style = STATUS_STYLE.get(str(value))
    return f"[{style}]{text}[/]" if style else text


# A stored time as ISO text with its offset (and the zone name Neo4j may keep after it).
_ZONED_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})(\[[^]]+\])?"
)


def plant_time(value: Any) -> Any:
    """A stored time (ISO text with an offset) as a terminal table shows it: the same instant
    in TRACEGRAPH_TIMEZONE, the plant's zone, with that offset — when the variable is set;
    anything else as it is. Tables showed each time in the offset it was imported with (`LS1 SA
    2026-10-25T00:50:00+00:00` beside `available 2026-10-24T23:00:00-05:00`). JSON and CSV keep
    the stored text."""
    if not isinstance(value, str) or not _ZONED_TIME.fullmatch(value):
        return value
    plant = plant_zone()
    at = moment(value) if plant is not None else None
    return value if plant is None or at is None else at.astimezone(plant[1]).isoformat()


def print_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV on stdout; lists and maps become JSON text in their cell (ids may hold
    spaces), booleans true and false as in JSON.

    Written to a file (`> lots.csv`), it is made for Excel as the recall package's files are:
    a UTF-8 byte order mark first (without it a Chinese-locale Excel read 批次号 as GBK) and
    text that Excel would run as a formula (`=HYPERLINK(…)`, imported as text) quoted. To a pipe
    or a terminal the values go as they are, for the program reading them."""
    written = _stdout_file()
    for_excel = written is not None
    if written is not None and written.st_size == 0:  # `>> all.csv`: one mark, at its start
        sys.stdout.write("\ufeff")
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    # Numbers, None and (but for Excel) text go to the writer as they are: it writes them as
    # _cell would. A wide trace writes a million cells, and a call for each was most of it.
    as_is = _AS_IS if for_excel else _AS_IS | {str}
    for row in rows:
        writer.writerow([value if type(value) in as_is else _cell(value, for_excel)
                         for value in map(row.get, columns)])  # fmt: skip


def _stdout_file() -> os.stat_result | None:
    """The file stdout writes to (its size as written so far), or None for a pipe or a
    terminal."""
    try:
        sys.stdout.flush()
        found = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # a test's captured stdout
        return None
    return found if stat.S_ISREG(found.st_mode) else None


# Values the csv writer writes as _cell would: None empty, numbers as str() — exact types (a
# bool is an int, and the writer writes a float of numpy's as its repr, np.float64(2.5)).
_AS_IS = frozenset({int, float, type(None)})


def _cell(value: Any, for_excel: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # quoted only where the value was text: -3.5 is a number, not a formula
        return spreadsheet_safe(str(value)) if for_excel else str(value)
    if isinstance(value, bool):  # as JSON has them (Python's True read as text elsewhere)
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


# Width of tables written to a pipe or file (`| less`, `> report.txt`) when COLUMNS is not set:
# rich's default of 80 cut ids to "SH00000…" and times to "2026-01-…" there.
PIPED_WIDTH = 200


# The exit code of a command whose reader closed the pipe before it had written everything
# (`tracegraph check | head -1`): 128 + SIGPIPE, what a shell reports for `cat … | head -1`.
# rich and click exit 1 there, which is check's "something was found" and import's "rows were
# rejected", and a table exited 1 where a JSON answer that fitted the pipe exited 0.
EXIT_CLOSED_PIPE = 128 + 13


def reader_gone() -> NoReturn:
    """Stop quietly: the program reading stdout has closed it (`| head`). Nothing is lost that
    anyone reads, so no message; stdout is pointed at /dev/null, or Python's last flush of what
    is still buffered would print "Exception ignored … BrokenPipeError" on stderr."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    raise SystemExit(EXIT_CLOSED_PIPE)


class _Stdout(Console):
    def print(self, *objects: Any, **options: Any) -> None:
        """Never truncated (README), at any width: a table's cells wrap, and a word wider than
        its column (an id, a contact) folds onto the next line instead of ending in `…`; a
        tree's labels wrap under their branch. At COLUMNS=60 `trace backward` showed `qa29@c…`,
        `SH00…`, and cropped `… OVEN-2 (cal 2026-01-05 fail)` to `… OVEN-2 `, its failed
        calibration gone (soft wrapping, for lines the terminal wraps, cut a tree's labels)."""
        for thing in objects:
            if isinstance(thing, Table):
                for column in thing.columns:
                    column.overflow = "fold"
        if any(isinstance(thing, Tree) for thing in objects):
            options.setdefault("soft_wrap", False)
        super().print(*objects, **options)

    def on_broken_pipe(self) -> None:
        self.quiet = True
        reader_gone()


def stdout() -> Console:
    # Built per call so that CliRunner's captured streams are the ones written to. No emoji
    # codes: a customer's `Shop :cat:` is its name (our own text has none).
    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return _Stdout(file=sys.stdout, highlight=False, soft_wrap=True, emoji=False,
                   width=PIPED_WIDTH if piped else None)  # fmt: skip


def stderr() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True, emoji=False)


@contextlib.contextmanager
def working(what: str) -> Iterator[None]:
    """On an interactive terminal, a spinner on stderr saying what runs and for how long, gone
    when it is done: a recall of a supplier's four months (36,000 lots) sat 78 s on a silent
    terminal before its first line. Without one (a pipe, a nightly job) nothing; the answer is
    printed after it, so the two never share a line."""
    if not sys.stderr.isatty():
        yield
        return
    columns = (SpinnerColumn(), TextColumn(literal(what)), TimeElapsedColumn())
    with Progress(*columns, console=stderr(), transient=True) as spinner:
        spinner.add_task("", total=None)
        yield


def print_json(payload: Any) -> None:
    """`payload` as json_text writes it, and a newline, on stdout: as orjson's bytes when stdout
    writes UTF-8 to a byte stream with no newline translation (a wide trace's text copies of
    its JSON were most of what the CLI held at the end), else as text."""
    written = json_bytes(payload)
    buffer = getattr(sys.stdout, "buffer", None)
    if (written is None or buffer is None or os.linesep != "\n"
            or not _utf8(getattr(sys.stdout, "encoding", None))):  # fmt: skip
        sys.stdout.write((written.decode() if written is not None else json_text(payload)) + "\n")
        return
    sys.stdout.flush()  # what was written as text goes first
    buffer.write(written)
    del written  # the one copy, let go before the newline
    buffer.write(b"\n")
    buffer.flush()


def utf8_streams() -> None:
    """stdout and stderr that write every character. Python writes in the locale's encoding
    (or PYTHONIOENCODING): with latin-1 or ascii, `check > a.txt` ended in exit 3 at the first
    `…`, a CSV at its byte order mark. A file or pipe gets UTF-8 (README's CSV is UTF-8), a
    terminal its own encoding with `?` for what it cannot show (rich draws ASCII boxes)."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or _utf8(stream.encoding):
            continue
        with contextlib.suppress(OSError, ValueError):
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8", errors="strict")


def _utf8(encoding: str | None) -> bool:
    try:
        return encoding is not None and codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def print_error(error: TracegraphError) -> None:
    """One red line: what went wrong, then what to do about it."""
    line = f"[bold red]error:[/] {literal(error.message)}"
    if error.hint:
        line += f" [dim](hint: {literal(error.hint)})[/]"
    stderr().print(line, overflow="ignore", crop=False)


def note(message: str) -> None:
    stderr().print(literal(message))


def warn(message: str, hint: str = "") -> None:
    """One yellow line on stderr: the answer stands but a figure in it is not to be trusted
    as it stands (stdout stays the answer alone, for --format json|csv)."""
    line = f"[bold yellow]warning:[/] {literal(message)}"
    if hint:
        line += f" [dim](hint: {literal(hint)})[/]"
    stderr().print(line, overflow="ignore", crop=False)
