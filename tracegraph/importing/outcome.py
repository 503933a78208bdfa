"""How an import ended, for whoever was not watching it: the exit code, what it means, and the
JSON summary file a monitoring job reads (`tracegraph import --summary-file PATH`).

A nightly import run by cron or systemd is read the next morning: the cron mail (often stderr
only) or a monitoring job. Both need the run id, the counts and the exit code's meaning in one
place, whether the import completed, rejected rows, failed or was interrupted.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracegraph.errors import (
    MACHINE_ERRORS,
    ConfigurationError,
    TracegraphError,
    interrupted_by,
)
from tracegraph.private_files import write_private_text
from tracegraph.values import json_text

if TYPE_CHECKING:  # run.py stores the outcome on the ledger entry: it imports this module
    from tracegraph.importing.run import ImportSummary

# The import's exit codes (see `tracegraph import --help`) and the outcome each one names.
CLEAN, TOO_MANY_REJECTS, FAILED, UNEXPECTED, INTERRUPTED = 0, 1, 2, 3, 130
OUTCOMES = {CLEAN: "clean", TOO_MANY_REJECTS: "too many rejects", FAILED: "failed",
            UNEXPECTED: "failed", INTERRUPTED: "interrupted"}  # fmt: skip
RUNNING = "running"  # what the summary file says while the import runs


def crash_code(error: BaseException) -> int | None:
    """The exit code the entry point gives an error of no TracegraphError (cli.main.run): 2 for
    an OS error that is the machine's (a full disk) and for running out of memory, 130 for one
    raised while Ctrl-C unwound, 3 for a bug — any other OS error too (the tester's EINVAL was
    recorded as null, exit code unknown, then exited 3; a MemoryError was recorded as 3 and
    exited 2). None for a broken pipe, which ends the command quietly (141) when it is stdout's,
    else 2: decided only there."""
    if interrupted_by(error):
        return INTERRUPTED
    if isinstance(error, MemoryError):
        return FAILED
    if isinstance(error, OSError) and error.errno in MACHINE_ERRORS:
        return None if error.errno == errno.EPIPE else FAILED
    return UNEXPECTED


def exit_code(summary: ImportSummary, max_rejects: int) -> int:
    """0 when at most `max_rejects` rows were rejected and every file could be read, else 1;
    a dry run --full whose removals the import would refuse 2, the import's code (its refusal
    outranks rejects). A file that cannot be read is one reject (line 0) for all its rows:
    counted as one row, `--max-rejects 5` let a lost file of 1,000 rows through as clean."""
    if summary.refused is not None:
        return FAILED
    return TOO_MANY_REJECTS if unread_files(summary) or summary.rejected > max_rejects else CLEAN


def unread_files(summary: ImportSummary) -> int:
    """How many files the import could not read at all (each one reject, on line 0)."""
    return sum(1 for reject in summary.rejects if reject.line == 0)


def started_record(run_id: str, files: list[str]) -> dict[str, Any]:
    """The summary file while the run goes on: a run killed outright (kill -9, a power cut)
    leaves it saying running under its run id — never the night before's outcome, which a
    monitoring job would take for tonight's. `tracegraph imports RUN` says whether it still
    runs."""
    return {"run_id": run_id, "outcome": RUNNING, "exit_code": None, "files": files,
            "started_at": _now()}  # fmt: skip


def ended_record(
    summary: ImportSummary | None,
    code: int | None,
    *,
    run_id: str | None = None,
    error: TracegraphError | None = None,
) -> dict[str, Any]:
    """The summary file at the end: the import's JSON summary (as `--format json` prints it)
    with its exit code and outcome; for a run that did not complete, its run id (None when it
    failed before it had one: a bad --timezone, no table files) and the error."""
    record = summary.as_dict() if summary is not None else {"run_id": run_id}
    return {
        **record,
        # None: the exit code is not known here (an OSError the entry point judges)
        "outcome": OUTCOMES[FAILED] if code is None else OUTCOMES[code],
        "exit_code": code,
        "ended_at": _now(),
        "error": error.message if error is not None else None,
        "hint": (error.hint or None) if error is not None else None,
    }


def write_summary_file(path: Path, record: dict[str, Any]) -> None:
    """The record as JSON in `path`, readable by its owner only (it names the files, the
    counts and the reject file), replaced whole: a monitoring job never reads half of it."""
    text = json_text(record) + "\n"
    try:
        if path.parent.exists() and not path.parent.is_dir():  # mkdir says "File exists"
            raise NotADirectoryError(0, f"{path.parent} is not a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private_text(path, text)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write the summary file {path}: {exc.strerror or exc}",
            hint="pass --summary-file a file in a folder you can write",
        ) from None


def summary_file_problem(path: Path, files: Sequence[Path]) -> ConfigurationError | None:
    """Why the summary file may not be `path`: it is one of the `files` to import (found as
    the run starts, as the reject file's is: run._writable). `import sf --summary-file
    sf/operators.csv` wrote JSON over the export before reading it, then rejected its 8 lines
    as operators."""
    if path.exists() and not path.is_dir() and any(path.samefile(f) for f in files):
        return ConfigurationError(
            f"the summary file {path} is one of the files to import: it would be written over",
            hint="pass --summary-file a file of another name",
        )
    return None


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
