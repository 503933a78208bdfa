"""Consoles and output formats. Results go to stdout, messages and errors to stderr."""

from __future__ import annotations

import enum
import json
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape

from tracegraph.errors import TracegraphError


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"


def stdout() -> Console:
    # Built per call so that CliRunner's captured streams are the ones written to.
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def stderr() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")


def print_error(error: TracegraphError) -> None:
    """One red line: what went wrong, then what to do about it."""
    line = f"[bold red]error:[/] {escape(error.message)}"
    if error.hint:
        line += f" [dim](hint: {escape(error.hint)})[/]"
    stderr().print(line, overflow="ignore", crop=False)


def note(message: str) -> None:
    stderr().print(escape(message))
