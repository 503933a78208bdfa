"""A server that stops answering, and connection failures told apart by their cause.

An exploratory tester paused the server (SIGSTOP: its process holds the port, the kernel still
accepts connections): commands said nothing for 61 s (paused before they started), 121 s (lot
show) or 300 s (check), then "cannot reach Neo4j … start the local server with `tracegraph db
up`" — also to `tracegraph db up` itself; an import said nothing for 388 s, then took 120 s more
to exit after SIGTERM. The same hint came for a TLS scheme against a plain server, a host that
does not exist, Neo4j's HTTP port and a port where Python's http.server answers (after 64 s).

A paused server is played here by a listener that accepts and never answers, and by a proxy to
the test server that stops forwarding (the test server itself is never paused)."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracegraph import db, lifecycle
from tracegraph.cli.main import app
from tracegraph.config import Settings
from tracegraph.errors import ServerNotAnswering, TracegraphError
from tracegraph.graph import TraceGraph

NOT_ANSWERING = (
    "stopped answering: it accepts connections but does not answer (hint: its process may be "
    "paused (`kill -CONT` resumes it) or hung: check the server and its log, or restart it"
)


@pytest.fixture(autouse=True)
def _short_handshake(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Handshakes give up after 2 s here (20 s in use); what a test found silent is forgotten."""
    monkeypatch.setattr(db, "HANDSHAKE_SECONDS", 2.0, raising=False)
    yield
    getattr(db, "_SILENT", set()).clear()


@contextlib.contextmanager
def _listener(answer: bytes | None = None) -> Iterator[int]:
    """A port that accepts connections and holds them, sending `answer` once the client has
    written (None: nothing, ever — a paused server); yields the port."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                client, _ = server.accept()
                held.append(client)
                if answer is not None:
                    client.recv(64)
                    client.sendall(answer)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        done.set()
        thread.join()
        for sock in [server, *held]:
            sock.close()


@contextlib.contextmanager
def _http_server(port: int = 0) -> Iterator[int]:
    """Python's http.server (on `port`; 0: any free one): it waits for a request line the Bolt
    handshake never ends."""

    class Quiet(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


class _PausableProxy:
    """Forwards a port to the test server until paused; paused, it accepts connections and
    reads nothing, as a SIGSTOPped server's kernel does."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.paused = threading.Event()
        self.done = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = [self.server]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.server.settimeout(0.1)
        while not self.done.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                client, _ = self.server.accept()
                self.sockets.append(client)
                if self.paused.is_set():
                    continue  # held, never answered
                upstream = socket.create_connection(self.upstream)
                self.sockets.append(upstream)
                for src, dst in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError, ValueError):
            while not self.done.is_set():
                if self.paused.is_set():
                    time.sleep(0.05)
                    continue
                if select.select([src], [], [], 0.1)[0]:
                    data = src.recv(65536)
                    if not data:
                        return
                    dst.sendall(data)

    def close(self) -> None:
        self.done.set()
        for sock in self.sockets:
            sock.close()


