"""Backups of the local server's database: a dump file, and loading one back.

Neo4j Community dumps and loads a stopped database only (`neo4j-admin database dump|load`),
so both refuse while the server runs. A dump holds every lot, the import ledger and the
recalls — anyone holding it can open it without the password — so it is written readable by
its owner only, as the home is.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from tracegraph import server
from tracegraph.config import DEFAULT_DATABASE
from tracegraph.errors import ConfigurationError, ServerSetupError, TracegraphError
from tracegraph.folders import check_creatable


def _stopped(home: Path, doing: str) -> None:
    if server.state(home).running:
        raise ConfigurationError(
            f"the server in {home} is running: Neo4j Community can {doing} a stopped database only",
            hint="run `tracegraph db down`, then this command, then `tracegraph db up`",
        )
    if not server.has_data(home):
        raise ConfigurationError(
            f"the server in {home} has no database yet",
            hint="start it once with `tracegraph db up` (it creates the database), then "
            "`tracegraph db down`",
        )


def backup(home: Path, folder: Path, env: Mapping[str, str] | None = None) -> Path:
    """Dump the database into `folder` as tracegraph-<UTC time>.dump (mode 0600)."""
    _stopped(home, "back up")
    check_creatable(folder, "the backup folder", "--to")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"tracegraph-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.dump"
    if target.exists():
        raise ConfigurationError(f"{target} exists", hint="wait a second, or give another --to")
    # Dumped into a folder of its own, then renamed: an interrupted dump leaves no file that
    # looks like a backup.
    staging = Path(tempfile.mkdtemp(prefix=".tracegraph-dump-", dir=folder))
    try:
        server.admin(home, ["database", "dump", DEFAULT_DATABASE, f"--to-path={staging}"], env)
        dumped = staging / f"{DEFAULT_DATABASE}.dump"
        os.chmod(dumped, 0o600)
        dumped.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def restore(home: Path, dump: Path, env: Mapping[str, str] | None = None) -> None:
    """Replace the database with the one in `dump` (a file `backup` wrote)."""
    if not dump.is_file():
        raise ConfigurationError(
            f"{dump} is not a file", hint="give a .dump file `db backup` wrote"
        )
    _stopped(home, "restore")
    _interrupted_restore(home)
    # neo4j-admin loads <database>.dump from a folder: the file is linked there under that name
    staging = Path(tempfile.mkdtemp(prefix=".tracegraph-load-", dir=home))
    try:
        link = staging / f"{DEFAULT_DATABASE}.dump"
        try:
            link.hardlink_to(dump)
        except OSError:  # another file system
            shutil.copyfile(dump, link)
        with _kept_until_loaded(home):
            server.admin(home, ["database", "load", DEFAULT_DATABASE, f"--from-path={staging}",
                                "--overwrite-destination=true"], env)  # fmt: skip
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _kept_until_loaded(home: Path) -> Iterator[None]:
    """The database's store and transaction logs moved aside while a dump loads, and put back
    if the load fails: neo4j-admin deletes them before it reads the dump, and an empty, cut or
    damaged file left no database at all (or half of one, which never started)."""
    data = server.neo4j_home(home) / "data"
    parts = [data / "databases" / DEFAULT_DATABASE, data / "transactions" / DEFAULT_DATABASE]
    aside = Path(tempfile.mkdtemp(prefix=ASIDE_PREFIX, dir=data))
    absent = [part for part in parts if not part.exists()]  # the load may make them
    moved: dict[Path, Path] = {}  # only these are replaced: a rename that failed moved nothing
    moving = True
    try:
        for part in parts:
            if part not in absent:
                part.rename(aside / part.parent.name)  # a rename, whatever the store's size
                moved[part] = aside / part.parent.name
        moving = False
        yield
    except BaseException as failure:
        for part in [*moved, *absent]:
            shutil.rmtree(part, ignore_errors=True)  # what the failed load left
        for part, place in moved.items():
            place.rename(part)
        shutil.rmtree(aside, ignore_errors=True)
        if moving and isinstance(failure, OSError):  # on another disk than its folder (a link)
            reason = failure.strerror or str(failure)
            raise ServerSetupError(
                f"cannot move the database aside while the dump loads ({reason}): the database "
                "was not changed",
                hint="restore with neo4j-admin database load by hand, or keep data/databases and "
                "data/transactions on the disk of the data folder",
            ) from None
        if isinstance(failure, TracegraphError):
            raise type(failure)(
                f"{failure.message}; the database was not changed",
                hint="the dump cannot be loaded (empty, cut short or damaged): restore another "
                "one `tracegraph db backup` wrote",
            ) from None
        raise
    shutil.rmtree(aside, ignore_errors=True)


ASIDE_PREFIX = ".tracegraph-before-restore-"


def _interrupted_restore(home: Path) -> None:
    """A restore killed while its dump loaded leaves the database before it in the data folder:
    said, not lost under the next restore."""
    left = sorted((server.neo4j_home(home) / "data").glob(ASIDE_PREFIX + "*"))
    if left:
        raise ConfigurationError(
            f"a restore was interrupted: the database before it is in {left[0]}",
            hint="move its databases/ and transactions/ folders back into the data folder (or "
            "delete it if the restored database is the one you want), then run this again",
        )
