"""The one module that imports the Neo4j driver.

It opens drivers from Settings and turns the driver's exceptions into tracegraph's own, with a
message that names the server, user and database (never the password) and a hint.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import sys
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tracegraph import __version__
from tracegraph.config import DEFAULT_BOLT_PORT, DEFAULT_HTTP_PORT, Settings, find_home
from tracegraph.errors import (
    AuthenticationFailed,
    ConfigurationError,
    DatabaseError,
    RequestRefused,
    ServerNotAnswering,
    ServerUnavailable,
    TracegraphError,
    UnknownDatabase,
)

if TYPE_CHECKING:
    from tracegraph.server import EffectiveSettings

# The driver imports pandas and pyarrow whenever they are installed, for Result.to_df and
# pandas-typed parameters, neither of which tracegraph uses: 0.3 s of CPU (1-2 s on a busy
# machine) that every command paid at start, `lot show` as much as an import. They are hidden
# from it while it loads (a None in sys.modules makes `import pandas` fail, and the driver
# goes on without). tracegraph's own readers need no pandas; the Parquet reader loads pyarrow
# when it reads a file.
_HIDDEN = [name for name in ("pandas", "pyarrow") if name not in sys.modules]
for _name in _HIDDEN:
    sys.modules[_name] = None  # type: ignore[assignment]
try:
    import neo4j
    from neo4j import GraphDatabase, RoutingControl
    from neo4j import exceptions as neo4j_errors
finally:
    for _name in _HIDDEN:
        del sys.modules[_name]

Driver = neo4j.Driver
# How long a read keeps retrying transient failures (a leader election, a restarting member).
READ_RETRY_SECONDS = 15.0
# How long opening a connection may take, the Bolt handshake included (the driver's default, 60
# s, was how long every command waited on a paused server before it said anything). A server
# that is up answers the handshake in milliseconds, even while it runs a long query.
HANDSHAKE_SECONDS = 20.0
# How long a connection may take to open (a firewalled address answers nothing).
CONNECTION_TIMEOUT_SECONDS = 10.0

# Servers (as named in messages) that stopped answering in this process: a read or a handshake
# timed out on a connection the server accepted. Every later request to one fails at once, and
# its drivers are closed, which wakes the threads still waiting on their sockets: an import on a
# paused server waited out each of its requests in turn (a lock's rollback, the ledger, a second
# writer), 388 s with no output, then 120 s more after SIGTERM.
_SILENT: set[str] = set()
_DRIVERS: dict[str, weakref.WeakSet[Driver]] = {}

# The driver logs its retries as warnings; without a handler Python would print them to stderr
# next to our own one-line errors.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
logging.getLogger("neo4j").propagate = False
Record = dict[str, Any]


def _password_from(source: str) -> str:
    """Where the password came from, for a hint: the environment or a credentials file."""
    return "NEO4J_PASSWORD" if source in ("", "environment") else f"NEO4J_PASSWORD or {source}"


@contextlib.contextmanager
def translated_errors(
    server: str, database: str, user: str = "", source: str = "", down_hint: str = ""
) -> Iterator[None]:
    """Re-raise driver exceptions as TracegraphErrors that say what to do. `down_hint`: the
    hint of a server that is down or still starting, in place of "start it with `tracegraph db
    up`" (`db up` itself, waiting for the server it started, points at its logs)."""
    if server in _SILENT:
        raise _not_answering(server)
    try:
        yield
    except TracegraphError:
        raise
    except neo4j_errors.AuthError as exc:
        raise AuthenticationFailed(
            f"Neo4j at {server} refused the credentials of user '{user or '?'}'",
            hint=f"check {_password_from(source)}",
        ) from exc
    except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as exc:
        raise unreachable(server, exc, down_hint) from exc
    except neo4j_errors.Neo4jError as exc:
        if exc.code == "Neo.ClientError.Security.AuthenticationRateLimit":
            # after a few wrong passwords the server refuses every login for a few seconds
            raise AuthenticationFailed(
                f"Neo4j at {server} refused the credentials of user '{user or '?'}' too many "
                "times in a row and blocks logins for a few seconds",
                hint=f"check {_password_from(source)}, then wait 5 seconds and try again",
            ) from exc
        if exc.code == "Neo.TransientError.General.DatabaseUnavailable":
            # the server is stopping (`db down` under an import) or still starting: it answers
            # Bolt but runs no transaction — "Neo4j refused the request: Timeout waiting for
            # database…" read as a refusal of the query, not as the server going away
            raise ServerUnavailable(
                f"database '{database}' on {server} is unavailable: its server is stopping or "
                "starting",
                hint=down_hint or "start it with `tracegraph db up`, or wait until it has started",
            ) from exc
        if exc.code == "Neo.ClientError.Database.DatabaseNotFound":
            raise UnknownDatabase(
                f"database '{database}' does not exist on {server}",
                hint="set NEO4J_DATABASE to an existing database "
                "(Neo4j Community has one user database, 'neo4j')",
            ) from exc
        # a hinted index the database lacks (USING INDEX SEEK in trace/device_events.cypher
        # and others) on a server with dbms.cypher.hints_error=true: an upgrade's new index
        # before `db init` or the next import made it (by default the server plans without it)
        if "no such fulltext schema index" in (exc.message or "").lower() or (
            exc.code == "Neo.ClientError.Schema.IndexNotFound"
        ):
            raise DatabaseError(
                f"the database {database!r} on {server} lacks the graph model's indexes",
                hint="run `tracegraph db init` (imports install them too)",
            ) from exc
        # a statement Neo4j refuses as such (a constraint, a query it cannot run) is refused
        # again; a transaction that waited for a lock, timed out or was ended is not
        code = exc.code or ""
        refused = (
            RequestRefused
            if code.startswith("Neo.ClientError.")
            and not code.startswith("Neo.ClientError.Transaction.")
            else DatabaseError
        )
        raise refused(
            f"Neo4j refused the request: {exc.message or exc.code}",
            hint=f"error code {exc.code}",
        ) from exc
    except neo4j_errors.ConfigurationError as exc:
        raise ConfigurationError(f"invalid Neo4j settings: {exc}", hint="check NEO4J_URI") from exc
    except neo4j_errors.DriverError as exc:
        if server in _SILENT:  # a request whose connection was closed when another timed out
            raise _not_answering(server) from exc
        raise DatabaseError(f"the Neo4j driver failed: {exc}", hint=f"server {server}") from exc


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc`, what caused it, and the failures of an exception group (a routing driver's)."""
    found: list[BaseException] = []
    todo = [exc]
    while todo and len(found) < 50:
        seen = todo.pop()
        if seen in found:
            continue
        found.append(seen)
        todo.extend(c for c in (seen.__cause__, seen.__context__) if c is not None)
        if isinstance(seen, BaseExceptionGroup):
            todo.extend(seen.exceptions)
    return found


def unreachable(server: str, exc: BaseException, down_hint: str = "") -> ServerUnavailable:
    """Why Neo4j at `server` could not be reached, with the hint that fits the cause the
    driver's error names: every failure said "start the local server with `tracegraph db up`"
    — for a paused server, a TLS scheme against a plain server, a host that does not exist and
    a port where an HTTP server answers, and to `tracegraph db up` itself (`down_hint`: the
    hint when nothing answers, in place of that one)."""
    causes = _causes(exc)
    scheme = server.split("://", 1)[0]
    if any(isinstance(c, socket.gaierror) for c in causes):
        return ServerUnavailable(f"cannot reach Neo4j at {server}: host not found",
                                 hint="check the host name in NEO4J_URI")  # fmt: skip
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in causes):
        return ServerUnavailable(
            f"cannot reach Neo4j at {server}: the server's TLS certificate is not trusted",
            hint=f"use {scheme.replace('+s', '+ssc')}:// for a self-signed certificate, or "
            "install the issuer's certificate",
        )
    if any(isinstance(c, ssl.SSLError) for c in causes):
        return ServerUnavailable(
            f"cannot reach Neo4j at {server}: TLS handshake failed: the server does not use TLS",
            hint=f"use {scheme.split('+')[0]}:// in NEO4J_URI (or enable TLS on its Bolt port)",
        )
    if any("looks like HTTP" in str(c) for c in causes):
        return _http_port(server)
    if any(_timed_out(c) for c in causes):
        handshake = any("handshake" in str(c) for c in causes)
        if handshake and _answers_http(server):  # an HTTP server waiting for a request line
            return _http_port(server)
        _SILENT.add(server)
        for driver in list(_DRIVERS.pop(server, ())):
            with contextlib.suppress(Exception):
                driver.close()  # wakes this process's other requests to it (see _SILENT)
        return _not_answering(server)
    return ServerUnavailable(
        f"cannot reach Neo4j at {server}",
        hint=down_hint or "start the local server with `tracegraph db up`, or check NEO4J_URI",
    )


