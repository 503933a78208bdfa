"""The command groups' help: each subcommand listed with its summary on one line of text."""

from __future__ import annotations

import inspect
from typing import Any

from typer.core import MarkupMode, TyperArgument, TyperGroup, TyperOption

# Every Typer app here renders help as Markdown: in Typer's default "rich" mode each line break
# of a docstring stays a line break, so a command's help came out wrapped twice — at the source's
# width and again at the terminal's ("rejected (they are in the" / "reject file with …").
HELP_MARKUP: MarkupMode = "markdown"


class _PlainArgument(TyperArgument):
    """An argument as usage lines name it: `PATHS...`, `LOT`, `[RUN]` (typer wrote `{paths}...`,
    `{lot}`, `{DEVICE}`)."""

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        name = self.metavar or (self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return [name + ("..." if self.nargs != 1 and not self.metavar else "")]


def plain_parameters(command: Any, ctx: Any) -> None:
    """A command's help without typer's type after a flag (`--dry-run <bool>`, `--help <bool>`,
    while `--dry-run=true` is refused: "does not take a value"), its arguments plain."""
    for param in command.get_params(ctx):
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""  # shown in place of the type: nothing
        elif type(param) is TyperArgument:
            param.__class__ = _PlainArgument


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
        plain_parameters(self, ctx)
        super().format_help(ctx, formatter)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            plain_parameters(command, ctx)
        return command
