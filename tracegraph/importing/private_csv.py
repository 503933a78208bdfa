"""CSV files of data values an import writes for its user: rejected rows, removed rows."""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tracegraph.errors import ConfigurationError


def write_private_csv(path: Path, rows: Iterable[Sequence[Any]], what: str, hint: str) -> Path:
    """`rows` (the header first) as a UTF-8 CSV with a BOM (Excel reads it so), readable by the
    user only; a ConfigurationError naming `what` and `hint` when the disk cannot hold it."""
    # Written beside it, then renamed: a full disk left a reject file cut off at 64 kB, which
    # read as a complete list of fewer rejects.
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by the user only, as the credentials file is: a row carries data values (a
        # customer's name, a price); a reject file was written 0644 for anyone on the machine.
        # O_TRUNC for the partial file a killed run left; fchmod for one it left with 0644.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with open(fd, "w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows(rows)
        os.replace(partial, path)
    except OSError as exc:  # a full disk, a folder gone since the run began
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise ConfigurationError(
            f"cannot write {what} {path}: {exc.strerror or exc}", hint=hint
        ) from None
    return path
