"""Errors people meet: one line on stderr naming cause and fix, exit code 2, no traceback,
never the password."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j.exceptions import Neo4jError
from typer.testing import CliRunner

from tracegraph import server
from tracegraph.cli.main import app
from tracegraph.config import Settings
from tracegraph.db import translated_errors
from tracegraph.errors import DatabaseError, RequestRefused
from tracegraph.graph import TraceGraph

TEMURIN_25 = Path("/usr/lib/jvm/temurin-25-jdk-amd64")


def _assert_one_line_error(result: object, expected: str, secret: str = "") -> None:
    out, err, code = result.stdout, result.stderr, result.exit_code  # type: ignore[attr-defined]
    assert code == 2, err
    assert out == ""
    assert err.strip() == expected
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    if secret:
        assert secret not in out + err


def test_wrong_password(neo4j_env: dict[str, str], runner: CliRunner) -> None:
    wrong = "definitely-not-the-password-42"
    result = runner.invoke(app, ["db", "status"], env={"NEO4J_PASSWORD": wrong})
    _assert_one_line_error(
        result,
        f"error: Neo4j at {neo4j_env['NEO4J_URI']} refused the credentials of user 'neo4j' "
        "(hint: check NEO4J_PASSWORD)",
        secret=wrong,
    )


def test_unknown_database(neo4j_env: dict[str, str], runner: CliRunner) -> None:
    result = runner.invoke(app, ["db", "status"], env={"NEO4J_DATABASE": "plant42"})
    _assert_one_line_error(
        result,
        f"error: database 'plant42' does not exist on {neo4j_env['NEO4J_URI']} (hint: set "
        "NEO4J_DATABASE to an existing database (Neo4j Community has one user database, 'neo4j'))",
        secret=neo4j_env["NEO4J_PASSWORD"],
    )


def test_server_down(neo4j_env: dict[str, str], runner: CliRunner) -> None:
    port = server.free_port()  # nothing listens there
    result = runner.invoke(app, ["db", "status"], env={"NEO4J_URI": f"bolt://127.0.0.1:{port}"})
    _assert_one_line_error(
        result,
        f"error: cannot reach Neo4j at bolt://127.0.0.1:{port} (hint: start the local server "
        "with `tracegraph db up`, or check NEO4J_URI)",
        secret=neo4j_env["NEO4J_PASSWORD"],
    )


def test_not_a_neo4j_uri(neo4j_env: dict[str, str], runner: CliRunner) -> None:
    result = runner.invoke(app, ["db", "init"], env={"NEO4J_URI": "http://127.0.0.1:7474"})
    _assert_one_line_error(
        result,
        "error: NEO4J_URI 'http://127.0.0.1:7474' is not a Neo4j address "
        "(hint: use bolt://host:7687, or neo4j://host:7687 for a cluster or Aura)",
    )


def test_no_server_configured(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TRACEGRAPH_HOME", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["db", "status"])
    _assert_one_line_error(
        result,
        f"error: no Neo4j server is configured ({tmp_path / 'nowhere'} has no credentials file) "
        "(hint: run the command from the folder that holds the server's .tracegraph (or set "
        "TRACEGRAPH_HOME to that .tracegraph folder), start one there with `tracegraph db up`, "
        "or set NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD)",
    )


def _local_up_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TRACEGRAPH_HOME", str(tmp_path / ".tracegraph"))


def test_java_missing(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _local_up_env(monkeypatch, tmp_path)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = runner.invoke(app, ["db", "up", "--local"])
    _assert_one_line_error(
        result,
        "error: Java was not found (Neo4j runs on Java 17 or 21) (hint: install Java 17 or 21 "
        "(Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME)",
    )


@pytest.mark.skipif(not TEMURIN_25.is_dir(), reason="needs the machine's Temurin 25 JDK")
def test_java_of_the_wrong_version(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _local_up_env(monkeypatch, tmp_path)
    monkeypatch.setenv("JAVA_HOME", str(TEMURIN_25))
    result = runner.invoke(app, ["db", "up", "--local"])
    _assert_one_line_error(
        result,
        f"error: Neo4j 5.26.30 needs Java 17 or 21, but {TEMURIN_25}/bin/java is Java 25 "
        "(hint: point JAVA_HOME at a Java 17 or 21 installation)",
    )


def test_port_taken(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _local_up_env(monkeypatch, tmp_path)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = runner.invoke(
            app, ["db", "up", "--local", "--bolt-port", str(port),
                  "--http-port", str(server.free_port())],
        )  # fmt: skip
    _assert_one_line_error(
        result,
        f"error: port {port} on 127.0.0.1 (Neo4j Bolt) is already in use by another program "
        "(hint: stop that program, or choose another port with `tracegraph db up --bolt-port N`)",
    )
    assert not (tmp_path / ".tracegraph" / "neo4j" / "data").exists()


def test_docker_requested_without_an_engine(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tracegraph.lifecycle import docker_engine_answers

    if docker_engine_answers():
        pytest.skip("a Docker engine answers here")
    _local_up_env(monkeypatch, tmp_path)
    result = runner.invoke(app, ["db", "up", "--docker"])
    _assert_one_line_error(
        result,
        "error: no Docker engine answers on this machine (hint: start Docker, or run "
        "`tracegraph db up --local` for the server without Docker)",
    )


def test_unexpected_errors_are_one_line_too(tmp_path: Path) -> None:
    """The console script's last resort: a bug still prints one line, not a traceback."""
    import subprocess
    import sys

    env = {**os.environ, "TRACEGRAPH_HOME": str(tmp_path / ".tracegraph")}
    credentials = tmp_path / ".tracegraph" / "credentials"
    credentials.parent.mkdir()
    # Bytes that are not UTF-8 make reading the file fail in a way no handler expects.
    credentials.write_bytes(b"NEO4J_URI=\xff\xfe\n")
    credentials.chmod(0o600)
    for key in ("NEO4J_URI", "NEO4J_PASSWORD"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, "-c", "from tracegraph.cli.main import run; run()", "db", "status"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.startswith("error: unexpected failure: UnicodeDecodeError")
    assert done.stderr.rstrip().endswith(
        "(hint: run again with TRACEGRAPH_DEBUG=1 for the traceback, and report it)"
    )
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("bolt://127.0.0.1:1?password=S3cretXYZ", "bolt://127.0.0.1:1?…"),  # the driver refuses
        # the driver's messages quoting the query string, or a repeated parameter's value
        ("neo4j://127.0.0.1:1?password=S3cretXYZ&password=S3cretXYZ", "neo4j://127.0.0.1:1?…"),
        ("neo4j://127.0.0.1:1?a=S3cretXYZ&b=", "neo4j://127.0.0.1:1?…"),
        ("neo4j://u:p@ss#S3cretXYZ@127.0.0.1:1", "neo4j://127.0.0.1:1 has a user"),
        ("http://neo4j:S3cretXYZ@127.0.0.1:7474", "http://127.0.0.1:7474"),  # we refuse
        ("neo4j://neo4j:S3cretXYZ@127.0.0.1:1", "neo4j://127.0.0.1:1 has a user"),
        ("neo4j://127.0.0.1:1?region=S3cretXYZ", "cannot reach Neo4j at neo4j://127.0.0.1:1?…"),
    ],
)
def test_a_password_in_the_uri_is_never_shown(
    neo4j_env: dict[str, str], runner: CliRunner, uri: str, shown: str
) -> None:
    """A password put in NEO4J_URI's query was echoed by the driver's error (and in the
    import's --summary-file): a URI in a message is shown without its user, password or query."""
    result = runner.invoke(app, ["db", "status"], env={"NEO4J_URI": uri})
    assert result.exit_code == 2
    assert "S3cretXYZ" not in result.output
    assert shown in result.stderr, result.stderr


