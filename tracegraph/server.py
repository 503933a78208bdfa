"""A local Neo4j 5.26 Community server for machines without Docker.

The server is assembled from Maven Central artifacts (see versions.py) into a jar cache shared by
all homes, and laid out per home as

    <home>/neo4j/{conf,data,logs,run,import,plugins}   NEO4J_HOME; lib/ links to the jar cache
    <home>/server.json                                 ports and memory chosen at first start
    <home>/credentials                                 0600, read by the CLI (config.py)

It is started and stopped with Neo4j's own launcher (org.neo4j.server.startup.Neo4jCommand), so
the JVM flags and pid file are exactly those of a packaged install. Nothing here talks Bolt: the
caller checks the credentials with the driver once the port answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from tracegraph.config import (
    CREDENTIALS_FILENAME,
    DEFAULT_BOLT_PORT,
    DEFAULT_HTTP_PORT,
    DEFAULT_USER,
    read_credentials,
    write_credentials,
)
from tracegraph.errors import ConfigurationError, JavaNotFound, PortInUse, ServerSetupError
from tracegraph.private_files import write_private_text
from tracegraph.versions import MAVEN_ARTIFACTS, NEO4J_VERSION, SUPPORTED_JAVA_MAJORS

Log = Callable[[str], None]

LAUNCHER = "org.neo4j.server.startup.Neo4jCommand"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"  # neo4j-admin
# Sized for the reference machine (2 cores, 24 GB) holding a 1M-lot plant (~2 GB of store):
# the page cache holds the whole store with room to grow, the heap serves wide traces and
# batched imports, and more than half the memory stays free for Python, pandas and PostgreSQL.
DEFAULT_HEAP = "4g"
DEFAULT_PAGECACHE = "6g"

JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+AlwaysPreTouch",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dlog4j2.disable.jmx=true",
)


@dataclass(frozen=True)
class ServerOptions:
    """What a local server listens on and how much memory it takes."""

    bolt_port: int = DEFAULT_BOLT_PORT
    http_port: int = DEFAULT_HTTP_PORT
    heap: str = DEFAULT_HEAP
    pagecache: str = DEFAULT_PAGECACHE

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/browser/"


@dataclass(frozen=True)
class LocalServerState:
    running: bool
    pid: int | None
    options: ServerOptions | None


# What tracegraph reads that a child process (the Neo4j JVM, neo4j-admin, Maven, docker
# compose) does not need and must not hold: a JVM's environment is readable in
# /proc/PID/environ by the account and by root, and a heap dump or crash report writes it out.
# NEO4J_URI may carry user:password@ (shown_uri's reason), NEO4J_AUTH is the docker image's.
SECRET_VARIABLES = frozenset({"NEO4J_PASSWORD", "NEO4J_URI", "NEO4J_AUTH"})


def child_env(env: Mapping[str, str], **settings: str) -> dict[str, str]:
    """`env` without SECRET_VARIABLES, with `settings` on top: what a child process runs with.
    The long-running server held NEO4J_PASSWORD when `db up` ran with the credentials sourced,
    and neo4j-admin (`db backup`) did too."""
    return {**{k: v for k, v in env.items() if k not in SECRET_VARIABLES}, **settings}


# --- Java and the jar cache ------------------------------------------------------------------


def find_java(env: Mapping[str, str] | None = None) -> tuple[Path, int]:
    """The java binary Neo4j will run on (JAVA_HOME first, then PATH) and its major version."""
    env = os.environ if env is None else env
    candidates: list[str] = []
    if env.get("JAVA_HOME"):
        candidates.append(str(Path(env["JAVA_HOME"]) / "bin" / "java"))
    on_path = shutil.which("java", path=env.get("PATH"))
    if on_path:
        candidates.append(on_path)
    hint = (
        "install Java 17 or 21 (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
    )
    for candidate in candidates:
        if not os.access(candidate, os.X_OK):
            continue
        major = _java_major(Path(candidate))
        if major in SUPPORTED_JAVA_MAJORS:
            return Path(candidate).resolve(), major
        raise JavaNotFound(
            f"Neo4j {NEO4J_VERSION} needs Java 17 or 21, but {candidate} is Java {major}",
            hint="point JAVA_HOME at a Java 17 or 21 installation",
        )
    raise JavaNotFound("Java was not found (Neo4j runs on Java 17 or 21)", hint=hint)


def _java_major(java: Path) -> int:
    out = subprocess.run(
        [str(java), "-version"], capture_output=True, text=True, timeout=60, check=False,
        env=child_env(os.environ),
    )  # fmt: skip
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not found:
        return 0
    major = int(found.group(1))
    # Java 8 and older report 1.x.
    return int(found.group(2) or 0) if major == 1 else major


def jar_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Jars of one Neo4j version, shared by every home (and every test server) on the machine."""
    env = os.environ if env is None else env
    if env.get("TRACEGRAPH_NEO4J_LIB"):
        return Path(env["TRACEGRAPH_NEO4J_LIB"]).expanduser().resolve()
    cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "tracegraph" / f"neo4j-{NEO4J_VERSION}" / "lib"