def _error_line(runner: CliRunner, args: list[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    result = runner.invoke(app, args)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return result.exit_code, " ".join(lines[0].split()), time.monotonic() - started


def test_a_server_that_accepts_connections_but_never_answers_is_said_so_at_once(
    neo4j_env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    """Paused before the command started: each command waited 61 s (the driver's 60 s
    connection acquisition), then told to start the server with `tracegraph db up` — `db up`
    too. Now the handshake gives up after HANDSHAKE_SECONDS (2 s here, 20 s in use) and the
    line says the server stopped answering; `db up` never names itself."""
    (tmp_path / "materials.csv").write_text("material_id,name\nFLOUR,Flour\n", encoding="utf-8")
    with _listener() as port:
        uri = f"bolt://127.0.0.1:{port}"
        monkeypatch.setenv("NEO4J_URI", uri)
        for args in (["lot", "show", "X"], ["check"], ["import", str(tmp_path)], ["db", "up"]):
            code, line, seconds = _error_line(runner, args)
            assert code == 2, args
            assert line.startswith(f"error: Neo4j at {uri} {NOT_ANSWERING}"), (args, line)
            assert "tracegraph db up" not in line, args
            assert seconds < 12, (args, seconds)


@pytest.mark.parametrize(
    ("case", "said", "hint"),
    [
        ("host", "host not found", "check the host name in NEO4J_URI"),
        ("bolt+s", "TLS handshake failed: the server does not use TLS", "use bolt:// in"),
        ("neo4j+s", "TLS handshake failed: the server does not use TLS", "use neo4j:// in"),
        ("neo4j http", "not a Bolt port (an HTTP server answers there)", "Bolt port"),
        ("http.server", "not a Bolt port (an HTTP server answers there)", "Bolt port"),
        ("refused", "", "start the local server with `tracegraph db up`, or check NEO4J_URI"),
    ],
)
def test_each_connection_failure_has_the_hint_of_its_cause(
    neo4j_env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch,
    case: str, said: str, hint: str,
) -> None:  # fmt: skip
    """Every one said "cannot reach Neo4j at … (hint: start the local server with `tracegraph
    db up`, or check NEO4J_URI)": now the driver's error picks the hint — the host not found,
    TLS against a plain server, an HTTP server on the port (Neo4j's, which answers the
    handshake "HTTP", or Python's, which says nothing until it has a line: it was 64 s)."""
    host_port = neo4j_env["NEO4J_URI"].split("://", 1)[1]
    with contextlib.ExitStack() as stack:
        uri = {
            "host": "bolt://no-such-host.invalid:7687",
            "bolt+s": f"bolt+s://{host_port}",
            "neo4j+s": f"neo4j+s://{host_port}",
            "refused": "bolt://127.0.0.1:9",
        }.get(case)
        if case == "neo4j http":
            port = stack.enter_context(_listener(b"HTTP/1.1 400 Bad Request\r\n\r\n"))
            uri = f"bolt://127.0.0.1:{port}"
        if case == "http.server":
            uri = f"bolt://127.0.0.1:{stack.enter_context(_http_server())}"
        assert uri is not None
        monkeypatch.setenv("NEO4J_URI", uri)
        code, line, seconds = _error_line(runner, ["lot", "show", "X"])
    assert code == 2
    cause = f": {said}" if said else ""
    assert line.startswith(f"error: cannot reach Neo4j at {uri}{cause} ("), line
    assert hint in line, line
    assert seconds < 12, seconds


def test_requests_waiting_on_a_server_that_stopped_answering_end_with_the_first(
    neo4j_settings: Settings,
) -> None:
    """An import waits on several connections at once (two writers, the import lock's, the
    ledger's): each waited out the server's recv_timeout hint (120 s) or the acquisition
    timeout in turn, 388 s with no output. Once one request finds the server silent, the
    others end at once (their driver is closed) and every later one fails without waiting."""
    host, _, port = neo4j_settings.uri.split("://", 1)[1].rpartition(":")
    proxy = _PausableProxy((host, int(port)))
    try:
        settings = Settings(f"bolt://127.0.0.1:{proxy.port}", neo4j_settings.user,
                            neo4j_settings.password, neo4j_settings.database)  # fmt: skip
        driver, _ = db.connect_reading(settings, "RETURN 1")
        graph = TraceGraph(driver, settings.database, settings.server)
        graph.read("db/round_trip")
        proxy.paused.set()
        errors: list[BaseException] = []

        def waiting() -> None:  # on the pooled connection, whose server no longer answers
            try:
                graph.read("db/round_trip")
            except TracegraphError as error:
                errors.append(error)

        started = time.monotonic()
        other = threading.Thread(target=waiting, daemon=True)
        other.start()
        time.sleep(0.5)
        with pytest.raises(ServerNotAnswering):  # a new connection: its handshake times out
            graph.read("db/round_trip")
        other.join(timeout=20)
        assert not other.is_alive(), "the other request still waits on the silent server"
        assert [type(e) for e in errors] == [ServerNotAnswering]
        assert time.monotonic() - started < 15
        later = time.monotonic()
        with pytest.raises(ServerNotAnswering):
            graph.write("import/lock_node")
        assert time.monotonic() - later < 1
    finally:
        proxy.close()


def test_a_uri_without_a_port_is_probed_on_neo4js_bolt_port(
    neo4j_env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTTP probe parsed the host and port by hand: bolt://127.0.0.1 (no port: the driver
    connects to 7687) gave the port "127.0.0.1", no probe, and an HTTP server on 7687 was
    "stopped answering … paused or hung". Now urllib.parse, with Neo4j's 7687."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(_http_server(7687))
        except OSError:
            pytest.skip("port 7687 is in use here")
        monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1")
        code, line, _ = _error_line(runner, ["lot", "show", "X"])
    assert code == 2
    assert line.startswith("error: cannot reach Neo4j at bolt://127.0.0.1: not a Bolt port"), line


def test_the_http_port_hint_names_the_local_servers_bolt_port(
    neo4j_env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    """NEO4J_URI at an HTTP port was told "7687 unless configured otherwise" where the home's
    server.json (what `db up` listens on) knows the Bolt port: now named, with its URI. A URI
    of another machine keeps the general hint (the home's server is not that one)."""
    home = tmp_path / "home" / ".tracegraph"
    home.mkdir(parents=True)
    (home / "server.json").write_text(json.dumps(
        {"bolt_port": 22999, "http_port": 22998, "heap": "1g", "pagecache": "1g"}))  # fmt: skip
    monkeypatch.setenv("TRACEGRAPH_HOME", str(home))
    with _listener(b"HTTP/1.1 400 Bad Request\r\n\r\n") as port:
        monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{port}")
        code, line, _ = _error_line(runner, ["lot", "show", "X"])
    assert code == 2
    assert line.endswith(
        f"(hint: give Neo4j's Bolt port in NEO4J_URI: the local server of {home} listens for "
        "Bolt on 22999 (bolt://127.0.0.1:22999), 22998 is its HTTP port)"
    ), line
    elsewhere = db._http_port("bolt://db.example.com:7474")
    assert "7687 unless configured otherwise" in elsewhere.hint


def test_the_hint_of_a_server_that_is_down_is_the_callers(neo4j_settings: Settings) -> None:
    """`db up`, waiting for the server it started, replaced a hint by searching db.py's hint
    text for "`tracegraph db up`" (a hint reworded there would have been said as it was, to
    `db up` itself); now it gives its hint to connect (down_hint)."""
    down = Settings(uri="bolt://127.0.0.1:9", user="neo4j", password="x")
    with pytest.raises(TracegraphError) as said:
        db.connect(down, down_hint="see the server's logs in /x/logs")
    assert said.value.hint == "see the server's logs in /x/logs"
    with pytest.raises(TracegraphError) as said:
        lifecycle._wait_for_credentials(down, timeout=0, hint="see the server's logs in /x/logs")
    assert str(said.value) == ("cannot reach Neo4j at bolt://127.0.0.1:9 (hint: see the "
                               "server's logs in /x/logs)")  # fmt: skip
    with pytest.raises(TracegraphError) as said:
        db.connect(down)
    assert "`tracegraph db up`" in said.value.hint
