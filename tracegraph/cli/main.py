"""Entry point of the `tracegraph` command."""

from __future__ import annotations

import errno
import io
import os
import select
import sys
from collections.abc import Sequence
from typing import Any

# Ctrl-C while the commands load (2.5-3.7 s on a loaded host: typer, the Neo4j driver) printed
# a 19-line traceback: the console script imports this module before run() is called.
try:
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
    from tracegraph.cli.render import EXIT_CLOSED_PIPE, print_error, reader_gone, utf8_streams
    from tracegraph.cli.rootcause import rootcause_command
    from tracegraph.errors import MACHINE_ERRORS, TracegraphError, interrupted_by
except KeyboardInterrupt:
    sys.stderr.write("error: interrupted (hint: a re-run is safe)\n")
    raise SystemExit(130) from None


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


def _stdout_stat() -> os.stat_result | None:
    try:
        return os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # a test's buffer
        return None


def _reader_went_away(before: os.stat_result | None) -> bool:
    """Whether click's or rich's exit 1 was stdout's reader going away (`tracegraph --version |
    head -0`, `import --help | (sleep 1; head -1)`): click exits 1 on EPIPE and leaves the pipe
    as it is, rich points stdout at /dev/null first. README promises 141 there."""
    if _stdout_closed():
        return True
    now = _stdout_stat()
    null = os.stat(os.devnull)
    return (before is not None and now is not None and os.path.samestat(now, null)
            and not os.path.samestat(before, null))  # fmt: skip


def _interruption() -> typer.Exit:
    print_error(TracegraphError("interrupted", hint="a re-run is safe"))
    return typer.Exit(130)


class TracegraphGroup(SummaryGroup):
    """Turns every TracegraphError into one red line and its exit code: never a traceback."""

    def main(
        self, args: Sequence[str] | None = None, prog_name: str | None = None,
        complete_var: str | None = None, standalone_mode: bool = True,
        windows_expand_args: bool = True, **extra: Any,
    ) -> Any:  # fmt: skip
        """A usage error (an unknown option, a missing argument, a bad choice) is one red line
        too, naming the command's --help: click drew a usage line and a box of four."""
        before = _stdout_stat()
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except SystemExit as done:
            if done.code == 1 and _reader_went_away(before):  # --help, --version
                raise SystemExit(EXIT_CLOSED_PIPE) from None
            raise
        except typer.TyperException as error:  # click's ClickException, vendored by typer
            context = getattr(error, "ctx", None)
            if type(error).__name__ == "NoArgsIsHelpError":
                pass  # a bare `tracegraph trace`: typer has printed its help, as before
            else:
                command = (context.command_path if context is not None
                           else self._named(sys.argv[1:] if args is None else args))  # fmt: skip
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

    def _named(self, args: Sequence[str]) -> str:
        """The command `args` name, for an error raised without its context (`import
        --dry-run=true`: "does not take a value", whose hint named `tracegraph --help`)."""
        words: list[str] = ["tracegraph"]
        command: Any = self
        for word in args:
            command = getattr(command, "commands", {}).get(word)
            if command is None:
                break
            words.append(word)
        return " ".join(words)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TracegraphError as error:
            if interrupted_by(error):
                raise _interruption() from None
            print_error(error)
            raise typer.Exit(error.exit_code) from None
        except OSError as error:
            if error.errno == errno.EPIPE and _stdout_closed():  # csv and json write to it
                reader_gone()
            if error.errno not in MACHINE_ERRORS:
                raise  # a bug: run() reports it
            # the machine's, not tracegraph's: a full disk, a folder one may not write
            where = f" ({error.filename})" if error.filename else ""
            print_error(TracegraphError(
                f"{error.strerror}{where}", hint=MACHINE_ERRORS[error.errno]
            ))  # fmt: skip
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            raise _interruption() from None
        except (typer.Exit, typer.Abort):
            raise  # its exit code is decided, what it had to say said
        except Exception as error:
            if interrupted_by(error):
                raise _interruption() from None
            raise  # a bug: run() reports it


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
    utf8_streams()
    try:
        app()
        return
    except KeyboardInterrupt:  # outside a command (reading its options)
        sys.exit(_interruption().exit_code)
    except MemoryError:
        # said below, once the exception is gone: its traceback holds the frames that hold
        # what filled the memory (a trace of a whole plant from its 545 salt lots: 4 GB)
        if os.environ.get("TRACEGRAPH_DEBUG"):
            raise
    except Exception as error:  # a bug: still one line, the traceback only on request
        if interrupted_by(error):
            sys.exit(_interruption().exit_code)
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
