"""What an unattended nightly import tells the operator the next morning: the start and final
lines on stderr, the --summary-file a monitoring job reads, and `imports` / `db status` on a
run whose importer or server died."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from locks import lock_held_for
from typer.testing import CliRunner

from tracegraph import health, server
from tracegraph.cli import db as db_cli
from tracegraph.cli.main import app
from tracegraph.config import DEFAULT_BOLT_PORT, load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph
from tracegraph.importing import ledger, run

MATERIALS = "material_id,name,uom,kind\nM1,Flour,kg,raw\nSALT,Salt,kg,raw\nB1,Bread,pcs,finished\n"
# one row without its required id: rejected
ONE_REJECT = MATERIALS + ",Nameless,kg,raw\n"
# a plain line of a nightly log: local time with its offset, then the text
STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} "
RUN_ID = r"\d{8}T\d{6}Z-[0-9a-f]{6}"
# the summary file of an import running now (its importer holds the lock)
RUNNING_RECORD = (
    '{"run_id": "20261205T010000Z-aaaaaa", "outcome": "running", "exit_code": null, '
    '"files": ["/data/export/materials.csv"], "started_at": "2026-12-05T01:00:00+00:00"}'
)


def _folder(tmp_path: Path, text: str = ONE_REJECT) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "materials.csv").write_text(text, encoding="utf-8")
    return folder


def _lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def test_a_file_that_cannot_be_read_is_never_within_max_rejects(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A file that cannot be read is one reject for all its rows: counted as one row, it
    passed `--max-rejects 5` as a clean run, 1,000 lots lost. It exits 1, and says why."""
    folder = tmp_path / "export"
    folder.mkdir()
    rows = "".join(f"FR{n:05d},FLOUR,Große café Müller\n" for n in range(1_000))
    (folder / "lots.csv").write_bytes(("lot_id,material_id,note\n" + rows).encode("cp1252"))
    summary_file = tmp_path / "last.json"
    result = runner.invoke(app, ["import", str(folder), "--max-rejects", "5",
                                 "--summary-file", str(summary_file)])  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert re.fullmatch(
        f"{STAMP}import {RUN_ID} ended, exit 1 \\(1 file could not be read\\): 1 row read = 0 "
        "written \\+ 1 rejected, in \\d+\\.\\d s; rejected rows: .*",
        _lines(result.stderr)[-1],
    ), _lines(result.stderr)[-1]
    assert "(not UTF-8 from line 2)" in result.stderr
    assert json.loads(summary_file.read_text())["exit_code"] == 1
    assert graph.status().nodes.get("Lot", 0) == 0
    # a negative limit is refused, not read as "every clean run exits 1"
    negative = runner.invoke(app, ["import", str(folder), "--max-rejects=-1"])
    assert negative.exit_code == 2
    assert "--max-rejects" in negative.stderr


