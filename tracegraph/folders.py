"""Folders a command writes into (a recall package, a backup, a generated plant), checked before
the work: a path under a file, or in a folder that cannot be written, ended the command as an
internal error (exit 3) — for a recall, after the trace."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import socket
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def _empty(folder: Path, keep: Collection[str] = ()) -> None:
    """Remove everything in `folder` but the names in `keep`, and nothing outside it."""
    for path in folder.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


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
            _empty(out, keep=before - set(rewritten))
        raise


STAGING_SUFFIX = ".staging"
# the staging folder inside an --out that is a mount point or whose parent cannot be written
INSIDE_STAGING = ".tracegraph-staging"


# who made a staging folder (pid, host, boot, the process's start), a file in it until publish:
# a `kill -9` left the folder, refused the next run into `out` ("not empty"), and had the user
# remove it by hand, customers' contacts in it
OWNER_FILE = ".owner.json"


def inside_staging(folder: Path) -> Path:
    """The staging folder of a run into the existing `folder`: inside it."""
    return folder / (INSIDE_STAGING + STAGING_SUFFIX)


def _beside_pattern(target: Path) -> re.Pattern[str]:
    """The names of the staging folders of runs into the missing `target`, beside it."""
    return re.compile(re.escape(f".{target.name}.") + r"[0-9a-f]{8}" + re.escape(STAGING_SUFFIX))


def _process(pid: int) -> tuple[str, str] | None:
    """A process's state and start (clock ticks after boot: /proc/PID/stat's 22nd field); None
    where /proc does not tell (not Linux, gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], fields[19]
    except (OSError, IndexError):
        return None


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _pid_namespace() -> str | None:
    """This process's pid namespace (`pid:[4026531836]`): a container sharing the host's name
    and boot id (`--network host`) has pids of its own, which this host cannot look up."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def _owner_record() -> dict[str, Any]:
    pid = os.getpid()
    process = _process(pid)
    return {"pid": pid, "host": socket.gethostname(), "boot_id": _boot_id(),
            "pid_namespace": _pid_namespace(), "process_start": process[1] if process else None,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip


def _owner(folder: Path) -> dict[str, Any] | None:
    """A staging folder's owner record; None when it has none (made before it was kept, or
    written just now) or it cannot be read."""
    try:
        owner = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # a pid of 0 or below names a process group (kill(0, 0) asks of this one): no owner
    pid = owner.get("pid") if isinstance(owner, dict) else None
    return owner if isinstance(pid, int) and pid > 0 else None


def owner_gone(owner: dict[str, Any]) -> bool:
    """Whether the process that made a staging folder is surely gone: on this host, and not
    running (or a zombie), or its pid now another process's (started at another time: pid
    reuse), or the machine rebooted since. Never for another host's (a folder on NFS: its
    process cannot be seen from here) nor where this cannot be told."""
    if owner.get("host") != socket.gethostname():
        return False
    # another pid namespace's process (a container with the host's name) is not seen here
    if owner.get("pid_namespace") != _pid_namespace():
        return False
    boot = _boot_id()
    if boot and owner.get("boot_id") and owner["boot_id"] != boot:
        return True
    try:
        os.kill(owner["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another account's
        pass
    except (OSError, OverflowError):
        return False
    process = _process(owner["pid"])
    if process is None:  # no /proc: alive is all that is known
        return False
    state, start = process
    return state in ("Z", "X") or (owner.get("process_start") is not None
                                   and start != owner["process_start"])  # fmt: skip


def owner_text(owner: dict[str, Any]) -> str:
    return f"pid {owner['pid']} on {owner.get('host')}, started {owner.get('started_at')}"


def remove_abandoned(out: Path) -> list[str]:
    """Remove the staging folders of runs into `out` whose process is gone (owner_gone): the
    one inside it, and those beside it of runs into it while it did not exist. A note for each
    removed, naming it and its owner."""
    target = out.resolve() if out.is_symlink() else out
    found = [inside_staging(target)] if target.is_dir() else []
    pattern = _beside_pattern(target)
    with contextlib.suppress(OSError):  # a parent that cannot be listed: nothing to remove
        found += [p for p in target.parent.iterdir() if pattern.fullmatch(p.name)]
    notes = []
    for folder in found:
        owner = _owner(folder) if folder.is_dir() else None
        if owner is None or not owner_gone(owner):
            continue
        # claimed by a rename to a name of this run's first: of two runs that both found it
        # abandoned, one renames it and the other's rename fails. Removed in place, the
        # slower one's rmtree took the live staging folder the faster one had made since
        # under the same (inside) name.
        claimed = folder.with_name(f"{folder.name}.{secrets.token_hex(4)}.removing")
        try:
            folder.rename(claimed)
        except OSError:
            continue
        if _owner(claimed) != owner:  # another run's since: put back, not removed
            with contextlib.suppress(OSError):
                claimed.rename(folder)
            continue
        shutil.rmtree(claimed, ignore_errors=True)
        if not claimed.exists():
            notes.append(f"removed {folder}, the staging folder of a run that ended without "
                         f"finishing ({owner_text(owner)}; that process is gone)")  # fmt: skip
    return notes


def staging_text(folder: Path) -> str:
    """Whose staging folder it is, as an error names it: ` (pid 812 on gw-2, started …)`."""
    owner = _owner(folder)
    return f" ({owner_text(owner)})" if owner else ""


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
        self.folder = (
            inside_staging(self.target) if self.inside else self.target.parent
            / f".{self.target.name}.{secrets.token_hex(4)}{STAGING_SUFFIX}"
        )  # fmt: skip
        self.published = False
        self.private = False

    def __enter__(self) -> StagedFolder:
        from tracegraph.private_files import private_folder, write_private_text

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
        try:  # whose it is: a run after a `kill -9` of this one removes it (remove_abandoned)
            write_private_text(self.folder / OWNER_FILE, json.dumps(_owner_record()))
        except OSError as error:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise cannot_create(
                self.out, self.what, self.option, error.strerror or str(error)
            ) from None
        return self

    def publish(self) -> None:
        """Move the staged files into `out`; FolderTaken when another run filled it first."""
        (self.folder / OWNER_FILE).unlink(missing_ok=True)  # not one of the files written
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
        _empty(self.target)  # an empty folder given: empty again
