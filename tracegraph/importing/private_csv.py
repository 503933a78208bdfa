"""CSV files of data values an import writes for its user: rejected rows, removed rows."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tracegraph.errors import ConfigurationError
from tracegraph.private_files import private_file


def write_private_csv(path: Path, rows: Iterable[Sequence[Any]], what: str, hint: str) -> Path:
    """`rows` (the header first) as a UTF-8 CSV with a BOM (Excel reads it so), readable by the
    user only; a ConfigurationError naming `what` and `hint` when the disk cannot hold it."""
    # Written beside it, then renamed (private_file): a full disk left a reject file cut off at
    # 64 kB, which read as a complete list of fewer rejects. Readable by the user only, as the
    # credentials file is: a row carries data values (a customer's name, a price); a reject
    # file was written 0644 for anyone on the machine. No chmod: a USB stick's FAT refused the
    # fchmod this made (EPERM) and the night's rejects were not written at all.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with private_file(path, encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows(rows)
    except OSError as exc:  # a full disk, a folder gone since the run began
        raise ConfigurationError(
            f"cannot write {what} {path}: {exc.strerror or exc}", hint=hint
        ) from None
    return path