def _timed_out(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or type(exc).__name__ == "SocketDeadlineExceededError"


def _not_answering(server: str) -> ServerNotAnswering:
    return ServerNotAnswering(
        f"Neo4j at {server} stopped answering: it accepts connections but does not answer",
        hint="its process may be paused (`kill -CONT` resumes it) or hung: check the server and "
        "its log, or restart it",
    )


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _http_port(server: str) -> ServerUnavailable:
    """A Bolt URI that names an HTTP port; the hint names the local server's Bolt port when
    the URI is this machine's and the tracegraph home's settings know it (`db up` records its
    ports in the home's server.json; neo4j-extra.conf may move them)."""
    hint = (f"give Neo4j's Bolt port in NEO4J_URI ({DEFAULT_BOLT_PORT} unless configured "
            f"otherwise; {DEFAULT_HTTP_PORT} is its HTTP port)")  # fmt: skip
    found = local_server_of(server)
    if found is not None:
        home, local = found
        hint = (f"give Neo4j's Bolt port in NEO4J_URI: the local server of {home} "
                f"listens for Bolt on {local.bolt_port} (bolt://127.0.0.1:"
                f"{local.bolt_port}), {local.http_port} is its HTTP port")  # fmt: skip
    return ServerUnavailable(
        f"cannot reach Neo4j at {server}: not a Bolt port (an HTTP server answers there)",
        hint=hint,
    )


def local_server_of(
    server: str, env: Mapping[str, str] | None = None
) -> tuple[Path, EffectiveSettings] | None:
    """The tracegraph home with a local server and the settings it runs with, when the Bolt URI
    `server` names this machine (any port); None for another machine, no home, or a home
    without a local server (an unreadable server.json counts as none)."""
    home = find_home(env)
    if home is None or host_port(server)[0] not in _LOOPBACK:
        return None
    from tracegraph.server import effective_settings  # only on the paths that need it

    with contextlib.suppress(OSError, ValueError, TypeError):  # an unreadable server.json
        local = effective_settings(home)
        return None if local is None else (home, local)
    return None


def host_port(server: str) -> tuple[str, int]:
    """The host and port a Bolt URI names: the port Neo4j's (DEFAULT_BOLT_PORT) when it
    names none, as the driver has it (bolt://localhost was never probed: no port, no probe)."""
    parts = urlsplit(server)
    return parts.hostname or "", parts.port or DEFAULT_BOLT_PORT


def _answers_http(server: str) -> bool:
    """Whether an HTTP server answers at `server`'s host and port (within 3 s): Python's
    http.server, given the Bolt handshake, waits for the rest of a request line and says
    nothing, as a paused server does."""
    try:
        with socket.create_connection(host_port(server), timeout=3.0) as probe:
            probe.settimeout(3.0)
            probe.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
            return probe.recv(5) == b"HTTP/"
    except (OSError, ValueError):
        return False


def connect(settings: Settings, down_hint: str = "") -> Driver:
    """A driver for `settings`, checked with one query against the configured database
    (`down_hint`: see translated_errors)."""
    return connect_reading(settings, "RETURN 1", down_hint)[0]


def connect_reading(
    settings: Settings,
    query: str,
    down_hint: str = "",
    connection_timeout: float = CONNECTION_TIMEOUT_SECONDS,
) -> tuple[Driver, list[Record]]:
    """A driver for `settings`, checked with `query` (a read, its rows returned): the round
    trip every connection makes anyway, so a command's first question costs nothing more.
    `down_hint`: see translated_errors; `connection_timeout`: shorter for an optional look-up."""
    scheme = settings.uri.split("://", 1)[0]
    if scheme not in ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"):
        raise ConfigurationError(
            f"NEO4J_URI {settings.server!r} is not a Neo4j address",
            hint="use bolt://host:7687, or neo4j://host:7687 for a cluster or Aura",
        )
    with translated_errors(settings.server, settings.database, settings.user, settings.source,
                           down_hint):  # fmt: skip
        try:
            driver = GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                user_agent=f"tracegraph/{__version__}",
                connection_timeout=connection_timeout,
                # Server notifications (unknown labels in an empty database, …) are for people
                # writing queries; ours are reviewed, and the CLI has no place for them.
                notifications_min_severity="OFF",
                max_transaction_retry_time=15.0,
                connection_acquisition_timeout=HANDSHAKE_SECONDS,
            )
        except neo4j_errors.ConfigurationError as exc:
            # Its message may quote the URI, its query or a parameter's value: when the URI has
            # a user, password or query part (what the server's name leaves out), it is not
            # repeated — a password put there was echoed.
            said = (
                str(exc)
                if settings.server == settings.uri
                else (f"{settings.server} has a user, password or query part the driver refuses")
            )
            raise ConfigurationError(
                f"invalid Neo4j settings: {said}",
                hint="check NEO4J_URI (a user and password go in NEO4J_USER and NEO4J_PASSWORD)",
            ) from None  # fmt: skip
        try:
            # No retries here: a server that is down or a wrong password must fail at once.
            driver.verify_connectivity()
            with driver.session(
                database=settings.database, default_access_mode=neo4j.READ_ACCESS
            ) as session:
                result = session.run(query)
                keys = result.keys()
                rows = [dict(zip(keys, record, strict=True)) for record in result]
        except BaseException:
            driver.close()
            raise
    _DRIVERS.setdefault(settings.server, weakref.WeakSet()).add(driver)
    return driver, rows


