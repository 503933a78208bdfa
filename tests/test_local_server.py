"""The local Neo4j server through the CLI, exactly as the README's quick start runs it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from readme import tracegraph_commands
from tracegraph import server
from tracegraph.cli import db as db_cli
from tracegraph.cli.main import app
from tracegraph.config import load_settings, read_credentials
from tracegraph.db import connect
from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import holding_import_lock

QUICK_START = tracegraph_commands("Quick start")


@pytest.fixture
def fresh_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A folder with no server yet; ports and memory through the documented variables."""
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE", "TRACEGRAPH_HOME"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACEGRAPH_BOLT_PORT", str(server.free_port()))
    monkeypatch.setenv("TRACEGRAPH_HTTP_PORT", str(server.free_port()))
    monkeypatch.setenv("TRACEGRAPH_HEAP", "512m")
    monkeypatch.setenv("TRACEGRAPH_PAGECACHE", "256m")
    home = tmp_path / ".tracegraph"
    yield home
    server.stop(home)


def _run(runner: CliRunner, argv: list[str]) -> str:
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, f"tracegraph {' '.join(argv)}: {result.stderr}"
    return result.stdout


def test_quick_start_works_twice_and_survives_a_restart(
    fresh_home: Path, runner: CliRunner
) -> None:
    assert [argv[:2] for argv in QUICK_START] == [["db", "up"], ["db", "init"], ["db", "status"]]
    bolt = f"bolt://127.0.0.1:{os.environ['TRACEGRAPH_BOLT_PORT']}"
    browser = f"http://127.0.0.1:{os.environ['TRACEGRAPH_HTTP_PORT']}/browser/"

    first = [_run(runner, argv) for argv in QUICK_START]
    assert first[0].splitlines()[:3] == [
        "Neo4j (local) is up.", f"Bolt URI:    {bolt}", f"Browser URL: {browser}",
    ]  # fmt: skip
    assert "Schema ready:" in first[1] and ", 0 already present" in first[1]
    assert first[2].startswith("Neo4j 5.26.30 community at " + bolt)

    second = [_run(runner, argv) for argv in QUICK_START]
    assert second[0].splitlines()[0] == "Neo4j (local) was already running."
    assert second[1].startswith("Schema ready: 0 created,")
    # New settings for a running server are not applied: said, not silently dropped.
    again = runner.invoke(app, ["db", "up", "--heap", "1g"])
    assert again.exit_code == 0 and again.stdout.startswith("Neo4j (local) was already running.")
    assert "--heap 1g (it runs with 512m) was not applied" in again.stderr

    # The password is only in the user-only credentials file: not on any command line.
    credentials = fresh_home / "credentials"
    assert credentials.stat().st_mode & 0o777 == 0o600
    # ...and the store is the user's alone: others could copy it and read it without auth
    assert fresh_home.stat().st_mode & 0o777 == 0o700
    settings = load_settings(env={"TRACEGRAPH_HOME": str(fresh_home)})
    assert settings.uri == bolt
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert settings.password.encode() not in cmdline.read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    assert settings.password not in "".join(first + second)
    # Loopback only.
    conf = (fresh_home / "neo4j" / "conf" / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "dbms.security.auth_enabled=true" in conf

    driver = connect(settings)
    driver.execute_query("CREATE (:Lot {lot_id: '000123'})", database_="neo4j")
    # An import running (holding the import lock): `db down` says so and stops nothing.
    graph = TraceGraph(driver, settings.database, settings.uri)
    with holding_import_lock(graph, "an import"):
        busy = runner.invoke(app, ["db", "down"])
        assert busy.exit_code == 2 and busy.stdout == ""
        assert busy.stderr.startswith(
            "error: the import lock is held by an import starting, or `tracegraph db reset`: "
        )
        assert "tracegraph db down --force" in busy.stderr
        assert server.state(fresh_home).running
    driver.close()

    assert _run(runner, ["db", "down"]).strip() == "Neo4j (local) stopped."
    assert _run(runner, ["db", "down"]).strip() == "Neo4j was not running."
    # A setting of neo4j-extra.conf replaces tracegraph's: given twice, Neo4j refused to start
    # (analysts' PCs could not be let in by a listen address in that file).
    (fresh_home / "neo4j-extra.conf").write_text("server.bolt.thread_pool_max_size=16\n")
    restarted = _run(runner, ["db", "up"])
    assert restarted.splitlines()[0] == "Neo4j (local) is up."
    conf = (fresh_home / "neo4j" / "conf" / "neo4j.conf").read_text()
    assert "server.bolt.thread_pool_max_size=16" in conf and "_size=32" not in conf
    assert "# replaced by neo4j-extra.conf: server.bolt.thread_pool_max_size" in conf
    status = json.loads(_run(runner, ["db", "status", "--format", "json"]))
    assert status["nodes"]["Lot"] == 1  # data and password survived the restart
    local = status["local_server"]  # the morning check: which server, its process and disk
    assert (local["home"], local["pid"], local["heap"]) == (
        str(fresh_home),
        server.running_pid(fresh_home),
        "512m",
    )
    assert local["store_bytes"] > 0 and local["disk_free_bytes"] > 0

    # The credentials file lost (the password is in the store only): the hint's way back works
    # (it said to set NEO4J_PASSWORD, which `db up` ignored), a wrong password leaves no file.
    _run(runner, ["db", "down"])
    credentials.unlink()
    lost = runner.invoke(app, ["db", "up"])
    assert lost.exit_code == 2
    assert "credentials file" in lost.stderr and "NEO4J_PASSWORD=… tracegraph db up" in lost.stderr
    wrong = runner.invoke(app, ["db", "up"], env={"NEO4J_PASSWORD": "not-the-password"})
    assert wrong.exit_code == 2
    assert "refused NEO4J_PASSWORD" in wrong.stderr and not credentials.exists()
    right = runner.invoke(app, ["db", "up"], env={"NEO4J_PASSWORD": settings.password})
    assert right.exit_code == 0, right.stderr
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert load_settings(env={"TRACEGRAPH_HOME": str(fresh_home)}) == settings
    status = json.loads(_run(runner, ["db", "status", "--format", "json"]))
    assert status["nodes"]["Lot"] == 1

    # The server has a session of its own: closing the terminal (ssh) that started it, or a
    # hang-up to that terminal's process group, stopped the plant's server.
    pid = server.running_pid(fresh_home)
    assert pid is not None and os.getsid(pid) != os.getsid(0)

    # The password changed in Browser: `db up` tried the file's password once a second for a
    # minute and locked the user out for everyone; NEO4J_PASSWORD was ignored.
    new_password = settings.password + "-rotated"
    with connect(settings) as driver:
        driver.execute_query(
            "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
            old=settings.password, new=new_password, database_="system",
        )  # fmt: skip
    changed = runner.invoke(app, ["db", "up"])
    assert changed.exit_code == 2 and changed.stdout == ""
    assert "it was changed since the file was written" in changed.stderr
    assert "NEO4J_PASSWORD=<the new password> tracegraph db up" in changed.stderr
    rotated = replace(settings, password=new_password)
    connect(rotated).close()  # refused twice, not three times: the user is not locked out
    taken = runner.invoke(app, ["db", "up"], env={"NEO4J_PASSWORD": new_password})
    assert taken.exit_code == 0, taken.stderr
    assert load_settings(env={"TRACEGRAPH_HOME": str(fresh_home)}) == rotated
    assert credentials.stat().st_mode & 0o777 == 0o600

    # A backup, and the database restored from it (there was no way but neo4j-admin by hand).
    refused = runner.invoke(app, ["db", "backup", "--to", "backups"])
    assert refused.exit_code == 2 and "can back up a stopped database only" in refused.stderr
    _run(runner, ["db", "down"])
    backed_up = _run(runner, ["db", "backup", "--to", "backups"])
    (dump,) = Path("backups").glob("tracegraph-*.dump")
    # sized as `db status` sizes the store (it said "48,213 bytes" where status said KiB)
    assert backed_up == f"Backed up to {dump.resolve()} ({db_cli._bytes(dump.stat().st_size)}).\n"
    assert re.search(r" \(\d[\d,]*(\.\d)? (B|KiB|MiB|GiB)\)\.$", backed_up.strip())
    assert dump.stat().st_mode & 0o777 == 0o600  # the store, readable without the password
    _run(runner, ["db", "up"])
    _run(runner, ["db", "reset", "--yes"])
    assert json.loads(_run(runner, ["db", "status", "--format", "json"]))["nodes"]["Lot"] == 0
    _run(runner, ["db", "down"])
    unsure = runner.invoke(app, ["db", "restore", str(dump)])
    assert unsure.exit_code == 2 and "--yes" in unsure.stderr
    _run(runner, ["db", "restore", str(dump), "--yes"])
    _run(runner, ["db", "up"])
    assert json.loads(_run(runner, ["db", "status", "--format", "json"]))["nodes"]["Lot"] == 1
    _run(runner, ["db", "down"])

    # An empty or cut dump: neo4j-admin deleted the database before it read the file, and the
    # plant and its ledger were gone (a cut one left half a store that never started).
    cut, empty = Path("backups") / "cut.dump", Path("backups") / "empty.dump"
    cut.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    empty.write_bytes(b"")
    for bad in (cut, empty):
        failed = runner.invoke(app, ["db", "restore", str(bad), "--yes"])
        assert failed.exit_code == 2, failed.output
        assert "; the database was not changed (hint: the dump cannot be loaded" in failed.stderr
        assert len(failed.stderr.strip().splitlines()) == 1
    data = server.neo4j_home(fresh_home) / "data"
    assert not list(data.glob(".tracegraph-before-restore-*"))
    _run(runner, ["db", "up"])
    assert json.loads(_run(runner, ["db", "status", "--format", "json"]))["nodes"]["Lot"] == 1
    _run(runner, ["db", "down"])


def test_db_up_with_the_credentials_sourced_starts_its_own_server_and_warns_of_a_new_heap(
    fresh_home: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README's backup recipe sources the credentials file, which sets NEO4J_URI: `db down` and
    `db backup` worked, then `db up` took the home's own server for somebody else's and refused
    "cannot reach Neo4j at bolt://127.0.0.1:34687 (hint: … unset it for the local server)",
    exit 2, leaving it down; and `db up --heap 2g` on the running server did not say that the
    heap was not applied (without NEO4J_URI it did)."""
    _run(runner, ["db", "up"])
    for key, value in read_credentials(fresh_home / "credentials").items():  # `set -a; . …`
        monkeypatch.setenv(key, value)
    assert os.environ["NEO4J_URI"].startswith("bolt://127.0.0.1:")
    again = runner.invoke(app, ["db", "up", "--heap", "1g"])
    assert again.exit_code == 0 and again.stdout.startswith("Neo4j (local) was already running.")
    assert "--heap 1g (it runs with 512m) was not applied" in again.stderr
    assert _run(runner, ["db", "down"]).strip() == "Neo4j (local) stopped."
    started = runner.invoke(app, ["db", "up"])
    assert started.exit_code == 0, started.stderr
    assert started.stdout.startswith("Neo4j (local) is up.")
    assert server.state(fresh_home).running
    # a URI of this machine on another port is still somebody else's: checked, not started
    monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{server.free_port()}")
    elsewhere = runner.invoke(app, ["db", "up"])
    assert elsewhere.exit_code == 2, elsewhere.output
    assert "cannot reach Neo4j at bolt://127.0.0.1:" in elsewhere.stderr


def test_a_pid_file_naming_another_homes_server_is_not_this_homes_server(
    tmp_path: Path,
) -> None:
    """After a reboot a stale pid file named another home's Neo4j (pids are reused): `db down`
    stopped that server, and `db up` said the port was taken."""
    home, other = tmp_path / "plant" / ".tracegraph", tmp_path / "test" / ".tracegraph"
    # a home whose server folder is a prefix of this one's: /srv/tg/neo4j of /srv/tg/neo4j2/…
    within = server.neo4j_home(home).parent / "neo4j2"
    pidfile = server.neo4j_home(home) / "run" / "neo4j.pid"
    pidfile.parent.mkdir(parents=True)
    for owner, ours in ((other, False), (within, False), (home, True)):
        conf = f"{server.neo4j_home(owner) / 'conf'}/*"  # as a server's class path names it
        with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", conf]) as java:
            try:
                started = Path(f"/proc/{java.pid}/cmdline")
                deadline = time.monotonic() + 10
                # forked but not yet exec'd, its command line is still pytest's
                while conf.encode() not in started.read_bytes() and time.monotonic() < deadline:
                    time.sleep(0.01)
                pidfile.write_text(f"{java.pid}\n")
                assert server.running_pid(home) == (java.pid if ours else None)
            finally:
                java.kill()


def test_a_failed_start_names_the_launchers_error_not_an_old_log_line(tmp_path: Path) -> None:
    """A setting given twice (neo4j-extra.conf and tracegraph's) was refused by Neo4j's
    launcher, whose words were thrown away; `db up` quoted the "Stopped." of the last `db down`
    — or an ERROR an old importer had caused — instead."""
    logs = server.neo4j_home(tmp_path) / "logs"
    logs.mkdir(parents=True)
    log = logs / "neo4j.log"
    log.write_text(
        "2026-12-04 23:00:00.000+0000 ERROR Client triggered an unexpected error\n"
        "2026-12-04 23:10:00.000+0000 INFO  Stopped.\n"
    )
    before = log.stat().st_size
    launcher = "Error: server.default_advertised_address declared multiple times.\n"
    assert server._last_error(tmp_path, before, launcher) == launcher.strip()
    # nothing from the launcher: what the server logged since the start, not before it
    assert server._last_error(tmp_path, before, "") == "it wrote nothing to its log"
    with log.open("a") as more:
        more.write("2026-12-05 00:10:00.000+0000 ERROR Failed to start Neo4j: heap too small\n")
    assert server._last_error(tmp_path, before, "") == "Failed to start Neo4j: heap too small"


def test_neo4j_extra_conf_may_not_turn_auth_off(tmp_path: Path) -> None:
    (tmp_path / "neo4j-extra.conf").write_text("# mine\ndbms.security.auth_enabled = false\n")
    with pytest.raises(ConfigurationError) as refused:
        server._conf_text(tmp_path, server.ServerOptions())
    assert refused.value.message == f"{tmp_path / 'neo4j-extra.conf'} turns authentication off"
    # saved by Notepad, with a byte order mark before the first key: still read, still refused
    (tmp_path / "neo4j-extra.conf").write_bytes(b"\xef\xbb\xbfdbms.security.auth_enabled=false\n")
    with pytest.raises(ConfigurationError):
        server._conf_text(tmp_path, server.ServerOptions())
    (tmp_path / "neo4j-extra.conf").write_text("server.jvm.additional=-XX:+UseG1GC\n")
    conf = server._conf_text(tmp_path, server.ServerOptions())
    assert conf.count("server.jvm.additional=") == len(server.JVM_FLAGS) + 1  # a list: added to
    assert "dbms.security.auth_enabled=true" in conf


@pytest.mark.parametrize(
    ("extra", "taken", "hint"),
    [
        # neo4j-extra.conf moves the port: --bolt-port would change nothing, the file does
        ("server.bolt.listen_address=:{port}\n", "Bolt",
         "change server.bolt.listen_address in {home}/neo4j-extra.conf"),
        ("server.http.listen_address=0.0.0.0:{port}\n", "HTTP",
         "change server.http.listen_address in {home}/neo4j-extra.conf"),
        # tracegraph's own port (TRACEGRAPH_BOLT_PORT here): the option, as before
        ("", "Bolt", "choose another port with `tracegraph db up --bolt-port N`"),
    ],
)  # fmt: skip
def test_a_port_in_use_names_where_the_port_was_set(
    fresh_home: Path,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    extra: str,
    taken: str,
    hint: str,
) -> None:
    """`db up` finding its port taken named --bolt-port even when neo4j-extra.conf set that
    port, which wins over the option: the hint changed nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        if extra:
            fresh_home.mkdir(parents=True)
            (fresh_home / "neo4j-extra.conf").write_text(extra.format(port=port))
        else:
            monkeypatch.setenv("TRACEGRAPH_BOLT_PORT", str(port))
        result = runner.invoke(app, ["db", "up"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        f"error: port {port} on 127.0.0.1 (Neo4j {taken}) is already in use by another program "
        f"(hint: stop that program, or {hint.format(home=fresh_home)})"
    )


def test_auto_mode_keeps_the_backend_a_homes_server_ran_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Auto mode took Docker whenever an engine answered: a home whose plant is in the local
    store got an empty Docker server once Docker was installed."""
    from tracegraph import lifecycle

    home = tmp_path / ".tracegraph"
    home.mkdir()
    for engine in (True, False):
        monkeypatch.setattr(lifecycle, "docker_engine_answers", lambda engine=engine: engine)
        assert lifecycle.uses_docker("auto", home) is engine  # a new home: as the machine has
        for backend in ("local", "docker"):
            (home / "backend.json").write_text(json.dumps({"backend": backend}))
            assert lifecycle.uses_docker("auto", home) is (backend == "docker")
            assert lifecycle.uses_docker("local", home) is False
            assert lifecycle.uses_docker("docker", home) is True
        (home / "backend.json").unlink()


def _store(home: Path) -> list[Path]:
    """A home's store and transaction logs, each with a file, as a server leaves them."""
    data = server.neo4j_home(home) / "data"
    parts = [data / "databases" / "neo4j", data / "transactions" / "neo4j"]
    for part in parts:
        part.mkdir(parents=True)
        (part / "neostore").write_text(part.parent.name)
    return parts


def test_a_restore_that_fails_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """neo4j-admin deletes the store before it reads the dump: a bad dump left no database;
    a store that could not be moved aside (a link to another disk) was deleted outright."""
    from tracegraph import backup
    from tracegraph.errors import ServerSetupError

    home = tmp_path / ".tracegraph"
    parts = _store(home)
    with pytest.raises(ServerSetupError) as bad, backup._kept_until_loaded(home):
        for part in parts:  # the load's half store
            assert not part.exists()
            part.mkdir()
            (part / "half").write_text("cut")
        raise ServerSetupError("neo4j-admin database load failed: Truncated source")
    assert bad.value.message.endswith("Truncated source; the database was not changed")
    assert [sorted(p.name for p in part.iterdir()) for part in parts] == [["neostore"]] * 2

    real_rename = Path.rename

    def no_move_across_disks(self: Path, target: Path) -> Path:
        if self.parent.name == "transactions":
            raise OSError(18, "Invalid cross-device link")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", no_move_across_disks)
    with pytest.raises(ServerSetupError) as unmoved, backup._kept_until_loaded(home):
        raise AssertionError("not loaded: the store was not aside")
    assert unmoved.value.message.startswith(
        "cannot move the database aside while the dump loads (Invalid cross-device link)"
    )
    assert [(part / "neostore").read_text() for part in parts] == ["databases", "transactions"]
    data = server.neo4j_home(home) / "data"
    assert not list(data.glob(backup.ASIDE_PREFIX + "*"))
    monkeypatch.undo()

    # killed while loading: the store before it is said, not lost under the next restore
    (data / f"{backup.ASIDE_PREFIX}x").mkdir()
    with pytest.raises(ConfigurationError) as left:
        backup._interrupted_restore(home)
    assert left.value.message.startswith("a restore was interrupted: the database before it is")


@pytest.mark.parametrize(
    ("returncode", "said", "reason", "hint"),
    [
        # the dump process killed: it quoted its progress line as the reason
        (
            -9,
            "2026-12-06 14:36:20.833+0000 INFO  [o.n.c.d.DumpCommand] Starting dump of "
            "database 'neo4j'",
            "it was stopped by SIGKILL before it finished",
            "run the command again",
        ),
        (
            1,
            "2026-12-06 14:36:20.833+0000 INFO  [o.n.c.d.DumpCommand] Starting dump of database "
            "'neo4j'\njava.io.IOException: No space left on device\n\tat org.neo4j.Dump.run",
            "java.io.IOException: No space left on device",
            "free some space, or write the dump elsewhere; run the command again",
        ),
        (
            1,
            "2026-12-06 14:36:20.833+0000 INFO  x\nTruncated source\n\tat org.neo4j.Load",
            "Truncated source",
            None,
        ),
    ],
)
def test_a_failed_neo4j_admin_is_told_by_its_reason_not_its_progress(
    returncode: int, said: str, reason: str, hint: str | None
) -> None:
    """What `db backup`/`db restore` say when neo4j-admin fails (its words as a real dump
    printed them): a dump stopped by a signal quoted "INFO … Starting dump" as its reason, and
    a full disk pointed at the server's logs, though the cause was in the message."""
    assert server.admin_failure(returncode, said) == (reason, hint)


# A password as `db up` finds it with the credentials sourced, and one in a URI
SECRETS = {"NEO4J_PASSWORD": "s3cret-env", "NEO4J_URI": "bolt://neo4j:s3cret-uri@127.0.0.1:1"}


@pytest.fixture(scope="module")
def secret_env_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A server of its own started from an environment holding SECRETS (the test server was
    started from one without them)."""
    home = tmp_path_factory.mktemp("secret-env") / ".tracegraph"
    options = server.ServerOptions(
        bolt_port=server.free_port(), http_port=server.free_port(), heap="512m", pagecache="256m"
    )
    server.start(home, options, env={**os.environ, **SECRETS})
    try:
        yield home
    finally:
        server.stop(home)


def test_the_servers_and_neo4j_admins_environment_hold_no_password(
    secret_env_server: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the credentials sourced (`set -a; . .tracegraph/credentials`), `db up` left
    NEO4J_PASSWORD in the environment of the long-running Neo4j JVM, readable in
    /proc/PID/environ and written out by a crash report, and `db backup` in neo4j-admin's."""
    pid = server.running_pid(secret_env_server)
    assert pid is not None
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert b"NEO4J_HOME=" + str(server.neo4j_home(secret_env_server)).encode() in environ
    assert not [v for v in environ if v.startswith((b"NEO4J_PASSWORD=", b"NEO4J_URI="))]
    assert not [v for v in environ if b"s3cret" in v]
    seen: list[dict[str, str]] = []
    real_run = subprocess.run

    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if server.ADMIN_TOOL not in args:  # `java -version`
            return real_run(args, **kwargs)
        seen.append(kwargs["env"])  # neo4j-admin itself: a dump needs a stopped server
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(subprocess, "run", run)
    server.admin(secret_env_server, ["database", "dump", "neo4j"], env={**os.environ, **SECRETS})
    assert seen and not set(seen[0]) & {"NEO4J_PASSWORD", "NEO4J_URI"}
    assert "NEO4J_HOME" in seen[0]


def _preflight(port: int, origin: str) -> str | None:
    """The Access-Control-Allow-Origin the server answers a browser's preflight for a POST
    with an Authorization header from `origin` with."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/db/neo4j/tx/commit",
        method="OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 — http://127.0.0.1
        allowed: str | None = answer.headers.get("Access-Control-Allow-Origin")
    return allowed


def test_only_the_servers_own_browser_origin_may_send_it_requests_and_it_sends_no_telemetry(
    secret_env_server: Path,
) -> None:
    """The HTTP port answered a preflight from any origin with `Access-Control-Allow-Origin: *`
    (Authorization allowed): any web page the analyst opened could send three wrong logins and
    lock the only user out for ~5 s, and a nightly import was refused. And the Browser it
    serves sent usage data to Neo4j (client.allow_telemetry), though the README says none."""
    options = server.saved_options(secret_env_server)
    assert options is not None
    own = f"http://127.0.0.1:{options.http_port}"
    assert _preflight(options.http_port, "http://evil.example") not in ("*", "http://evil.example")
    assert _preflight(options.http_port, own) == own
    settings = load_settings(env={"TRACEGRAPH_HOME": str(secret_env_server)})
    with connect(settings) as driver:
        records, _, _ = driver.execute_query("CALL dbms.clientConfig()")
    config = {record["name"]: record["value"] for record in records}
    assert config["client.allow_telemetry"] == "false"
