"""Where tracegraph finds its server and its credentials.

Order, per value: the NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE environment
variables, then the credentials file of the tracegraph home that `tracegraph db up` wrote.
The home is TRACEGRAPH_HOME, else the nearest `.tracegraph/` folder in the current directory or
one of its parents (the way git finds `.git`), else `./.tracegraph` once `db up` creates it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracegraph.errors import ConfigurationError
from tracegraph.private_files import write_private_text

HOME_DIRNAME = ".tracegraph"
CREDENTIALS_FILENAME = "credentials"
DEFAULT_DATABASE = "neo4j"
DEFAULT_USER = "neo4j"
CREDENTIAL_KEYS = ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")
DEFAULT_BOLT_PORT = 7687  # Neo4j's, and the driver's for a URI without a port
DEFAULT_HTTP_PORT = 7474
# The plant's zone: what `import` reads times without an offset in (after --timezone and a
# mapping's `timezone`), what trace windows without an offset are read in, and the offset of a
# recall package's EPCIS events. Read by plant_zone_name alone: three readers had three texts
# for a zone that is no zone, and one of them took " Europe/Berlin " where two refused it.
TIMEZONE_ENV = "TRACEGRAPH_TIMEZONE"


@dataclass(frozen=True)
class Settings:
    """How to reach one Neo4j database. `source` says where the values came from, for messages."""

    uri: str = field(repr=False)
    user: str
    password: str = field(repr=False)
    database: str = DEFAULT_DATABASE
    source: str = "environment"

    @property
    def server(self) -> str:
        """The URI for messages: without a user and password in it, or a query part (a
        password passed as `?password=…` was echoed by the driver's error, and by ours)."""
        return shown_uri(self.uri)


def resolve_timezone(name: str, source: str = "") -> ZoneInfo:
    """The zone named `name`; `source` says where the name came from (`--timezone`,
    TIMEZONE_ENV), as the error names it — an unknown zone in an environment variable was a
    riddle without it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"{source} names an unknown timezone {name!r}"
            if source
            else f"unknown timezone {name!r}",
            hint="use an IANA name such as Europe/Berlin or UTC",
        ) from None


def plant_zone_name() -> str | None:
    """TRACEGRAPH_TIMEZONE (TIMEZONE_ENV) without surrounding blanks; None when unset or
    blank. Not checked: see plant_zone."""
    return os.environ.get(TIMEZONE_ENV, "").strip() or None


def plant_zone() -> tuple[str, ZoneInfo] | None:
    """TRACEGRAPH_TIMEZONE's name and zone, None when unset; an unknown zone is refused
    (ConfigurationError naming the variable)."""
    name = plant_zone_name()
    return (name, resolve_timezone(name, TIMEZONE_ENV)) if name else None


def shown_uri(uri: str) -> str:
    """`uri` without what may be secret in it: `user:pass@` (whatever characters the password
    holds) and the query and fragment, each shown as `…`."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        scheme, rest = "", uri
    rest = rest.rpartition("@")[2]  # a password with '@', '#' or '/' in it: all before the last @
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    return f"{scheme}{sep}{rest[:cut]}" + ("?…" if cut < len(rest) else "")


def find_home(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """The tracegraph home in use, or None when there is none yet."""
    env = os.environ if env is None else env
    if env.get("TRACEGRAPH_HOME"):
        return Path(env["TRACEGRAPH_HOME"]).expanduser().resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / HOME_DIRNAME
        if candidate.is_dir():
            return candidate
    return None


def home_for_new_server(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """Where `db up` lays out a server: the existing home, else `.tracegraph` right here."""
    return find_home(env, cwd) or (cwd or Path.cwd()).resolve() / HOME_DIRNAME


def write_credentials(path: Path, values: Mapping[str, str]) -> None:
    """Write KEY=VALUE lines readable by the user only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_text(path, "".join(f"{key}={value}\n" for key, value in values.items()))


def read_credentials(path: Path) -> dict[str, str]:
    """Read a credentials file, refusing one that group or others can read (like ssh does)."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"credentials file {path} can be read by other users",
            hint=f"run `chmod 600 {path}`",
        )
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in CREDENTIAL_KEYS:
            values[key.strip()] = value.strip()
    return values


def _looked_in(env: Mapping[str, str], cwd: Path | None, home: Path | None) -> str:
    """Where a server's credentials were looked for: a nightly job run from / said only "no
    server", and its hint started a second, empty server there."""
    if home is not None:
        return f"{home} has no credentials file"
    here = (cwd or Path.cwd()).resolve()
    return f"no {HOME_DIRNAME} folder in {here} or above it, and no TRACEGRAPH_HOME"


def _no_server_hint(env: Mapping[str, str], cwd: Path | None) -> str:
    given = env.get("TRACEGRAPH_HOME")
    if given and (Path(given).expanduser() / HOME_DIRNAME).is_dir():  # the home's parent
        inner = Path(given) / HOME_DIRNAME
        return f"TRACEGRAPH_HOME names the {HOME_DIRNAME} folder itself: set it to {inner}"
    return ("run the command from the folder that holds the server's .tracegraph (or set "
            "TRACEGRAPH_HOME to that .tracegraph folder), start one there with `tracegraph db "
            "up`, or set NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD")  # fmt: skip


def load_settings(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Settings from the environment, completed by the home's credentials file."""
    env = os.environ if env is None else env
    from_file: dict[str, str] = {}
    source = "environment"
    home = find_home(env, cwd)
    if home is not None and (home / CREDENTIALS_FILENAME).is_file():
        from_file = read_credentials(home / CREDENTIALS_FILENAME)
        source = str(home / CREDENTIALS_FILENAME)

    def pick(key: str) -> str:
        return env.get(key) or from_file.get(key, "")

    uri = pick("NEO4J_URI")
    if not uri:
        raise ConfigurationError(f"no Neo4j server is configured ({_looked_in(env, cwd, home)})",
                                 hint=_no_server_hint(env, cwd))  # fmt: skip
    user = pick("NEO4J_USER") or DEFAULT_USER
    password = pick("NEO4J_PASSWORD")
    if not password:
        raise ConfigurationError(
            f"no password is configured for Neo4j user '{user}' at {shown_uri(uri)}",
            hint="set NEO4J_PASSWORD (tracegraph never stores it in the repository)",
        )
    database = pick("NEO4J_DATABASE") or DEFAULT_DATABASE
    if database.lower() == "system":  # refused by Neo4j in words about procedures
        raise ConfigurationError(
            "NEO4J_DATABASE names `system`, Neo4j's own database of users and databases: "
            "tracegraph's graph cannot be there",
            hint=f"unset it for `{DEFAULT_DATABASE}`, or name the database that holds the graph",
        )
    return Settings(
        uri=uri,
        user=user,
        password=password,
        database=database,
        source=source if not env.get("NEO4J_URI") else "environment",
    )