class _Batch(list):  # type: ignore[type-arg]
    """A list parameter with a short repr. The driver (neo4j 6.1) formats repr() of every RUN's
    parameters for a debug log line even when logging is off: for a 5,000-row import batch that
    is 40-50 ms of client CPU per statement. The packer sends it as the list it is."""

    def __repr__(self) -> str:
        return f"<{len(self)} items>"


def _parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _Batch(v) if isinstance(v, list) else v for k, v in params.items()}


def run_read(driver: Driver, database: str, query: str, params: Mapping[str, Any]) -> list[Record]:
    """A read: an auto-commit transaction in a READ session, so a cluster routes it to a
    secondary. One round trip (RUN and PULL pipelined) where a managed transaction takes two
    (its COMMIT is a second); transient failures are retried as a managed one would be."""
    deadline = time.monotonic() + READ_RETRY_SECONDS
    delay = 0.05
    while True:
        try:
            with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as s:
                result = s.run(query, _parameters(params))
                keys = result.keys()
                # Our queries return maps, lists and values, never nodes: zip is all a record
                # needs (Record.data() walks every nested value looking for graph types, which
                # cost a wide trace more than the server's work).
                return [dict(zip(keys, record, strict=True)) for record in result]
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
            # a server that stopped answering is not tried again: it held this read for its
            # own recv_timeout hint (120 s by default) already
            if (not exc.is_retryable() or time.monotonic() + delay > deadline
                    or any(_timed_out(c) for c in _causes(exc))):  # fmt: skip
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def run_write(
    driver: Driver, database: str, query: str, params: Mapping[str, Any]
) -> dict[str, int]:
    """A write transaction; returns the summary's counters (nodes_created, …)."""
    _, summary, _ = driver.execute_query(
        query, _parameters(params), database_=database, routing_=RoutingControl.WRITE
    )
    counters = summary.counters
    return {
        name: int(getattr(counters, name))
        for name in (
            "nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
            "properties_set", "constraints_added", "constraints_removed", "indexes_added",
            "indexes_removed",
        )
    }  # fmt: skip


