"""The command groups' help: each subcommand listed with its summary on one line of text."""

from __future__ import annotations

import inspect
from typing import Any

from typer.core import MarkupMode, TyperGroup

# Every Typer app here renders help as Markdown: in Typer's default "rich" mode each line break
# of a docstring stays a line break, so a command's help came out wrapped twice — at the source's
# width and again at the terminal's ("rejected (they are in the" / "reject file with …").
HELP_MARKUP: MarkupMode = "markdown"


class SummaryGroup(TyperGroup):
    """Lists each subcommand with the first paragraph of its help as running text. Typer's rich
    help keeps that paragraph's line breaks in the list, so the docstrings' wrapping cut the
    summaries mid-sentence (`tracegraph --help`: "shipped or consumed before they existed,"
    then a new line)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        for command in self.commands.values():
            if command.short_help is None and command.help:
                first = inspect.cleandoc(command.help).split("\n\n")[0]
                command.short_help = " ".join(first.split())
        super().format_help(ctx, formatter)