def _pom() -> str:
    deps = "\n".join(
        f"    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version></dependency>"
        for g, a, v in MAVEN_ARTIFACTS
    )
    return f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tracegraph.local</groupId>
  <artifactId>neo4j-local-server</artifactId>
  <version>{NEO4J_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
{deps}
  </dependencies>
</project>
"""


def ensure_jars(lib: Path, java: Path, log: Log) -> Path:
    """Fetch the server's jars from Maven Central once; later calls find them in the cache."""
    if (lib / ".complete").is_file():
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerSetupError(
            "Maven (mvn) is needed once to fetch Neo4j from Maven Central",
            hint="install Maven (Debian: apt-get install maven), "
            "or set TRACEGRAPH_NEO4J_LIB to a folder of Neo4j jars",
        )
    log(f"Fetching Neo4j {NEO4J_VERSION} from Maven Central into {lib} (once per machine)…")
    lib.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=lib.parent, prefix=".assemble-") as work:
        (Path(work) / "pom.xml").write_text(_pom(), encoding="utf-8")
        staged = Path(work) / "lib"
        env = child_env(os.environ, JAVA_HOME=str(java.parent.parent))
        result = subprocess.run(
            [
                mvn,
                "-B",
                "-q",
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={staged}",
            ],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            last = next(
                (ln for ln in reversed(result.stdout.splitlines()) if "ERROR" in ln),
                "see `mvn` output",
            )
            raise ServerSetupError(
                f"could not fetch Neo4j from Maven Central: {last.strip()[:300]}",
                hint="check that Maven Central is reachable, then run the command again",
            )
        (staged / ".complete").write_text(NEO4J_VERSION, encoding="utf-8")
        # Rename into place only when complete: an interrupted fetch leaves no half cache.
        if lib.exists():
            shutil.rmtree(lib)
        staged.rename(lib)
    return lib


# --- layout, configuration and credentials ----------------------------------------------------


def neo4j_home(home: Path) -> Path:
    return home / "neo4j"


def _conf_text(home: Path, options: ServerOptions) -> str:
    nh = neo4j_home(home)
    lines = [
        "# Written by `tracegraph db up` at every start; add your own settings to",
        f"# {home / 'neo4j-extra.conf'}, which is appended below.",
        "server.default_listen_address=127.0.0.1",
        "server.default_advertised_address=127.0.0.1",
        f"server.bolt.listen_address=:{options.bolt_port}",
        f"server.bolt.advertised_address=:{options.bolt_port}",
        f"server.http.listen_address=:{options.http_port}",
        f"server.http.advertised_address=:{options.http_port}",
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        # A plant's database reports nothing to anyone: Neo4j sends usage data (node counts,
        # store size, machine) to its maker by default.
        "dbms.usage_report.enabled=false",
        # nor does the Browser it serves (its telemetry to Neo4j is on by default)
        "client.allow_telemetry=false",
        # Cross-origin requests from the server's own Browser origin alone: Neo4j answered a
        # preflight with an Authorization header from any origin (`*`), so any web page the
        # analyst opened could send three wrong logins and lock the only user out for seconds
        # (a nightly import refused).
        f"dbms.security.http_access_control_allow_origin=http://127.0.0.1:{options.http_port}",
        f"server.memory.heap.initial_size={options.heap}",
        f"server.memory.heap.max_size={options.heap}",
        f"server.memory.pagecache.size={options.pagecache}",
        # Two cores: one Bolt worker pool sized to them keeps the JVM from oversubscribing.
        "server.bolt.thread_pool_max_size=32",
        f"server.directories.data={nh / 'data'}",
        f"server.directories.logs={nh / 'logs'}",
        f"server.directories.run={nh / 'run'}",
        f"server.directories.import={nh / 'import'}",
        f"server.directories.plugins={nh / 'plugins'}",
        "db.tx_log.rotation.retention_policy=2 days 2G",
        *(f"server.jvm.additional={flag}" for flag in JVM_FLAGS),
    ]
    extra = home / "neo4j-extra.conf"
    if extra.is_file():
        text = extra.read_text(encoding="utf-8-sig").rstrip()  # Notepad writes a BOM
        given = _settings_in(text)
        if given.get("dbms.security.auth_enabled", "true").lower() != "true":
            raise ConfigurationError(
                f"{extra} turns authentication off",
                hint="remove dbms.security.auth_enabled from it: tracegraph runs with auth on",
            )
        # A setting of the file replaces tracegraph's (Neo4j refuses one given twice, so the
        # file could not move the listen address off 127.0.0.1 for analysts' PCs); the JVM
        # flags are a list, to which the file's add.
        replaced = [line for line in lines if _key(line) in given and not _repeatable(line)]
        lines = [line for line in lines if line not in replaced]
        if replaced:
            lines.append("# replaced by neo4j-extra.conf: "
                         + ", ".join(sorted({_key(line) for line in replaced})))  # fmt: skip
        lines += [EXTRA_MARKER, text]
    return "\n".join(lines) + "\n"


# Where neo4j.conf's copy of neo4j-extra.conf begins (see _conf_text and effective_settings).
EXTRA_MARKER = "# --- from neo4j-extra.conf"


@dataclass(frozen=True)
class EffectiveSettings:
    """What a home's local server runs with: tracegraph's settings (server.json), except where
    neo4j-extra.conf replaces them."""

    bolt_port: int
    http_port: int
    heap: str
    pagecache: str
    data: Path  # the data folder: databases and transaction logs
    from_extra_conf: tuple[str, ...]  # which of the above neo4j-extra.conf set: bolt_port, …


_EFFECTIVE_KEYS = {"bolt_port": "server.bolt.listen_address",
                   "http_port": "server.http.listen_address",
                   "heap": "server.memory.heap.max_size",
                   "pagecache": "server.memory.pagecache.size",
                   "data": "server.directories.data"}  # fmt: skip


def effective_settings(home: Path) -> EffectiveSettings | None:
    """The settings the home's server runs with, or None for a home without a local server.

    Read from the neo4j.conf `db up` wrote at the last start — tracegraph's settings with
    neo4j-extra.conf's in place of those it names (the file wins), which is what the running
    server read even if neo4j-extra.conf changed since — else as the next start will write it.
    `db status` reported server.json's heap and page cache, and did not recognise its own
    server on a Bolt port neo4j-extra.conf had moved."""
    options = saved_options(home)
    if options is None:
        return None
    written = neo4j_home(home) / "conf" / "neo4j.conf"
    text = written.read_text(encoding="utf-8") if written.is_file() else _conf_text(home, options)
    return _effective(home, text, options)


def _effective(home: Path, conf: str, options: ServerOptions) -> EffectiveSettings:
    """The settings of a neo4j.conf text `_conf_text` wrote for `options`."""
    ours, _, extra = conf.partition(EXTRA_MARKER)
    given = _settings_in(extra)
    settings = {**_settings_in(ours), **given}
    data = Path(settings.get(_EFFECTIVE_KEYS["data"]) or "data")
    return EffectiveSettings(
        bolt_port=_port(settings.get(_EFFECTIVE_KEYS["bolt_port"], ""), DEFAULT_BOLT_PORT),
        http_port=_port(settings.get(_EFFECTIVE_KEYS["http_port"], ""), DEFAULT_HTTP_PORT),
        heap=settings.get(_EFFECTIVE_KEYS["heap"], options.heap),
        pagecache=settings.get(_EFFECTIVE_KEYS["pagecache"], options.pagecache),
        # Neo4j reads a relative folder from its home
        data=data if data.is_absolute() else neo4j_home(home) / data,
        from_extra_conf=tuple(name for name, key in _EFFECTIVE_KEYS.items() if key in given),
    )


def _listening(options: ServerOptions, effective: EffectiveSettings) -> ServerOptions:
    """`options` with the ports the server listens on (neo4j-extra.conf's where it sets them)."""
    return replace(options, bolt_port=effective.bolt_port, http_port=effective.http_port)


def _port_hint(home: Path, name: str, effective: EffectiveSettings) -> str:
    """How to move the server's Bolt or HTTP port off one in use: the `db up` option, or — when
    neo4j-extra.conf sets the port, which wins over the option — that file's setting (the hint
    named --bolt-port, which changed nothing)."""
    setting = "bolt_port" if name == "Bolt" else "http_port"
    if setting in effective.from_extra_conf:
        return (f"stop that program, or change {_EFFECTIVE_KEYS[setting]} in "
                f"{home / 'neo4j-extra.conf'}")  # fmt: skip
    flag = "--bolt-port" if name == "Bolt" else "--http-port"
    return f"stop that program, or choose another port with `tracegraph db up {flag} N`"


def _port(address: str, default: int) -> int:
    """The port of a listen address as Neo4j writes them: `:7687`, `0.0.0.0:7687`,
    `[::]:7687`, or a host alone (its default port)."""
    host, colon, port = address.rpartition(":")
    if colon and port.isdigit() and not host.endswith(":"):
        return int(port)
    return default


def _key(line: str) -> str:
    return line.split("=", 1)[0].strip() if "=" in line and not line.startswith("#") else ""


def _repeatable(line: str) -> bool:
    return _key(line) == "server.jvm.additional"


def _settings_in(text: str) -> dict[str, str]:
    """The settings a neo4j.conf-style text gives (the last of a repeated key)."""
    return {_key(line): line.split("=", 1)[1].strip()
            for line in (raw.strip() for raw in text.splitlines()) if _key(line)}  # fmt: skip


def _auth_ini_line(user: str, password: str) -> str:
    """A user line in the format `neo4j-admin dbms set-initial-password` writes.

    Writing it ourselves keeps the password off every command line (where `ps` would show it):
    SHA-256 over salt + password, then re-hashed to 1024 iterations in all.
    """
    salt = secrets.token_bytes(32)
    digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
    for _ in range(1023):
        digest = hashlib.sha256(digest).digest()
    return f"{user}:SHA-256,{digest.hex()},{salt.hex()},1024:\n"


def has_data(home: Path) -> bool:
    """Whether the local server of `home` has been started before (its password is then in
    its system database, not in auth.ini)."""
    return (neo4j_home(home) / "data" / "databases" / "system").exists()


def credentials_gone(home: Path) -> ServerSetupError:
    nh = neo4j_home(home)
    return ServerSetupError(
        f"the server in {nh} has data but its credentials file {home / CREDENTIALS_FILENAME} "
        "is gone",
        hint="run `NEO4J_PASSWORD=… tracegraph db up` with its password to write the file "
        f"again, or delete {nh / 'data'} to start over with an empty database",
    )


def _initialise_password(home: Path, options: ServerOptions) -> None:
    """Before the first start: a random password, in the credentials file and in auth.ini.

    Neo4j reads auth.ini only when it creates its system database, so once data exists the
    password lives in the database and the credentials file is the only copy we have.
    """
    nh = neo4j_home(home)
    credentials = home / CREDENTIALS_FILENAME
    if has_data(home):
        if not credentials.is_file():
            raise credentials_gone(home)
        return
    existing = read_credentials(credentials) if credentials.is_file() else {}
    password = existing.get("NEO4J_PASSWORD") or secrets.token_urlsafe(24)
    auth_ini = nh / "data" / "dbms" / "auth.ini"
    auth_ini.parent.mkdir(parents=True, exist_ok=True)
    write_private_text(auth_ini, _auth_ini_line(DEFAULT_USER, password))
    write_credentials(
        credentials,
        {"NEO4J_URI": options.bolt_uri, "NEO4J_USER": DEFAULT_USER, "NEO4J_PASSWORD": password},
    )


def _update_credentials_uri(home: Path, options: ServerOptions) -> None:
    path = home / CREDENTIALS_FILENAME
    values = read_credentials(path)
    if values.get("NEO4J_URI") != options.bolt_uri:
        values["NEO4J_URI"] = options.bolt_uri
        write_credentials(path, values)


def saved_options(home: Path) -> ServerOptions | None:
    path = home / "server.json"
    if not path.is_file():
        return None
    return ServerOptions(**json.loads(path.read_text(encoding="utf-8")))


# --- processes and ports ---------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As Neo4j does: a port still in TIME_WAIT after a stop is free, only a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nobody listens on right now (for throwaway test servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def admin(home: Path, args: list[str], env: Mapping[str, str] | None = None) -> str:
    """Run neo4j-admin (`database dump …`) on the home's server, stopped; its output, or
    ServerSetupError with its own words when it fails."""
    env = os.environ if env is None else env
    java, _ = find_java(env)
    lib = ensure_jars(jar_cache_dir(env), java, lambda _: None)
    nh = neo4j_home(home)
    done = subprocess.run(
        [str(java), "-cp", f"{nh / 'conf'}/*:{lib}/*", ADMIN_TOOL, *args],
        env=child_env(env, NEO4J_HOME=str(nh), NEO4J_CONF=str(nh / "conf")),
        capture_output=True,
        text=True,
        check=False,
    )
    said = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        reason, hint = admin_failure(done.returncode, said)
        raise ServerSetupError(
            f"neo4j-admin {' '.join(args[:2])} failed: {reason}",
            hint=hint or f"see the server's logs in {nh / 'logs'}",
        )
    return said


# neo4j-admin's progress lines: 2026-12-06 14:36:20.833+0000 INFO  [o.n.c.d.DumpCommand] …
_ADMIN_PROGRESS = re.compile(r"\S+ \S+ (INFO|DEBUG) ")


def admin_failure(returncode: int, said: str) -> tuple[str, str | None]:
    """Why neo4j-admin failed, from its exit code and what it said, and a hint where the
    reason tells what to do (None: its logs). Its reason, not the last line of a stack trace
    ("at org.neo4j…"), nor its progress: a dump stopped by a signal quoted "INFO … Starting
    dump of database 'neo4j'" as the reason; a full disk pointed at the server's logs."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"it was stopped by {name} before it finished", "run the command again"
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    telling = [line for line in lines
               if any(w in line.lower() for w in ("error", "failed", "exception"))]  # fmt: skip
    rest = [line for line in lines if not _ADMIN_PROGRESS.match(line)]
    reason = (telling or rest or ["no reason given"])[0][:300]
    if "no space left" in said.lower():
        return reason, "free some space, or write the dump elsewhere; run the command again"
    return reason, None


def running_pid(home: Path) -> int | None:
    pidfile = neo4j_home(home) / "run" / "neo4j.pid"
    try:
        pid = int(pidfile.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    # A recycled pid belonging to something else is not our server — nor one that is another
    # home's Neo4j (after a reboot, a stale pid file named the test server, and `db down`
    # stopped it): the server runs with its home's conf folder on its class path.
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        started = cmdline.read_bytes()
    except OSError:  # no /proc (or the process just ended): as before, the pid is taken
        return pid
    nh = neo4j_home(home)
    # whole entries of its command line and class path: /srv/tg/neo4j is a prefix of another
    # home's /srv/tg/neo4j2/neo4j/conf
    entries = set(re.split(rb"[\0:=]", started))
    confs = {f"{path}{os.sep}conf{os.sep}*".encode() for path in {nh, nh.resolve()}}
    confs |= {conf[:-2] for conf in confs}  # without the class path's wildcard
    if not entries & confs:
        return None
    return pid


def state(home: Path) -> LocalServerState:
    pid = running_pid(home)
    return LocalServerState(running=pid is not None, pid=pid, options=saved_options(home))


def _bolt_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _http_discovery_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def _log_size(home: Path) -> int:
    log = neo4j_home(home) / "logs" / "neo4j.log"
    return log.stat().st_size if log.is_file() else 0


def _last_error(home: Path, since: int = 0, launcher: str = "") -> str:
    """The most telling line after a failed start: the launcher's own error (a setting given
    twice, in neo4j-extra.conf and by tracegraph), else the last ERROR — else the last line —
    the server logged since `since` (its log's size before the start). It quoted the
    "Stopped." of the last `db down`, or an old importer's error, and kept Neo4j's reason."""
    for line in reversed(launcher.splitlines()):
        if line.strip().lower().startswith(("error", "exception")) or " ERROR " in line:
            return line.strip()[:300]
    log = neo4j_home(home) / "logs" / "neo4j.log"
    if not log.is_file():
        return "no log was written"
    with log.open("rb") as handle:
        handle.seek(since if since <= log.stat().st_size else 0)
        lines = handle.read().decode("utf-8", errors="replace").splitlines()
    for line in reversed(lines):
        if " ERROR " in line:
            return line.split(" ERROR ", 1)[1].strip()[:300]
    if lines:
        return lines[-1][:300]
    said = [line.strip() for line in launcher.splitlines() if line.strip()]
    return said[-1][:300] if said else "it wrote nothing to its log"


def start(
    home: Path,
    options: ServerOptions | None = None,
    *,
    log: Log = lambda _: None,
    timeout: float = 180.0,
    env: Mapping[str, str] | None = None,
) -> ServerOptions:
    """Start the local server of `home` (idempotent) and wait until Bolt and HTTP answer."""
    env = os.environ if env is None else env
    options = options or saved_options(home) or ServerOptions()
    current = state(home)
    if current.running and current.options is not None:
        running = effective_settings(home)
        return _listening(current.options, running) if running else current.options
    conf = _conf_text(home, options)
    # The ports it will listen on: neo4j-extra.conf may move them, and waiting on tracegraph's
    # own port (and writing it into the credentials) timed out on a server that was up.
    effective = _effective(home, conf, options)
    listening = _listening(options, effective)
    java, _ = find_java(env)
    lib = ensure_jars(jar_cache_dir(env), java, log)
    for name, port in (("Bolt", listening.bolt_port), ("HTTP", listening.http_port)):
        if not port_is_free(port):
            raise PortInUse(
                f"port {port} on 127.0.0.1 (Neo4j {name}) is already in use by another program",
                hint=_port_hint(home, name, effective),
            )

    nh = neo4j_home(home)
    for sub in ("conf", "data", "logs", "run", "import", "plugins"):
        (nh / sub).mkdir(parents=True, exist_ok=True)
    link = nh / "lib"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(lib, target_is_directory=True)
    (nh / "conf" / "neo4j.conf").write_text(conf, encoding="utf-8")
    # tracegraph's own settings: what the next `db up` starts from (the file's are the file's)
    (home / "server.json").write_text(json.dumps(asdict(options), indent=2), encoding="utf-8")
    _initialise_password(home, listening)
    _update_credentials_uri(home, listening)

    launch_env = child_env(
        env, JAVA_HOME=str(java.parent.parent), NEO4J_HOME=str(nh), NEO4J_CONF=str(nh / "conf")
    )
    logged = _log_size(home)
    launched = subprocess.run(
        [str(java), "-cp", str(lib / "*"), LAUNCHER, "start"],
        env=launch_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        # A session of its own: the server outlives the terminal that started it (closing an
        # ssh session, or a hang-up to its process group, stopped the plant's server).
        start_new_session=True,
    )
    said = launched.stdout + launched.stderr
    if launched.returncode != 0:
        raise ServerSetupError(
            f"Neo4j did not start: {_last_error(home, logged, said)}",
            hint=f"see {nh / 'logs' / 'neo4j.log'}",
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_pid(home) is None:
            raise ServerSetupError(
                f"Neo4j stopped while starting: {_last_error(home, logged, said)}",
                hint=f"see {nh / 'logs' / 'neo4j.log'}",
            )
        if _bolt_answers(listening.bolt_port) and _http_discovery_answers(listening.http_port):
            return listening
        time.sleep(0.5)
    raise ServerSetupError(
        f"Neo4j did not answer on port {listening.bolt_port} within {timeout:.0f} s",
        hint=f"see {nh / 'logs' / 'neo4j.log'}",
    )


def stop(home: Path, timeout: float = 120.0) -> bool:
    """Stop the local server; True if one was running. SIGTERM lets Neo4j checkpoint cleanly."""
    pid = running_pid(home)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_pid(home) is None:
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    (neo4j_home(home) / "run" / "neo4j.pid").unlink(missing_ok=True)
    return True