def run_write_all(
    driver: Driver, database: str, statements: Sequence[tuple[str, Mapping[str, Any]]]
) -> None:
    """Several queries in one write transaction: they commit together or not at all (retried
    as a whole on transient errors)."""

    def work(tx: Any) -> None:
        for query, params in statements:
            tx.run(query, _parameters(params)).consume()

    with driver.session(database=database) as session:
        session.execute_write(work)


def run_write_records(
    driver: Driver, database: str, query: str, params: Mapping[str, Any]
) -> list[Record]:
    """A write transaction whose RETURN rows the caller needs (e.g. how many rows changed)."""
    records, _, _ = driver.execute_query(
        query, _parameters(params), database_=database, routing_=RoutingControl.WRITE
    )
    return [record.data() for record in records]


def run_autocommit(
    driver: Driver, database: str, query: str, params: Mapping[str, Any]
) -> list[Record]:
    """An implicit transaction: needed for CALL { … } IN TRANSACTIONS and schema commands. Its
    RETURN rows, if any (a data migration's counts)."""
    with driver.session(database=database) as session:
        return [record.data() for record in session.run(query, _parameters(params))]


# How the server ends a transaction that waited for a lock longer than its timeout (or than
# db.lock.acquisition.timeout, where a server sets one).
_LOCK_WAIT_ENDED = (
    "LockClientStopped",
    "TransactionTimedOut",
    "Terminated",
    "LockAcquisitionTimeout",
)


