"""`--lots-file FILE`: lots given in a file (or `-`, standard input) beside or instead of the
arguments, for every command that takes a list of lots (rootcause, trace forward/backward,
recall). A long list given through xargs ran as several rankings, each over a share of the
lots, without a word; a file is read whole, in one run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from tracegraph.errors import ConfigurationError
from tracegraph.lots import ids_in_text


def lots_file_option() -> Any:
    return typer.Option(
        None,
        "--lots-file",
        help="Also the lots listed in this file (`-`: standard input): one per line, or "
        "separated by commas, semicolons or whitespace; blank lines and lines beginning with # "
        "are left out, and a UTF-8 byte order mark (Excel's CSV UTF-8) is stripped. Ids are read "
        "as the import stores them: full-width letters, digits and commas as ASCII.",
    )


def given_lots(lots: list[str] | None, path: Path | None, command: str | None = None) -> list[str]:
    """The lots given as arguments, then those the file lists. With neither, the line click
    gives for a missing argument, when `command` needs lots (recall can take a window)."""
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
    ids = ids_in_text(text)
    if not ids:
        raise ConfigurationError(
            f"--lots-file {name} lists no lot (only blank lines or # comments)",
            hint="one lot id per line, or separated by commas",
        )
    return ids
