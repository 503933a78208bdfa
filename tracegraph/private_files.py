"""Files that hold users' data — a recall package (customers' contacts), an import's reject,
removed-rows and summary files, the credentials, a trace's picture — written readable by their
user only from the moment they exist.

One way for all of them: a file is created 0600 (mkstemp: O_CREAT|O_EXCL, mode 0600, whatever
the umask) under a new name beside it and renamed onto its name when whole; a folder is made
0700. A recall package was written under the umask (0644 in a 0755 folder) and narrowed by
chmod afterwards: readable by anyone on the machine while it was being written, and a file a
library writes (a workbook) was never created with a mode of ours. The rename also means a
full disk or a kill never leaves a file that looks finished but is cut off.

A USB stick's FAT, some network shares and another user's folder keep no modes (or refuse
chmod): the file is written all the same, and `is_private` says so for the caller's one
warning — a package handed over on a stick is a normal way to send it.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> bool:
    """Make the folder `path` its user's alone: created 0700 (its parents as any folder), or
    narrowed to 0700 when it exists (an empty --out given). False when the file system keeps
    no such mode or refuses it: what is written in it is as readable as that place makes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, FOLDER_MODE)  # the umask can only take bits away: 0700 stays 0700
    if is_private(path):
        return True
    try:
        os.chmod(path, FOLDER_MODE)
    except (PermissionError, NotImplementedError):  # a stick's FAT, another user's folder
        return False
    return is_private(path)


def not_private_notes(path: Path | None, what: str) -> list[str]:
    """The one note for a file written where modes are not kept (a stick's FAT, a share):
    others may read it. None or a private file: no note."""
    if path is None or is_private(path):
        return []
    return [f"{what} {path} is as readable by others as its place makes it (a USB stick's FAT, "
            "a network share keep no permissions): it holds data values"]  # fmt: skip


def is_private(path: Path) -> bool:
    """Neither its group nor others may read, write or enter `path`."""
    return not stat.S_IMODE(os.stat(path).st_mode) & (stat.S_IRWXG | stat.S_IRWXO)


@contextlib.contextmanager
def private_file(
    path: Path, binary: bool = False, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """`path` open for writing, readable by its user only from its first byte: made 0600 under
    a new name beside it (`.NAME.RANDOM.part`: never a leftover of a killed run, which may be
    0644), flushed to the disk and renamed onto `path` once written whole (a power cut after
    the rename finds the whole file, not an empty one under its name); removed if writing it
    fails. The parts a killed writer of `path` left (kill -9 runs no `except`) go first."""
    _remove_stale_parts(path)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        if binary:
            with open(fd, "wb") as raw:
                yield raw
                _to_disk(raw)
        else:
            with open(fd, "w", encoding=encoding, newline=newline) as text:
                yield text
                _to_disk(text)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):  # the error that brought us here is the one to tell
            os.unlink(partial)
        raise


def _to_disk(out: IO[Any]) -> None:
    out.flush()
    os.fsync(out.fileno())


# A part untouched for this long is a killed writer's: a live one writes more often than that
STALE_PART_SECONDS = 24 * 3600
# The name mkstemp gives a part: `.NAME.` and eight of its letters, digits and underscores
_OUR_PART = re.compile(r"\..+\.[a-z0-9_]{8}\.part")


def _remove_stale_parts(path: Path) -> None:
    """Remove the parts beside `path` that writers killed while writing left (a kill -9, a
    power cut): each holds part of an earlier package or reject file, 0600, and they piled up,
    one per killed night — reject and removed-rows files are named after their run, so the
    parts of every name of ours in the folder are looked at, not only this one's. Only parts
    untouched for STALE_PART_SECONDS and this user's: a part another process is writing now is
    not touched; one that cannot be removed is left."""
    now = time.time()
    for part in path.parent.glob(".*.part"):
        if not _OUR_PART.fullmatch(part.name):
            continue
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            status = part.lstat()
            if (stat.S_ISREG(status.st_mode) and status.st_uid == os.getuid()
                    and now - status.st_mtime > STALE_PART_SECONDS):  # fmt: skip
                part.unlink()


def write_private_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """`text` in `path`, its user's alone, replaced whole: a reader finds the old content or
    the new, never half of it."""
    with private_file(path, encoding=encoding) as out:
        out.write(text)
    return path


def write_private_bytes(path: Path, data: bytes) -> Path:
    """`data` in `path`, its user's alone, replaced whole."""
    with private_file(path, binary=True) as out:
        out.write(data)
    return path