@contextlib.contextmanager
def held_lock(
    driver: Driver, database: str, query: str, params: Mapping[str, Any], wait_seconds: float
) -> Iterator[bool]:
    """Hold the write lock `query` takes for the duration of the block; yields False (holding
    nothing) when another holder keeps it for `wait_seconds` (give or take the server's check
    of transaction timeouts, every 2 s by default). `query` returns one row whose first value
    counts the nodes it locked.

    The lock lives in a transaction that is never committed: the server releases it when the
    block ends, or when this process dies and its connection drops — a killed holder leaves
    nothing to clean up. A transaction's timeout bounds its whole life, not just the wait, so
    the wait is tried in a short-lived transaction first and the lock then taken in one without
    a timeout (two callers racing between the two steps: the second waits for the first)."""
    if not lock_is_free(driver, database, query, params, wait_seconds):
        yield False
        return
    with driver.session(database=database) as session:
        # timeout=0: no limit, whatever db.transaction.timeout the server sets for others.
        holder = session.begin_transaction(timeout=0)
        try:
            _lock(holder, query, params)
            yield True
        finally:
            # Rolls back: the lock was all it was for. If the connection died meanwhile, the
            # server has already rolled it back; that must not hide how the block ended.
            with contextlib.suppress(neo4j_errors.Neo4jError, neo4j_errors.DriverError):
                holder.close()


def lock_is_free(
    driver: Driver, database: str, query: str, params: Mapping[str, Any], wait_seconds: float
) -> bool:
    """Whether the lock `query` takes could be taken within `wait_seconds`: taken in a
    transaction with that timeout, and let go at once (rolled back)."""
    with driver.session(database=database) as session:
        probe = session.begin_transaction(timeout=wait_seconds)
        try:
            _lock(probe, query, params)
            return True
        except neo4j_errors.Neo4jError as exc:
            if not any(part in (exc.code or "") for part in _LOCK_WAIT_ENDED):
                raise
            return False
        finally:
            probe.close()  # rolls back


def _lock(tx: Any, query: str, params: Mapping[str, Any]) -> None:
    record = tx.run(query, _parameters(params)).single()
    if not record or not record[0]:
        raise DatabaseError(
            "the lock query found nothing to lock",
            hint="run `tracegraph db init`, then try again (was the database reset meanwhile?)",
        )