def test_a_nightly_import_logs_its_start_and_outcome_and_writes_the_summary_file(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A cron job keeping stderr only had the per-file lines: no run id, no outcome. Now the
    first line names the run and its files, the last its exit code, counts, time and reject
    file; the summary file holds the JSON summary with the outcome (stdout unchanged)."""
    folder = _folder(tmp_path)
    summary_file = tmp_path / "monitor" / "tracegraph-last.json"
    result = runner.invoke(app, ["import", str(folder), "--format", "json",
                                 "--summary-file", str(summary_file)])  # fmt: skip
    assert result.exit_code == 1, result.stderr
    printed = json.loads(result.stdout)
    run_id = printed["run_id"]
    lines = _lines(result.stderr)
    assert re.fullmatch(f"{STAMP}import {run_id} started: 1 table file from {folder}",
                        lines[0]), lines[0]  # fmt: skip
    assert re.fullmatch(
        f"{STAMP}import {run_id} ended, exit 1 \\(more than --max-rejects 0 rows rejected\\): 4 "
        f"rows read = 3 written \\+ 1 rejected, in \\d+\\.\\d s; rejected rows: "
        f"{re.escape(printed['reject_file'])}",
        lines[-1],
    ), lines[-1]
    assert "materials.csv → materials: 4 rows read" in lines[1]
    assert stat.S_IMODE(summary_file.stat().st_mode) == 0o600
    written = json.loads(summary_file.read_text(encoding="utf-8"))
    ended_at = written.pop("ended_at")
    assert datetime.fromisoformat(ended_at).tzinfo is not None
    assert written == {**printed, "outcome": "too many rejects", "exit_code": 1,
                       "error": None, "hint": None}  # fmt: skip
    assert graph.status().nodes["Material"] == 3

    # within --max-rejects: exit 0, and the line says the rejects were allowed
    again = runner.invoke(app, ["import", str(folder), "--force", "--max-rejects", "1",
                                "--summary-file", str(summary_file)])  # fmt: skip
    assert again.exit_code == 0, again.stderr
    last = _lines(again.stderr)[-1]
    assert re.fullmatch(
        f"{STAMP}import ({RUN_ID}) ended, exit 0 \\(at most --max-rejects 1 row rejected\\): "
        "4 rows read = 3 written \\+ 1 rejected, in \\d+\\.\\d s; rejected rows: .*",
        last,
    ), last
    assert json.loads(summary_file.read_text())["outcome"] == "clean"
    assert json.loads(summary_file.read_text())["run_id"] in last
    # the table output on stdout is the summary it always was
    assert again.stdout.startswith(f"Import {json.loads(summary_file.read_text())['run_id']}: ")


def test_a_clean_dry_run_says_would_be_written(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An empty ledger (`graph`): an earlier test's import of the file would make it unchanged."""
    folder = _folder(tmp_path, MATERIALS)
    result = runner.invoke(app, ["import", str(folder), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    lines = _lines(result.stderr)
    assert re.fullmatch(f"{STAMP}dry run dry-run-{RUN_ID} started: 1 table file from "
                        f"{folder}", lines[0]), lines[0]  # fmt: skip
    assert re.fullmatch(f"{STAMP}dry run dry-run-{RUN_ID} ended, exit 0 \\(clean\\): 3 rows "
                        "read = 3 would be written \\+ 0 rejected, in \\d+\\.\\d s",
                        lines[-1]), lines[-1]  # fmt: skip


def test_the_summary_file_says_running_during_the_run_then_interrupted(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the import runs the file names the run and says running — a run killed outright
    leaves that, never the night before's outcome; SIGTERM (`timeout` in cron) leaves
    interrupted, exit 130, with the error line before the last line."""
    folder = _folder(tmp_path, MATERIALS)
    summary_file = tmp_path / "last.json"
    summary_file.write_text('{"run_id": "last night", "outcome": "clean", "exit_code": 0}')
    during: list[dict[str, Any]] = []
    original = run._write_raw

    def terminated(*args: Any, **kwargs: Any) -> Any:
        during.append(json.loads(summary_file.read_text(encoding="utf-8")))
        os.kill(os.getpid(), signal.SIGTERM)
        return original(*args, **kwargs)

    monkeypatch.setattr(run, "_write_raw", terminated)
    result = runner.invoke(app, ["import", str(folder), "--summary-file", str(summary_file)])
    assert result.exit_code == 130, result.output
    (seen,) = during
    run_id = seen["run_id"]
    assert re.fullmatch(RUN_ID, run_id)
    assert {k: v for k, v in seen.items() if k != "started_at"} == {
        "run_id": run_id, "outcome": "running", "exit_code": None,
        "files": [str(folder / "materials.csv")],
    }  # fmt: skip
    lines = _lines(result.stderr)
    assert lines[-2] == "error: interrupted (hint: a re-run is safe)"
    assert re.fullmatch(f"{STAMP}import {run_id} ended, exit 130 \\(interrupted; running it "
                        "again completes it\\) after \\d+\\.\\d s: interrupted",
                        lines[-1]), lines[-1]  # fmt: skip
    ended = json.loads(summary_file.read_text(encoding="utf-8"))
    assert (ended["run_id"], ended["outcome"], ended["exit_code"], ended["error"]) == (
        run_id, "interrupted", 130, "interrupted"
    )  # fmt: skip
    assert [r["run"]["status"] for r in graph.read("ledger/import_runs", limit=5)] == [
        "interrupted"
    ]


def test_an_import_that_cannot_run_ends_with_its_outcome_too(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another import holds the lock: the error, then the outcome line, and the summary file
    says failed with the error — not the running it said a moment before."""
    monkeypatch.setattr(run, "LOCK_WAIT_SECONDS", 0.5)
    folder = _folder(tmp_path, MATERIALS)
    summary_file = tmp_path / "last.json"
    graph.write("import/lock_node")
    with graph.held_lock("import/take_lock", wait_seconds=1.0, token="the other import") as held:
        assert held
        busy = runner.invoke(app, ["import", str(folder), "--summary-file", str(summary_file)])
    assert busy.exit_code == 2
    assert busy.stdout == ""
    error, last = _lines(busy.stderr)[-2:]
    assert error == ("error: another import is running: its ledger entry is not written yet "
                     "(hint: wait for it to finish, then run this one again)")  # fmt: skip
    assert re.fullmatch(f"{STAMP}import {RUN_ID} ended, exit 2 \\(did not start\\) after "
                        "\\d+\\.\\d s: another import is running: its ledger entry is not "
                        "written yet", last), last  # fmt: skip
    written = json.loads(summary_file.read_text(encoding="utf-8"))
    assert written["run_id"] in last
    assert (written["outcome"], written["exit_code"], written["error"], written["hint"]) == (
        "failed", 2, "another import is running: its ledger entry is not written yet",
        "wait for it to finish, then run this one again",
    )  # fmt: skip
    assert graph.status().nodes.get("Material", 0) == 0

    # bad input, before the run has an id: its one line; the summary file says failed
    bad_zone = runner.invoke(app, ["import", str(folder), "--timezone", "Mars/Olympus",
                                   "--summary-file", str(summary_file)])  # fmt: skip
    assert bad_zone.exit_code == 2
    assert bad_zone.stderr == (
        "error: --timezone names an unknown timezone 'Mars/Olympus' "
        "(hint: use an IANA name such as Europe/Berlin or UTC)\n"
    )
    written = json.loads(summary_file.read_text())
    assert (written["run_id"], written["outcome"], written["exit_code"]) == (None, "failed", 2)


def test_a_run_refused_as_busy_leaves_the_running_imports_summary_file_alone(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two cron runs with one --summary-file: the second, refused because the first holds the
    lock, tells its refusal on stderr and by exit code and leaves the first run's file as it
    was (it wrote "failed: another import is running" there, and when the first was killed the
    file told only of the refused run). The next run that holds the lock takes the file over."""
    monkeypatch.setattr(run, "LOCK_WAIT_SECONDS", 0.5)
    folder = _folder(tmp_path, MATERIALS)
    summary_file = tmp_path / "last.json"
    first = RUNNING_RECORD
    summary_file.write_text(first, encoding="utf-8")
    graph.write("import/lock_node")
    with graph.held_lock("import/take_lock", wait_seconds=1.0, token="the first import") as held:
        assert held
        busy = runner.invoke(app, ["import", str(folder), "--summary-file", str(summary_file)])
    assert busy.exit_code == 2
    assert _lines(busy.stderr)[-2] == (
        "error: another import is running: its ledger entry is not written yet "
        "(hint: wait for it to finish, then run this one again)"
    )
    assert re.fullmatch(f"{STAMP}import {RUN_ID} ended, exit 2 \\(did not start\\) after .*",
                        _lines(busy.stderr)[-1])  # fmt: skip
    assert summary_file.read_text(encoding="utf-8") == first

    # the first was killed: the next run holding the lock writes its own running, then outcome
    seen: list[str] = []
    original = run._write_raw

    def look(*args: Any, **kwargs: Any) -> Any:
        seen.append(json.loads(summary_file.read_text(encoding="utf-8"))["run_id"])
        return original(*args, **kwargs)

    monkeypatch.setattr(run, "_write_raw", look)
    after = runner.invoke(app, ["import", str(folder), "--summary-file", str(summary_file)])
    assert after.exit_code == 0, after.output
    written = json.loads(summary_file.read_text(encoding="utf-8"))
    assert (written["outcome"], written["exit_code"]) == ("clean", 0)
    assert written["run_id"] != "20261205T010000Z-aaaaaa"
    assert seen == [written["run_id"]]
    assert after.stdout.startswith(f"Import {written['run_id']}: ")


def test_a_dry_run_leaves_the_summary_file_of_an_import_running_beside_it_alone(
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Trying tonight's export with the nightly job's command line and --dry-run: the dry run
    takes no import lock (it needs no server), and at its end it wrote its outcome over the
    file of the import running beside it — the monitoring job read "dry run, clean". What the
    file says is all a dry run knows of another run: it leaves a file that said running when
    it started, and one an import took over while it ran, and says so; a file no run is
    writing is its own."""
    from tracegraph.cli import imports as imports_cli

    folder = _folder(tmp_path, MATERIALS)
    summary_file = tmp_path / "last.json"
    running = RUNNING_RECORD
    summary_file.write_text(running, encoding="utf-8")
    dry = ["import", str(folder), "--dry-run", "--summary-file", str(summary_file)]
    result = runner.invoke(app, dry)
    assert result.exit_code == 0, result.output
    assert summary_file.read_text(encoding="utf-8") == running
    assert _lines(result.stderr)[-1] == (
        f"warning: the summary file was not written: {summary_file} holds run "
        "20261205T010000Z-aaaaaa's (hint: another run was writing it; give this run a "
        "--summary-file of its own)"
    )

    # no run writes it: the dry run's; then the nightly import takes the lock during the dry
    # run and writes its own running over the dry run's (as NightlyReport.locked does)
    summary_file.write_text('{"run_id": "last night", "outcome": "clean", "exit_code": 0}')
    during: list[dict[str, Any]] = []
    check = run.check_paths  # the CLI's, as it imported it

    def nightly_starts_meanwhile(*args: Any, **kwargs: Any) -> Any:
        checked = check(*args, **kwargs)
        during.append(json.loads(summary_file.read_text(encoding="utf-8")))
        summary_file.write_text(running, encoding="utf-8")
        return checked

    monkeypatch.setattr(imports_cli, "check_paths", nightly_starts_meanwhile)
    result = runner.invoke(app, dry)
    assert result.exit_code == 0, result.output
    assert [(d["run_id"][:8], d["outcome"]) for d in during] == [("dry-run-", "running")]
    assert summary_file.read_text(encoding="utf-8") == running
    assert _lines(result.stderr)[-1].startswith(
        f"warning: the summary file was not written: {summary_file} holds run "
        "20261205T010000Z-aaaaaa's"
    )

    monkeypatch.setattr(imports_cli, "check_paths", check)
    summary_file.write_text('{"run_id": "last night", "outcome": "clean", "exit_code": 0}')
    result = runner.invoke(app, dry)
    assert result.exit_code == 0, result.output
    written = json.loads(summary_file.read_text(encoding="utf-8"))
    assert (written["dry_run"], written["outcome"], written["read"]) == (True, "clean", 3)
    assert not _lines(result.stderr)[-1].startswith("warning")


def test_a_summary_file_that_cannot_be_written_stops_the_import_before_it_writes(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    folder = _folder(tmp_path, MATERIALS)
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "last.json"
    result = runner.invoke(app, ["import", str(folder), "--summary-file", str(target)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: cannot write the summary file {target}: {target.parent} is not a folder "
        "(hint: pass --summary-file a file in a folder you can write)\n"
    )
    assert graph.status().total_nodes == 0  # no ledger entry, no lock, nothing imported


def _running_entry(graph: TraceGraph, run_id: str, hour: int) -> None:
    graph.write("import/start_run", props={
        "run_id": run_id, "status": "running", "user": "etl", "host": "mes-gw",
        "started_at": datetime(2026, 12, 4, hour, 0, tzinfo=UTC),
    })  # fmt: skip


DEAD = "interrupted (no process holds the import lock)"


def test_imports_shows_a_run_whose_importer_died_as_interrupted_without_writing(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """A run marked running while no process holds the import lock (its importer or its
    server died) was listed running until the next import; `imports`, `imports RUN` and `db
    status` now say interrupted — and leave the ledger as it is (read-only commands)."""
    graph.write("import/lock_node")
    _running_entry(graph, "20261204T010000Z-killed", 1)
    _running_entry(graph, "20261204T020000Z-nightly", 2)

    listed = runner.invoke(app, ["imports", "--format", "json"])
    assert listed.exit_code == 0, listed.stderr
    runs = json.loads(listed.stdout)["imports"]
    assert [(r["run_id"], r["status"], r["status_in_ledger"], r["interrupted_because"])
            for r in runs] == [
        ("20261204T020000Z-nightly", "interrupted", "running", "no process holds the import lock"),
        ("20261204T010000Z-killed", "interrupted", "running", "no process holds the import lock"),
    ]  # fmt: skip
    table = runner.invoke(app, ["imports"], env={"COLUMNS": "80"})
    assert "20261204T020000Z-nightly  interrupted*  etl" in table.stdout
    assert table.stdout.rstrip().endswith(
        "*: the ledger says running, but no process holds the import lock: its importer or its "
        "server died (the next import marks it interrupted)"
    )
    shown = runner.invoke(app, ["imports", "20261204T010000Z-killed"])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith(f"Import 20261204T010000Z-killed ({DEAD}), 2026-12-04T01:00")
    status = runner.invoke(app, ["db", "status", "--format", "json"])
    last = json.loads(status.stdout)["last_import"]
    assert (last["run_id"], last["status"], last["interrupted_because"]) == (
        "20261204T020000Z-nightly", "interrupted", "no process holds the import lock"
    )  # fmt: skip
    assert f"Last import: 20261204T020000Z-nightly {DEAD}, started" in " ".join(
        runner.invoke(app, ["db", "status"]).stdout.split()
    )
    stored = [r["run"]["status"] for r in graph.read("ledger/import_runs", limit=5)]
    assert stored == ["running", "running"]  # nothing written

    # while an import holds the lock, the newest run marked running is it: still running;
    # the older one the import would have marked interrupted when it took the lock
    with graph.held_lock("import/take_lock", wait_seconds=1.0, token="nightly") as held:
        assert held
        live = json.loads(runner.invoke(app, ["imports", "--format", "json"]).stdout)["imports"]
        one = json.loads(runner.invoke(app, ["imports", "20261204T020000Z-nightly",
                                             "--format", "json"]).stdout)  # fmt: skip
        checked = json.loads(runner.invoke(app, ["db", "status", "--format", "json"]).stdout)
    assert [(r["status"], r.get("interrupted_because")) for r in live] == [
        ("running", None), ("interrupted", "no process holds the import lock"),
    ]  # fmt: skip
    assert (one["status"], one.get("interrupted_because")) == ("running", None)
    assert checked["last_import"]["status"] == "running"
    assert checked["running_import"].startswith("an import: run 20261204T020000Z-nightly")


def test_a_run_still_running_is_not_described_as_stopped(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """While an import ran, `imports` said `≥: counted for the files the run finished before it
    stopped` and `db status` `no counts (the run did not finish)`: a running run described as
    stopped. While its importer holds the lock they say it is still running; the same entry
    with no lock holder (its importer died) keeps the stopped wording."""
    graph.write("import/lock_node")
    _running_entry(graph, "20261204T020000Z-nightly", 2)

    def said() -> tuple[str, str]:
        listed = runner.invoke(app, ["imports"], terminal_width=120)
        status = runner.invoke(app, ["db", "status"], terminal_width=200)
        assert listed.exit_code == 0 and status.exit_code == 0, listed.stderr + status.stderr
        last = next(line for line in status.stdout.splitlines() if "Last import" in line)
        return " ".join(listed.stdout.split()), last

    with graph.held_lock("import/take_lock", wait_seconds=1.0, token="nightly") as held:
        assert held
        listed, last = said()
    assert listed.endswith("?: not counted yet (the import is still running).")
    assert last.endswith("; no counts yet (still running)"), last
    graph.driver.execute_query(  # the run has finished its first file
        "MATCH (run:ImportRun) SET run.counts_partial = true, run.rows_read = 4, "
        "run.rows_written = 3, run.rows_rejected = 1, run.rows_updated = 0",
        database_=graph.database,
    )
    with graph.held_lock("import/take_lock", wait_seconds=1.0, token="nightly") as held:
        assert held
        listed, last = said()
    assert listed.endswith("≥: counted for the files the running import has finished so far.")
    assert last.endswith("; ≥4 rows read = ≥3 written + ≥1 rejected so far (still running)"), last
    listed, last = said()  # no process holds the lock: its importer died
    assert listed.endswith(
        "≥: counted for the files the run finished before it stopped. Re-running an import is "
        "safe and completes it. *: the ledger says running, but no process holds the import "
        "lock: its importer or its server died (the next import marks it interrupted)"
    ), listed
    assert last.endswith("; ≥4 rows read = ≥3 written + ≥1 rejected"), last


def test_imports_shows_which_night_removed_rows_which_imported_nothing_and_when_each_started(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`imports` showed a --full night that removed rows as `done` with its read counts, a night
    sent again as `0 0 0 0` like an empty one, and no start time but the run id's (UTC). It now
    has a `removed` column (a --full run's count, blank for others), `done, unchanged` for a
    run whose every file was unchanged, and the local start; the JSON `full`, `all_unchanged`."""
    header = "lot_id,material_id,quantity,uom\n"
    night = tmp_path / "night"
    night.mkdir()
    (night / "lots.csv").write_text(header + "L1,FLOUR,1,kg\nL2,FLOUR,2,kg\n", encoding="utf-8")
    full = tmp_path / "full"
    full.mkdir()
    (full / "lots.csv").write_text(header + "L1,FLOUR,1,kg\n", encoding="utf-8")
    for args in ([str(night)], [str(night)], [str(full), "--full", "--max-removals", "100%"]):
        done = runner.invoke(app, ["import", *args])
        assert done.exit_code == 0, done.output
    listed = runner.invoke(app, ["imports", "--format", "json"])
    runs = json.loads(listed.stdout)["imports"]
    assert [(r["full"], r["all_unchanged"], r.get("rows_removed")) for r in runs] == [
        (True, False, 1), (False, True, None), (False, False, None),
    ]  # fmt: skip
    csv_header = runner.invoke(app, ["imports", "--format", "csv"]).stdout.splitlines()[0]
    assert csv_header.endswith(",full,all_unchanged"), csv_header
    for width in (120, 80):
        table = runner.invoke(app, ["imports"], terminal_width=width)
        assert table.exit_code == 0, table.stderr
        rows = [
            line.split() for line in table.stdout.splitlines() if line.strip().startswith("2026")
        ]
        started = [datetime.fromisoformat(r["started_at"]).astimezone() for r in runs]
        assert [(row[0], row[-1]) for row in rows] == [
            (runs[0]["run_id"], "1"),
            (runs[1]["run_id"], "0"),
            (runs[2]["run_id"], "0"),
        ], table.stdout
        assert len(rows[0]) == len(rows[2]) + 1, table.stdout  # removed: blank without --full
        assert rows[1][1:3] == ["done,", "unchanged"], table.stdout
        assert "…" not in table.stdout
        if width == 120:
            assert table.stdout.splitlines()[1].split()[:4] == ["run", "status", "user",
                                                                  "started"]  # fmt: skip
            assert [" ".join(row[3:5]) for row in (rows[0], rows[2])] == [
                f"{at:%Y-%m-%d %H:%M}" for at in (started[0], started[2])
            ], table.stdout


def test_a_run_that_ends_while_imports_looks_is_shown_as_it_ended(
    graph: TraceGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`imports` read the ledger (running), then tried the lock — free, as the run had just
    ended — and showed a clean run as interrupted; a monitoring job polling it saw a failure."""
    graph.write("import/lock_node")
    _running_entry(graph, "20261204T020000Z-ending", 2)

    def ends_as_it_is_tried(_graph: TraceGraph) -> None:
        graph.driver.execute_query(
            "MATCH (r:ImportRun {run_id: '20261204T020000Z-ending'}) SET r.status = 'clean'",
            database_=graph.database,
        )

    monkeypatch.setattr(ledger, "running_import", ends_as_it_is_tried)
    (listed,) = ledger.import_runs(graph, 5)
    assert (listed["status"], listed.get("interrupted_because")) == ("clean", None)
    _running_entry(graph, "20261204T030000Z-ending", 3)  # one that did not end: interrupted
    shown = ledger.import_run(graph, "20261204T030000Z-ending")
    assert (shown["status"], shown["interrupted_because"]) == ("interrupted", ledger.NO_LOCK_HOLDER)


def _home_with_server_json(tmp_path: Path, extra: str) -> Path:
    home = tmp_path / ".tracegraph"
    home.mkdir()
    options = server.ServerOptions(bolt_port=47687, http_port=47474, heap="3g", pagecache="5g")
    (home / "server.json").write_text(json.dumps(dataclasses.asdict(options)))
    (home / "backend.json").write_text('{"backend": "local"}')
    (home / "neo4j-extra.conf").write_text(extra, encoding="utf-8")
    return home


def test_status_reads_the_settings_neo4j_extra_conf_replaces(tmp_path: Path) -> None:
    """`db status` reported server.json's heap and page cache, and did not know its own server
    on a Bolt port neo4j-extra.conf had moved: the file's settings win, as they do in Neo4j."""
    home = _home_with_server_json(
        tmp_path,
        "server.memory.pagecache.size=2g\nserver.bolt.listen_address=127.0.0.1:47700\n"
        "server.directories.data=store\n",
    )
    effective = server.effective_settings(home)
    assert effective == server.EffectiveSettings(
        bolt_port=47700, http_port=47474, heap="3g", pagecache="2g",
        data=server.neo4j_home(home) / "store",
        from_extra_conf=("bolt_port", "pagecache", "data"),
    )  # fmt: skip
    local = health.local_server(home, "bolt://127.0.0.1:47700")
    assert local is not None
    assert (local.heap, local.pagecache, local.bolt_port, local.from_extra_conf) == (
        "3g", "2g", 47700, ["bolt_port", "pagecache", "data"]
    )  # fmt: skip
    assert local.data_folder == str(server.neo4j_home(home) / "store")
    assert health.local_server(home, "bolt://127.0.0.1:47687") is None  # not its port now

    # once started, what it runs with is the neo4j.conf of that start: an edit of the file
    # since takes effect at the next start, not in `db status`
    conf = server.neo4j_home(home) / "conf" / "neo4j.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(server._conf_text(home, server.ServerOptions(47687, 47474, "3g", "5g")))
    (home / "neo4j-extra.conf").write_text("server.memory.pagecache.size=8g\n")
    assert (server.effective_settings(home) or effective).pagecache == "2g"
    conf.unlink()
    assert server.effective_settings(home) == server.EffectiveSettings(
        bolt_port=47687, http_port=47474, heap="3g", pagecache="8g",
        data=server.neo4j_home(home) / "data",
        from_extra_conf=("pagecache",),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("address", "port"),
    [(":7700", 7700), ("127.0.0.1:7701", 7701), ("[::]:7702", 7702), ("localhost", 7687),
     ("::1", 7687), ("", 7687)],
)  # fmt: skip
def test_the_bolt_port_of_a_listen_address(address: str, port: int) -> None:
    assert server._port(address, DEFAULT_BOLT_PORT) == port


def _plant(folder: Path, lots: int = 20_000) -> None:
    folder.mkdir()
    (folder / "materials.csv").write_text(MATERIALS)
    (folder / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,created_at\n"
        + "".join(f"L{i:06d},M1,{i % 97 + 1},kg,2026-11-01T08:00:00Z\n" for i in range(lots))
    )


@pytest.mark.slow
def test_db_down_under_a_starting_import_ends_it_with_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    """A local server whose neo4j-extra.conf sets the page cache and moves the Bolt port:
    `db up` waits on the port it listens on and writes that into the credentials (it waited on
    --bolt-port until it timed out), `db status` says the page cache it runs with. Then `db
    down --force` in the first seconds of an import: the import ends with the line naming its
    run and that a re-run completes it, exit 2 (no traceback, no hang); after `db up`,
    `imports` shows the run interrupted and a re-run completes it."""
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(key, raising=False)
    home = tmp_path / ".tracegraph"
    home.mkdir(mode=0o700)
    port = server.free_port()
    (home / "neo4j-extra.conf").write_text(
        f"server.memory.pagecache.size=300m\nserver.bolt.listen_address=:{port}\n"
    )
    monkeypatch.setenv("TRACEGRAPH_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    up = ["db", "up", "--local", "--bolt-port", str(server.free_port()), "--http-port",
          str(server.free_port()), "--heap", "512m", "--pagecache", "256m"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    try:
        started = runner.invoke(app, up)
        assert started.exit_code == 0, started.stderr
        assert started.stdout.splitlines()[1] == f"Bolt URI:    bolt://127.0.0.1:{port}"
        status = runner.invoke(app, ["db", "status", "--format", "json"])
        local = json.loads(status.stdout)["local_server"]
        ran = (local["pagecache"], local["heap"], local["bolt_port"], local["from_extra_conf"])
        assert ran == ("300m", "512m", port, ["bolt_port", "pagecache"])
        settings = load_settings(env={"TRACEGRAPH_HOME": str(home)})
        assert settings.uri == f"bolt://127.0.0.1:{port}"
        graph = TraceGraph(connect(settings), settings.database, settings.uri)
        shown, _, _ = graph.driver.execute_query(
            "SHOW SETTINGS YIELD name, value WHERE name = $name RETURN value",
            name="server.memory.pagecache.size", database_=graph.database,
        )  # fmt: skip
        assert shown[0]["value"] == "300.00MiB"  # what the server itself says it runs with
        table = " ".join(runner.invoke(app, ["db", "status"]).stdout.split())
        assert f"Bolt port {port}, heap 512m, page cache 300m; store " in table
        assert "(Bolt port, page cache as neo4j-extra.conf sets it)" in table

        graph.init_schema()
        _plant(tmp_path / "plant")
        importer = subprocess.Popen(
            [sys.executable, "-c", "from tracegraph.cli.main import run; run()", "import",
             str(tmp_path / "plant")],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not graph.status().nodes.get("ImportRun") and time.monotonic() < deadline:
            time.sleep(0.05)  # its ledger entry written: the run holds the import lock
        graph.driver.close()
        assert importer.poll() is None, "the import ended before the server was stopped"
        down = runner.invoke(app, ["db", "down", "--force"])
        assert down.exit_code == 0 and down.stdout == "Neo4j (local) stopped.\n"
        _, stderr = importer.communicate(timeout=120)
        assert importer.returncode == 2, stderr
        assert "Traceback" not in stderr
        error, last = stderr.splitlines()[-2:]
        run_id = re.search(f"import ({RUN_ID}) started", stderr).group(1)  # type: ignore[union-attr]
        assert error.startswith(f"error: import {run_id} stopped part-way: "), stderr
        assert error.endswith("then run the same import again: it completes this one (whole "
                              "batches were written, nothing twice))"), error  # fmt: skip
        assert re.fullmatch(f"{STAMP}import {run_id} ended, exit 2 \\(did not complete; running "
                            "it again completes it\\) after .*", last), last  # fmt: skip

        assert runner.invoke(app, up).exit_code == 0
        runs = json.loads(runner.invoke(app, ["imports", "--format", "json"]).stdout)["imports"]
        assert [(r["run_id"], r["status"]) for r in runs] == [(run_id, "interrupted")]
        rerun = subprocess.run(
            [sys.executable, "-c", "from tracegraph.cli.main import run; run()", "import",
             str(tmp_path / "plant")],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr
        clean = " ended, exit 0 (clean): 20,003 rows read = 20,003 written + 0 rejected"
        assert clean in rerun.stderr.splitlines()[-1]
    finally:
        server.stop(home)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(0, "0 B"), (1023, "1023 B"), (3500, "3.4 KiB"), (12 * 2**20, "12.0 MiB"),
     (3 * 2**30 // 2, "1.5 GiB"), (2000 * 2**30, "2,000.0 GiB")],
)  # fmt: skip
def test_one_formatter_sizes_the_store_and_a_backup(amount: int, shown: str) -> None:
    """`db status` (store, free disk) and `db backup` (the dump) size files alike."""
    assert db_cli._bytes(amount) == shown


def test_a_summary_file_that_fails_at_the_end_keeps_the_imports_exit_code_and_line(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The import completed; writing its outcome to the summary file failed (a full disk, the
    folder removed): exit 0 as the import's, the outcome line, and a warning — it exited 2
    ("could not run") without its last line."""
    from tracegraph.cli import imports as imports_cli
    from tracegraph.errors import ConfigurationError

    written: list[dict[str, Any]] = []

    def outcome_write_fails(path: Path, record: dict[str, Any]) -> None:
        if record["outcome"] != "running":  # the run's start (and its lock) were written
            raise ConfigurationError(f"cannot write {path}: No space left on device")
        written.append(record)

    monkeypatch.setattr(imports_cli, "write_summary_file", outcome_write_fails)
    folder = _folder(tmp_path, MATERIALS)
    result = runner.invoke(app, ["import", str(folder), "--summary-file",
                                 str(tmp_path / "last.json")])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    lines = _lines(result.stderr)
    ended = f"{STAMP}import {RUN_ID} ended, exit 0 \\(clean\\): 3 rows read = 3 written"
    assert re.fullmatch(ended + " \\+ 0 rejected, in \\d+\\.\\d s", lines[-2]), lines[-2]
    assert lines[-1].startswith("warning: the summary file was not written: cannot write")
    assert graph.status().nodes.get("Material") == 3


def test_imports_keeps_counts_of_millions_whole_at_80_columns(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """Counts of a million rows or more were cut at 80 columns ("12,3…"): the user column, then
    the updated count, are left out on a narrow terminal, with a line saying so — a count is
    never cut. The ledger entries are written with the importer's own start_run/finish_run."""
    graph.write("import/lock_node")
    for run_id, hour, partial in (("20261204T010000Z-big001", 1, False),
                                  ("20261204T020000Z-big002", 2, True)):  # fmt: skip
        graph.write("import/start_run", props={
            "run_id": run_id, "status": "running", "user": "nightly-etl", "host": "mes-gw",
            "started_at": datetime(2026, 12, 4, hour, 0, tzinfo=UTC),
        })  # fmt: skip
        graph.write("import/finish_run", run_id=run_id, props={
            "status": "interrupted" if partial else "done", "counts_partial": partial,
            "rows_read": 12_345_678, "rows_written": 12_340_001, "rows_rejected": 5_677,
            "rows_updated": 1_234_567, "ended_at": datetime(2026, 12, 4, hour, 30, tzinfo=UTC),
        })  # fmt: skip
    narrow = runner.invoke(app, ["imports"], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.stderr
    lines = narrow.stdout.splitlines()
    assert max(len(line) for line in lines[:4]) <= 80  # the table; notes are soft-wrapped
    assert "…" not in narrow.stdout
    assert [line.split() for line in lines[2:4]] == [
        ["20261204T020000Z-big002", "interrupted", "≥12,345,678", "≥12,340,001", "≥5,677"],
        ["20261204T010000Z-big001", "done", "12,345,678", "12,340,001", "5,677"],
    ]
    assert lines[4] == ("started, user and updated not shown, for the terminal's width: a "
                        "wider one, or --format csv, has them")  # fmt: skip
    # done runs only: the updated count fits, the user is left out
    graph.write("import/finish_run", run_id="20261204T020000Z-big002",
                props={"status": "done", "counts_partial": False})  # fmt: skip
    done = runner.invoke(app, ["imports"], env={"COLUMNS": "80"}).stdout.splitlines()
    assert done[2].split() == ["20261204T020000Z-big002", "done", "12,345,678", "12,340,001",
                               "5,677", "1,234,567"]  # fmt: skip
    assert done[-1].startswith("started and user not shown, for the terminal's width")
    wide = runner.invoke(app, ["imports"], env={"COLUMNS": "120"}).stdout.splitlines()
    assert "nightly-etl" in wide[2] and "1,234,567" in wide[2]
    assert not wide[-1].endswith("has them")
    # A --full run's removed count is dropped before a count is cut: squeezed, it cut them
    # ("12,345,67", "done, unchange", no "…": review of nightlog).
    graph.write("import/finish_run", run_id="20261204T010000Z-big001",
                props={"full": True, "rows_removed": 1_234_567})  # fmt: skip
    graph.write("import/start_run", props={
        "run_id": "20261204T030000Z-big003", "status": "running", "user": "nightly-etl",
        "host": "mes-gw", "started_at": datetime(2026, 12, 4, 3, 0, tzinfo=UTC),
    })  # fmt: skip
    graph.write("import/finish_run", run_id="20261204T030000Z-big003", props={
        "status": "done", "all_unchanged": True, "rows_read": 0, "rows_written": 0,
        "rows_rejected": 0, "rows_updated": 0,
        "ended_at": datetime(2026, 12, 4, 3, 1, tzinfo=UTC),
    })  # fmt: skip
    full = runner.invoke(app, ["imports"], env={"COLUMNS": "80"}).stdout.splitlines()
    assert "…" not in "\n".join(full)
    assert [line.split()[:4] for line in full[2:5]] == [
        ["20261204T030000Z-big003", "done,", "unchanged", "0"],
        ["20261204T020000Z-big002", "done", "12,345,678", "12,340,001"],
        ["20261204T010000Z-big001", "done", "12,345,678", "12,340,001"],
    ]


def test_counts_of_one_are_singular(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A one-row delta said "1 rows read", "1 unchanged file(s) skipped" and "--max-rejects 1
    rows rejected": each count now says row or file as its number asks."""
    folder = _folder(tmp_path, "material_id,name,uom,kind\nM1,Flour,kg,raw\n")
    first = runner.invoke(app, ["import", str(folder)])
    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith(f"Import {first.stdout.split()[1]} 1 row read = 1 written + "
                                   "0 rejected, in ")  # fmt: skip
    lines = _lines(first.stderr)
    assert re.fullmatch(f"{STAMP}materials.csv → materials: 1 row read, 1 written \\(1 new, 0 "
                        "changed\\), 0 rejected, .*", lines[1]), lines[1]  # fmt: skip
    assert re.fullmatch(f"{STAMP}import {RUN_ID} ended, exit 0 \\(clean\\): 1 row read = 1 "
                        "written \\+ 0 rejected, in .*", lines[-1]), lines[-1]  # fmt: skip
    run_id = first.stdout.split()[1].rstrip(":")
    shown = runner.invoke(app, ["imports", run_id]).stdout
    assert ": 1 row read, 1 written, 0 rejected, 0 changed rows\n" in shown

    again = runner.invoke(app, ["import", str(folder)])
    assert "0 rows read = 0 written + 0 rejected" in again.stdout
    assert "; 1 unchanged file skipped" in again.stdout

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "materials.csv").write_text("material_id,name,uom,kind\n,Nameless,kg,raw\n")
    one_reject = runner.invoke(app, ["import", str(bad), "--max-rejects", "1"])
    assert one_reject.exit_code == 0, one_reject.stderr
    assert (
        "(at most --max-rejects 1 row rejected): 1 row read = 0 written + 1 rejected"
        in (_lines(one_reject.stderr)[-1])
    )


def test_a_lock_let_go_within_seconds_is_not_reported_held(graph: TraceGraph) -> None:
    """A probe of the import lock that times out is tried again, longer: on a loaded server a
    1 s probe timed out with nothing holding the lock, `db down` refused to stop ("held by an
    import starting, or db reset") and `imports` showed an interrupted run as running. Here a
    holder (as `db reset` holds it) lets go after 2.5 s: the first probe times out, the second
    sees it go."""
    with lock_held_for(graph, 2.5):
        started = time.monotonic()
        assert run.running_import(graph) is None
        assert 1.0 <= time.monotonic() - started < 10.0
    # held the whole time: still reported, after both probes
    with graph.held_lock("import/take_lock", wait_seconds=5.0, token="db reset") as held:
        assert held
        assert run.running_import(graph) == "an import starting, or `tracegraph db reset`"


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_summary_file_may_not_be_a_file_being_imported(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path, dry_run: bool
) -> None:
    """`import sf --summary-file sf/operators.csv` wrote the JSON summary over the export before
    reading it, then rejected its 8 JSON lines as operators. Refused as `--rejects` is: one line,
    exit 2, the export as it was, no run."""
    folder = tmp_path / "sf"
    folder.mkdir()
    export = folder / "operators.csv"
    export.write_text("operator_id,name\nOP1,Ann\n")
    result = runner.invoke(app, ["import", str(folder), "--summary-file", str(export),
                                 *(["--dry-run"] if dry_run else [])])  # fmt: skip
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.strip() == (
        f"error: the summary file {export} is one of the files to import: it would be written "
        "over (hint: pass --summary-file a file of another name)"
    )
    assert export.read_text() == "operator_id,name\nOP1,Ann\n"
    records, _, _ = graph.driver.execute_query(
        "MATCH (r:ImportRun) RETURN count(r) AS runs", database_=graph.database
    )
    assert records[0]["runs"] == 0