def test_settings_never_leak_the_password(neo4j_settings: Settings) -> None:
    assert neo4j_settings.password not in repr(neo4j_settings)


def test_wrong_passwords_in_a_row_still_point_at_the_password(
    neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """After a few wrong passwords Neo4j refuses every login for a few seconds with another
    code (AuthenticationRateLimit), which said only "error code Neo.ClientError.Security…":
    it says which password to check and to wait."""
    wrong = "definitely-not-the-password-43"
    messages = [
        runner.invoke(app, ["db", "status"], env={"NEO4J_PASSWORD": wrong}).stderr for _ in range(5)
    ]
    limited = [m for m in messages if "too many times in a row" in m]
    assert limited, messages
    _assert_one_line_error(
        runner.invoke(app, ["db", "status"], env={"NEO4J_PASSWORD": wrong}),
        f"error: Neo4j at {neo4j_env['NEO4J_URI']} refused the credentials of user 'neo4j' too "
        "many times in a row and blocks logins for a few seconds (hint: check NEO4J_PASSWORD, "
        "then wait 5 seconds and try again)",
        secret=wrong,
    )
    for _ in range(30):  # let the next tests log in
        if runner.invoke(app, ["db", "status"]).exit_code == 0:
            break
        time.sleep(1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rootcause", "F04", "--format", "xml"], "error: Invalid value for '--format'"),
        (
            ["trace", "device", "OVEN-4", "--from", "2026-01-05T06:00"],
            "error: Missing option '--to'",
        ),
        (["trace", "forward"], "error: Missing argument 'lots'"),
        (["nosuch"], "error: No such command 'nosuch'"),
    ],
)
def test_a_usage_error_is_one_line_naming_help(
    runner: CliRunner, args: list[str], message: str
) -> None:
    """Click drew a usage line and a box of four lines; every failure is one line."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "--help` lists what it takes)" in result.stderr


@pytest.mark.parametrize("kind", ["forward", "backward"])
def test_a_picture_that_cannot_be_written_is_one_line_before_any_trace(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    """--html naming a missing folder or a folder was an internal error (exit 3) after the
    trace ran, its answer lost; now it is checked first (no server is even asked)."""
    for path, message in ((tmp_path / "no" / "x.html", "the folder"), (tmp_path, "is a folder")):
        result = runner.invoke(app, ["trace", kind, "B", "--html", str(path), "--format", "json"])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_full_disk_is_one_line_not_a_bug(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No space left (or a read-only or forbidden folder) is the machine's state: exit 2 and
    one line naming the file, not "unexpected failure" and exit 3."""
    import errno

    from tracegraph.cli import demo

    def full(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "p" / "lots.csv"))

    monkeypatch.setattr(demo, "generate_plant", full)
    result = runner.invoke(app, ["demo", "generate", "--lots", "100", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"error: No space left on device ({tmp_path / 'p' / 'lots.csv'})"
    )
    assert "hint: free some space" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--heap", "lots"], "error: --heap 'lots' is not an amount of memory"),
        (["--heap", "4096"], "error: --heap '4096' is not an amount of memory"),  # 4 kB to Neo4j
        (["--pagecache", "-1g"], "error: --pagecache '-1g' is not an amount of memory"),
        # a typo for 512m: it was saved, and every later `db up` failed on it
        (["--heap", "512k"], "error: --heap 512k is too small for Neo4j (hint: give it 256m"),
        (["--pagecache", "8k"], "error: --pagecache 8k is too small for Neo4j (hint: give it 16m"),
        (["--bolt-port", "41787", "--http-port", "41787"], "error: Bolt and HTTP cannot share"),
        (["--bolt-port", "70000"], "error: Invalid value for '--bolt-port'"),
    ],
)
def test_db_up_refuses_settings_neo4j_would_refuse_before_saving_them(
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    """They were saved to server.json, and every later `db up` failed with an old line of
    Neo4j's log; a port out of range was an internal error."""
    monkeypatch.chdir(tmp_path)
    for name in ("NEO4J_URI", "TRACEGRAPH_HOME"):
        monkeypatch.delenv(name, raising=False)
    result = runner.invoke(app, ["db", "up", "--local", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message), result.stderr
    assert not (tmp_path / ".tracegraph").exists()  # nothing saved


@pytest.mark.parametrize(
    ("code", "refused"),
    [
        ("Neo.ClientError.Schema.ConstraintValidationFailed", True),
        ("Neo.ClientError.Statement.SyntaxError", True),
        # a transaction that waited for a lock, timed out or was ended completes when run again
        ("Neo.ClientError.Transaction.TransactionTimedOut", False),
        ("Neo.ClientError.Transaction.LockClientStopped", False),
        ("Neo.TransientError.Transaction.DeadlockDetected", False),
    ],
)
def test_a_refused_request_is_told_from_one_that_may_pass_again(code: str, refused: bool) -> None:
    """An import's hint says whether re-running it completes it (RequestRefused: it does not)."""
    with pytest.raises(DatabaseError) as caught, translated_errors("bolt://test", "neo4j"):
        raise Neo4jError._hydrate_neo4j(code=code, message="m")
    assert isinstance(caught.value, RequestRefused) is refused


def test_running_out_of_memory_is_one_line_with_a_hint_and_exit_2(
    neo4j_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A trace of a whole 1M-lot plant from its 545 salt lots filled 4 GB and ended in
    "unexpected failure: MemoryError:" (exit 3, report it): not a bug, a trace too big for
    the machine — said as such, with what to do. (The memory is filled here by raising the
    error where a trace would: a real limit makes the test depend on the machine.)"""
    from tracegraph import trace as tracing
    from tracegraph.cli.main import run

    def too_big(*_: object) -> None:
        raise MemoryError

    monkeypatch.setattr(tracing, "trace_forward", too_big)
    monkeypatch.setattr("sys.argv", ["tracegraph", "trace", "forward", "R1"])
    with pytest.raises(SystemExit) as ended:
        run()
    assert ended.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "error: ran out of memory (hint: a trace or recall holds about 6 kB (forward) to 8 kB "
        "(backward) per lot it reaches: trace fewer lots at once (a shorter window, a shorter "
        "--lots-file), or run it where more memory is free)\n"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["trace", "forward", "B"],
        ["trace", "forward", "B", "--format", "csv"],
        ["trace", "forward", "B", "--format", "json"],
        ["trace", "backward", "P1"],
        ["check"],
    ],
)
def test_a_reader_that_closes_the_pipe_ends_the_command_quietly_with_141(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], command: list[str]
) -> None:
    """`tracegraph check | head -1`: the reader going away is its choice, not a failure of
    ours. rich and click exited 1 there (check's "something was found"), a CSV or JSON answer
    too; now all end as a shell reports `cat … | head -1`, 141 (128 + SIGPIPE), and say
    nothing (no "Exception ignored … BrokenPipeError")."""
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stdout fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from tracegraph.cli.main import run; run()", *command],
            env={**os.environ, **neo4j_env},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def test_a_broken_pipe_that_is_not_stdout_is_an_error_not_a_quiet_141(tmp_path: Path) -> None:
    """Every EPIPE ended the command as a closed stdout does (`| head -1`): quietly, 141. A
    FIFO given as a file whose reader went away is not the reader of the answer closing it:
    `demo generate --force` into a folder whose lots.csv is a FIFO, its reader gone after
    opening it, exited 141 with nothing said and no plant. Now one line, exit 2 (stdout is a
    file here, and still open). A real pipe (mkfifo) and a real reader."""
    import subprocess
    import sys
    import threading

    out = tmp_path / "plant"
    out.mkdir()
    fifo = out / "lots.csv"
    os.mkfifo(fifo)
    # opens the FIFO (so that the command's open for writing returns), then goes away
    reader = threading.Thread(target=lambda: open(fifo, "rb").close(), daemon=True)
    reader.start()
    with (tmp_path / "stdout.txt").open("w") as stdout:
        done = subprocess.run(
            [sys.executable, "-c", "from tracegraph.cli.main import run; run()",
             "demo", "generate", "--out", str(out), "--force"],
            stdout=stdout, stderr=subprocess.PIPE, text=True, check=False, timeout=300,
        )  # fmt: skip
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr == (
        "error: Broken pipe (hint: the program reading a pipe or FIFO this command writes to "
        "closed it before the end, and what it read is incomplete: check that program, then "
        "run the command again)\n"
    )


def test_a_generated_plant_that_fails_half_way_leaves_no_tables(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`demo generate` on a full disk left all 14 tables, 7 empty and the rest cut mid-row
    (`…,2026-01-13T05:37:00+`): a folder that imported as a plant. Now none is left — in a
    folder it made, and in a given one with --force over older tables (cut as well), where
    the user's other files stay."""
    import errno

    from tracegraph.cli import demo
    from tracegraph.plant import generate_plant as real

    def fills(lots: int, seed: int, out: Path, alarms: int) -> object:
        real(lots, seed, out, alarms)
        with (out / "lots.csv").open("a", encoding="utf-8") as cut:
            cut.write("L9,FLOUR,2026-01-13T05:37:00+")
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "lots.csv"))

    monkeypatch.setattr(demo, "generate_plant", fills)
    made = tmp_path / "new" / "plant"
    given = tmp_path / "given"
    given.mkdir()
    (given / "notes.txt").write_text("mine", encoding="utf-8")
    (given / "lots.csv").write_text("lot_id\nOLD\n", encoding="utf-8")
    for out, extra in ((made, []), (given, ["--force"])):
        result = runner.invoke(app, ["demo", "generate", "--lots", "100", "--out", str(out),
                                     *extra])  # fmt: skip
        assert result.exit_code == 2, result.output
        assert "No space left on device" in result.stderr
    assert not made.exists()
    assert sorted(p.name for p in given.iterdir()) == ["notes.txt"]


def test_a_file_written_whole_or_not_at_all_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`import --summary-file` on a full disk said so in one line, and left an empty
    sum.json.tmp beside where the summary should be."""
    import errno

    from tracegraph import private_files

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError, match="No space left"):
        private_files.write_private_text(tmp_path / "sum.json", '{"status": "started"}')
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder on a real file system mounted read-only: a tmpfs mounted `ro` (root only;
    skipped where mounting is not allowed)."""
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                             capture_output=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("mounting a read-only tmpfs needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_file_system_is_said_so_not_permission_denied(
    read_only_folder: Path, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`import --rejects` on a read-only mount said "permission denied" (os.access says only
    no), and its hint — a folder you can write — sent the user to chmod, which cannot help;
    `demo generate --out` (and recall --out) said "cannot be written". Now statvfs's
    ST_RDONLY tells the two apart: "read-only file system", with a hint that fits."""
    export = tmp_path / "in"
    export.mkdir()
    (export / "lots.csv").write_text("lot_id,material_id\nL1,M1\n", encoding="utf-8")
    rejects = read_only_folder / "rejects.csv"
    result = runner.invoke(app, ["import", str(export), "--rejects", str(rejects), "--dry-run"])
    assert (result.exit_code, result.stderr) == (2, (
        f"error: cannot write the reject file {rejects}: read-only file system (hint: pass "
        "--rejects a file on a file system mounted for writing (not read-only))\n"
    )), result.output  # fmt: skip
    plant = read_only_folder / "plant"
    result = runner.invoke(app, ["demo", "generate", "--out", str(plant)])
    assert result.exit_code == 2, result.output
    assert " ".join(result.stderr.split()) == (
        f"error: cannot create the plant's folder {plant}: {read_only_folder} is on a read-only "
        "file system (hint: give --out a folder on a file system mounted for writing (not "
        "read-only))"
    )
    from tracegraph.folders import READ_ONLY, unwritable

    assert unwritable(read_only_folder) == READ_ONLY
    assert unwritable(tmp_path) is None


def test_a_flag_given_a_value_names_its_own_commands_help(runner: CliRunner) -> None:
    """`tracegraph import --dry-run=true` said "does not take a value" with the hint
    `tracegraph --help` (the parser's error has no context): now `tracegraph import --help`."""
    result = runner.invoke(app, ["import", "--dry-run=true", "x"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: Option '--dry-run' does not take a value. (hint: `tracegraph import --help` "
        "lists what it takes)\n"
    )


@pytest.mark.parametrize("command", [["--version"], ["--help"], ["import", "--help"]])
def test_help_and_version_to_a_reader_that_went_away_end_with_141(command: list[str]) -> None:
    """`tracegraph --version | head -0` and `tracegraph import --help | (sleep 1; head -1)`
    exited 1 (click's and rich's exit on a broken pipe), where README promises 141 as the data
    commands give."""
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from tracegraph.cli.main import run; run()", *command],
            stdout=write_end, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_an_encoding_other_than_utf8_writes_utf8_to_files_and_replaces_on_a_terminal(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path, encoding: str
) -> None:
    """With PYTHONIOENCODING=latin-1 (or ascii) `check > a.txt`, `rootcause … > a.txt` and
    `trace forward R0000001 --format csv > a.csv` ended in exit 3 "unexpected failure:
    UnicodeEncodeError: 'latin-1' codec can't encode character '\\u2026'" (the CSV: its byte
    order mark), the error line holding rich's `\\n*** You may need to add PYTHONIOENCODING`.
    A file or pipe now gets UTF-8 (README's CSV for Excel), a terminal `?` for what it cannot
    show."""
    import subprocess
    import sys

    from terminal import run_on_terminal

    env = {**os.environ, **neo4j_env, "PYTHONIOENCODING": encoding}
    cli = [sys.executable, "-c", "from tracegraph.cli.main import run; run()"]
    for command, name in ((["import", "--help"], "help.txt"), (["check"], "check.txt"),
                          (["trace", "forward", "B", "--format", "csv"], "b.csv")):  # fmt: skip
        with (tmp_path / name).open("wb") as out:
            done = subprocess.run([*cli, *command], env=env, stdout=out, stderr=subprocess.PIPE,
                                  text=True, check=False)  # fmt: skip
        assert done.returncode in (0, 1) and "error" not in done.stderr, (command, done.stderr)
        written = (tmp_path / name).read_bytes().decode("utf-8")  # UTF-8, whole
        assert "…" in written or name != "help.txt"
    assert (tmp_path / "b.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM, in UTF-8
    # a terminal in that encoding: what it cannot show is `?`, and the command succeeds
    code, shown, errors = run_on_terminal([*cli, "import", "--help"], {**env, "COLUMNS": "100"})
    assert code == 0, errors
    assert b"The tables of the design brief (materials ? device_events)" in shown


def test_an_error_raised_while_ctrl_c_unwinds_is_an_interruption(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during `recall … --drill --html` ended in exit 3 "unexpected failure:
    BufferError: Existing exports of data: object cannot be re-sized" in 2 of 6 tries: the
    KeyboardInterrupt stopped the Neo4j driver in receive_into_buffer, which raised BufferError
    while unwinding. An error whose chain holds a KeyboardInterrupt is "interrupted", 130."""
    from tracegraph.cli import context

    def interrupted(*_: object, **__: object) -> None:
        try:
            raise KeyboardInterrupt
        finally:  # the driver's clean-up, failing while the interrupt unwinds
            raise BufferError("Existing exports of data: object cannot be re-sized")

    monkeypatch.setattr(context, "load_settings", interrupted)
    result = runner.invoke(app, ["trace", "forward", "R0000001"])
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr == "error: interrupted (hint: a re-run is safe)\n"


def test_ctrl_c_while_the_cli_loads_is_one_line_and_130() -> None:
    """Ctrl-C while the console script imported the CLI (2.5-3.7 s on a loaded host) printed a
    19-line traceback. Here the interrupt arrives as the Neo4j driver is imported."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'neo4j':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from tracegraph.cli.main import run\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, "trace", "forward", "X"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert (done.returncode, done.stdout) == (130, "")
    assert done.stderr == "error: interrupted (hint: a re-run is safe)\n"
