"""Folders a command writes into (a recall package, a backup, a generated plant), checked before
the work: a path under a file, or in a folder that cannot be written, ended the command as an
internal error (exit 3) — for a recall, after the trace."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from tracegraph.errors import ConfigurationError


def check_creatable(out: Path, what: str, option: str) -> None:
    """`out` can be made (or is a folder already) and written; else one line naming `what` it
    is for and the `option` that gave it."""

    def cannot(reason: str) -> ConfigurationError:
        return cannot_create(out, what, option, reason)

    try:
        existing = next((p for p in [out, *out.parents] if p.exists()), None)
    except OSError as error:  # a folder on the way that cannot be entered
        raise cannot(error.strerror or str(error)) from None
    if existing is None:  # a drive that is not there
        raise cannot("no folder of that path exists")
    if existing == out and not out.is_dir():
        raise ConfigurationError(f"{out} is a file, not a folder",
                                 hint=f"give {option} a folder, not a file")  # fmt: skip
    if not existing.is_dir():
        raise cannot(f"{existing} is a file")
    why = unwritable(existing)
    if why == READ_ONLY:
        raise ConfigurationError(f"cannot create {what} {out}: {existing} is on a {READ_ONLY}",
                                 hint=f"give {option} a folder on a file system mounted for "
                                 "writing (not read-only)")  # fmt: skip
    if why is not None:
        raise cannot(f"{existing} cannot be written")


READ_ONLY = "read-only file system"


def unwritable(folder: Path, file: Path | None = None) -> str | None:
    """Why `file` (a file in `folder`) or a new file in `folder` cannot be written: READ_ONLY
    when the folder's file system is mounted read-only (statvfs's ST_RDONLY; os.access says
    only no, and it was said as "permission denied", to be fixed with permissions that could
    not fix it), "permission denied" otherwise; None when it can."""
    if os.access(folder, os.W_OK) and (file is None or not file.exists()
                                       or os.access(file, os.W_OK)):  # fmt: skip
        return None
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:  # a folder that cannot be looked at: access() said why it cannot be used
        read_only = False
    return READ_ONLY if read_only else "permission denied"


def cannot_create(out: Path, what: str, option: str, reason: str) -> ConfigurationError:
    return ConfigurationError(f"cannot create {what} {out}: {reason}",
                              hint=f"give {option} a folder you can write")  # fmt: skip


@contextmanager
def removed_on_failure(out: Path, rewritten: Collection[str] = ()) -> Iterator[None]:
    """Whatever ends the work inside (a full disk, the server gone, Ctrl-C), nothing half
    written is left in `out` to look finished: the files that were not there before, and
    those named in `rewritten` (tables `demo generate --force` writes over), are removed, and
    `out` itself when the work made it. A recall on a full disk left 5 of its 8 files, one cut
    at 4 kB, and its re-run was then refused (the folder was not empty); a generated plant
    left cut tables that imported as a plant."""
    try:
        made = not out.exists()
        before = {path.name for path in out.iterdir()} if out.is_dir() else set()
    except OSError:  # a folder on the way that cannot be entered: the work says so, and
        yield  # writes nothing there
        return
    try:
        yield
    except BaseException:
        if made:
            shutil.rmtree(out, ignore_errors=True)
        elif out.is_dir():
            for path in out.iterdir():
                if path.name in before and path.name not in rewritten:
                    continue
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        raise


STAGING_SUFFIX = ".staging"
# the staging folder inside an --out that is a mount point or whose parent cannot be written
INSIDE_STAGING = ".tracegraph-staging"


class FolderTaken(ConfigurationError):
    """Another run filled the folder while this one was writing into its staging folder."""


class StagedFolder:
    """A new folder written whole or not at all, and never over another's: its files go into a
    staging folder beside `out` (same file system, 0700), moved into place by one rename when
    whole (`publish`). rename(2) moves a folder onto a missing or empty one and fails with
    ENOTEMPTY or EEXIST on a non-empty one, so of two runs given the same `out` one wins and the
    other gets FolderTaken: two recalls into one folder both said they had written it, and one
    package was the other's files under its manifest hash in the history.

    An `out` that exists (an empty folder given, `.`, a mount point such as a USB stick) is
    never renamed onto: its files are staged in `out/.tracegraph-staging.staging`, made with
    mkdir, which fails if it exists (the second run finds it and is refused), and moved into
    `out` one by one.

    Used as a context manager: whatever ends the work inside before `publish` (a full disk,
    Ctrl-C, the loser's FolderTaken) removes the staging folder; after it, the files published
    (and `out`, when this made it)."""

    def __init__(self, out: Path, what: str, option: str) -> None:
        self.out = out
        self.what = what
        self.option = option
        self.target = out.resolve() if out.is_symlink() else out
        # an existing (empty) folder is never renamed onto: `--out .` or a bind mount failed
        # with EBUSY, and `--out "$PWD"` replaced the shell's folder by a new one (its owner,
        # group and ACLs lost); its staging folder inside it is the claim instead
        self.inside = self.target.is_dir()
        name = INSIDE_STAGING if self.inside else f".{self.target.name}.{secrets.token_hex(4)}"
        parent = self.target if self.inside else self.target.parent
        self.folder = parent / (name + STAGING_SUFFIX)
        self.published = False
        self.private = False

    def __enter__(self) -> StagedFolder:
        from tracegraph.private_files import private_folder

        try:
            if self.inside:
                # the folder itself is ours alone as before; its staging folder is the claim
                self.private = private_folder(self.target)
                os.mkdir(self.folder, 0o700)
            else:
                self.private = private_folder(self.folder)
        except FileExistsError:
            raise self._taken() from None
        except OSError as error:  # made unwritable since the check, a full disk
            raise cannot_create(
                self.out, self.what, self.option, error.strerror or str(error)
            ) from None
        return self

    def publish(self) -> None:
        """Move the staged files into `out`; FolderTaken when another run filled it first."""
        if self.inside:
            if any(p != self.folder for p in self.target.iterdir()):
                raise self._taken()
            self.published = True  # from the first file moved: a Ctrl-C half-way empties it
            for path in self.folder.iterdir():
                os.rename(path, self.target / path.name)
            self.folder.rmdir()
            return
        try:
            os.rename(self.folder, self.target)
        except OSError as error:
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise self._taken() from None
            raise
        self.published = True

    def _taken(self) -> FolderTaken:
        return FolderTaken(
            f"{self.out} was filled by another run while this one was writing: nothing of this "
            "run was written there, nor recorded",
            hint=f"give {self.option} a new folder and run it again: a folder with files in it "
            "is never written over",
        )

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            return
        shutil.rmtree(self.folder, ignore_errors=True)
        if not self.published:
            return
        if not self.inside:
            shutil.rmtree(self.target, ignore_errors=True)
            return
        for path in self.target.iterdir():  # an empty folder given: empty again
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
