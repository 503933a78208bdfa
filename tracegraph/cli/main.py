"""Entry point of the `tracegraph` command."""

from __future__ import annotations

import errno
import os
import select
import sys
from collections.abc import Sequence
from typing import Any

import typer

from tracegraph.cli import db as db_commands
from tracegraph.cli import demo as demo_commands
from tracegraph.cli import lot as lot_commands
from tracegraph.cli import recall as recall_commands
from tracegraph.cli import trace as trace_commands
from tracegraph.cli.check import check_command
from tracegraph.cli.group import HELP_MARKUP, SummaryGroup
from tracegraph.cli.imports import import_command
from tracegraph.cli.ledger import imports_command
from tracegraph.cli.render import print_error, reader_gone
from tracegraph.cli.rootcause import rootcause_command
from tracegraph.errors import TracegraphError

# OS errors that are the machine's state, not a bug: one line and exit 2 (a full disk ended
# `demo generate` as an "unexpected failure", exit 3).
_MACHINE_ERRORS = {
    errno.ENOSPC: "free some space, or write elsewhere; run the command again",
    errno.EDQUOT: "the disk quota is used up: free some space, or write elsewhere",
    errno.EACCES: "check the file's or folder's permissions",
    errno.EPERM: "check the file's or folder's owner and permissions",
    errno.EROFS: "the file system is read-only: write elsewhere",
    # not stdout's (that ends quietly, 141): a FIFO or socket the command writes to
    errno.EPIPE: "the program reading a pipe or FIFO this command writes to closed it before "
    "the end, and what it read is incomplete: check that program, then run the command again",
}


def _stdout_closed() -> bool:
    """Whether stdout is a pipe or socket whose reader has gone (`| head -1`): poll() says
    POLLERR for a pipe's write end with no reader left, POLLHUP for a socket. A broken pipe
    elsewhere (a FIFO given as a file whose reader died) ended the command as quietly, 141,
    with the file cut short and nothing said."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's buffer)
        return False


class TracegraphGroup(SummaryGroup):
    """Turns every TracegraphError into one red line and its exit code: never a traceback."""

    def main(
        self, args: Sequence[str] | None = None, prog_name: str | None = None,
        complete_var: str | None = None, standalone_mode: bool = True,
        windows_expand_args: bool = True, **extra: Any,
    ) -> Any:  # fmt: skip
        """A usage error (an unknown option, a missing argument, a bad choice) is one red line
        too, naming the command's --help: click drew a usage line and a box of four."""
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.TyperException as error:  # click's ClickException, vendored by typer
            context = getattr(error, "ctx", None)
            if type(error).__name__ == "NoArgsIsHelpError":
                pass  # a bare `tracegraph trace`: typer has printed its help, as before
            else:
                command = context.command_path if context is not None else "tracegraph"
                print_error(TracegraphError(
                    error.format_message(), hint=f"`{command} --help` lists what it takes"
                ))  # fmt: skip
            code = getattr(error, "exit_code", 2)
        except typer.Abort:
            print_error(TracegraphError("aborted"))
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TracegraphError as error:
            print_error(error)
            raise typer.Exit(error.exit_code) from None
        except OSError as error:
            if error.errno == errno.EPIPE and _stdout_closed():  # csv and json write to it
                reader_gone()
            if error.errno not in _MACHINE_ERRORS:
                raise  # a bug: run() reports it
            # the machine's, not tracegraph's: a full disk, a folder one may not write
            where = f" ({error.filename})" if error.filename else ""
            print_error(TracegraphError(
                f"{error.strerror}{where}", hint=_MACHINE_ERRORS[error.errno]
            ))  # fmt: skip
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            print_error(TracegraphError("interrupted", hint="a re-run is safe"))
            raise typer.Exit(130) from None


app = typer.Typer(
    rich_markup_mode=HELP_MARKUP,
    cls=TracegraphGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(demo_commands.app, name="demo")
app.command("import")(import_command)
app.command("imports")(imports_command)
app.add_typer(trace_commands.app, name="trace")
app.add_typer(lot_commands.app, name="lot")
app.command("check")(check_command)
app.add_typer(recall_commands.app, name="recall")
app.command("rootcause")(rootcause_command)


def _version(value: bool) -> None:
    if value:
        from tracegraph.revision import version_text

        typer.echo(f"tracegraph {version_text()}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Show the version (and, run from a git checkout, the commit) and exit.",
    ),
) -> None:
    """Lot traceability on Neo4j: where did a lot go, what went into it, whom to call.

    Connection: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD and NEO4J_DATABASE if set, else the
    credentials `tracegraph db up` wrote (in .tracegraph/, or TRACEGRAPH_HOME).
    """


def run() -> None:
    """Console-script entry point."""
    try:
        app()
        return
    except MemoryError:
        # said below, once the exception is gone: its traceback holds the frames that hold
        # what filled the memory (a trace of a whole plant from its 545 salt lots: 4 GB)
        if os.environ.get("TRACEGRAPH_DEBUG"):
            raise
    except Exception as error:  # a bug: still one line, the traceback only on request
        if os.environ.get("TRACEGRAPH_DEBUG"):
            raise
        print_error(
            TracegraphError(
                f"unexpected failure: {type(error).__name__}: {error}",
                hint="run again with TRACEGRAPH_DEBUG=1 for the traceback, and report it",
            )
        )
        sys.exit(3)
    print_error(
        TracegraphError(
            "ran out of memory",
            hint="a trace or recall holds about 6 kB (forward) to 8 kB (backward) per lot it "
            "reaches: trace fewer lots at once (a shorter window, a shorter --lots-file), or run "
            "it where more memory is free",
        )
    )
    sys.exit(2)
