"""Recall packages and drills on the hand-weighed plant (tests/hand_plant.py)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pwd
import re
import shutil
import stat
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hand_plant import HAND_PLANT, import_hand_plant, import_tables
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape
from typer.testing import CliRunner, Result

from tracegraph import report, xlsx
from tracegraph.check import run_checks
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.lots import show_lot
from tracegraph.trace import OVERLOCATED, trace_backward, trace_forward


def no_receipt_time(lot: str) -> str:
    """The hand plant records no receipt times: the receiving event of `lot` has no date, and
    the EPCIS document, which requires one, leaves it out and says so, and what to do
    (tests/test_recall_epcis.py)."""
    return (
        "1 tracking event left out of epcis.jsonld, which requires an event time: the receipt "
        f"of 1 lot ({lot}) has no time: give received_at in the lots table (a date alone is "
        "read as midnight in the import's timezone) and import again; tracking_events lists it"
    )


# the hand plant's C2 has an empty contact (customers.csv lists it all the same)
NO_CONTACT_C2 = (
    "1 customer to call has no contact in the customers table: C2 (customers.csv lists it with "
    "an empty contact: find whom to call)"
)


def test_recall_package_files_and_manifest(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "recall-B"
    result = runner.invoke(app, ["recall", "B", "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["drill"] is False
    assert payload["located_share"] == 1.0
    names = {p.name for p in out.iterdir()}
    assert names == {"customers.csv", "stock.csv", "shipments.csv", "tracking_events.csv",
                     "tracking_events.xlsx", "recall.xlsx", "epcis.jsonld", "recall.json",
                     "summary.txt", "manifest.sha256"}  # fmt: skip
    manifest: dict[str, str] = {}
    for line in (out / "manifest.sha256").read_text().splitlines():
        digest, name = line.split("  ")
        manifest[name] = digest
    assert set(manifest) == names - {"manifest.sha256"}
    for name, digest in manifest.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name

    events = list(csv.DictReader((out / "tracking_events.csv").read_text("utf-8-sig").splitlines()))
    got = [(e["event_type"], e["traceability_lot_code"], e["quantity"], e["unit"]) for e in events]
    assert got == [
        ("receiving", "B", "10.0", "kg"),
        ("transformation (mix)", "M", "40.5", "kg"),
        ("transformation (pack)", "P1", "300.0", "pcs"),
        ("transformation (pack)", "P2", "100.0", "pcs"),
        ("shipping", "P1", "300.0", "pcs"),
        ("shipping", "P2", "50.0", "pcs"),
        ("return", "P2", "10.0", "pcs"),  # how much came back (it said -10.0)
    ]  # fmt: skip
    assert events[1]["input_lot_codes"] == "A; B"
    # FSMA 204: the quantity and unit of each input lot, not only its code
    assert events[1]["input_quantities"] == "A 40 kg; B 500 g"
    assert events[4]["reference_document"] == "DN-1"
    # FSMA 204 asks where a shipment left from (the location was left empty before).
    assert [e["location_id"] for e in events[4:]] == ["WH-FG", "WH-FG", ""]
    # a return comes from the customer (it went "to" the customer), a receipt from a supplier
    assert [(e["origin_id"], e["destination_id"]) for e in events[4:]] == [
        ("WH-FG", "C1"), ("WH-FG", "C2"), ("C2", ""),
    ]  # fmt: skip
    assert (events[0]["origin_id"], events[0]["destination_description"]) == ("V2", "")
    # a supplier without a row of its own is named by its id; with one, by its name
    assert events[0]["origin_description"] == "supplier V2"

    book = load_workbook(out / "tracking_events.xlsx")
    sheet = book["tracking events"]
    assert sheet.max_row == len(events) + 1
    assert sheet.auto_filter.ref == sheet.dimensions
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b  # header stays in view, in bold
    first = {head.value: cell.value for head, cell in zip(sheet[1], sheet[2], strict=True)}
    assert (first["event_type"], first["traceability_lot_code"], first["quantity"]) == (
        "receiving", "B", 10.0,
    )  # fmt: skip
    # Times in the exports' own offsets are text Excel sorts wrong: beside them, the time in
    # UTC as a date Excel sorts and filters (and as sortable text in the CSV).
    shipped = {head.value: cell.value for head, cell in zip(sheet[1], sheet[6], strict=True)}
    assert (shipped["event_date"], shipped["event_date_utc"]) == (
        "2026-11-04T08:00:00+00:00", datetime(2026, 11, 4, 8, 0)
    )  # fmt: skip
    assert events[4]["event_date_utc"] == "2026-11-04 08:00:00"
    assert book.sheetnames == ["tracking events"]
    customer_cells = {
        row[1].value: row[1].data_type
        for row in load_workbook(out / "recall.xlsx")["customers"].iter_rows(min_row=2)
    }
    assert customer_cells["=Shop two"] == "s"  # a name that looks like a formula stays text

    customers = list(csv.DictReader((out / "customers.csv").read_text("utf-8-sig").splitlines()))
    assert {(c["customer_id"], c["name"], c["contact"]) for c in customers} == {
        ("C1", "Shop one", "qa@one.example"), ("C2", "'=Shop two", ""),
    }  # fmt: skip
    # Whom to call about what: the lots, the shipments, how much net of the return, of
    # which product (the return apart: "3 shipments" were 2 deliveries and a return).
    assert {(c["customer_id"], c["lot_ids"], c["shipments"], c["shipment_ids"], c["returns"],
             c["return_ids"], c["shipped"]) for c in customers} == {
        ("C1", "P1", "1", "SH1", "0", "", "300 pcs BREAD"),
        ("C2", "P2", "1", "SH2", "1", "RMA1", "40 pcs BREAD"),
    }  # fmt: skip


def test_no_file_of_a_package_is_readable_by_others_while_it_is_written(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A package was written under the umask (under 022: the folder 0755, each of its 10 files
    with --html 0644) and narrowed by chmod once all were written: for the whole write anyone
    on the machine could read customers.csv, every customer's contact. Watched at every file
    operation of the recall (an audit hook: each open, mkdir, rename, chmod), no file or
    folder of the package is ever readable by others."""
    out = tmp_path / "watched"
    modes: dict[str, set[int]] = {}
    watching = {"on": True, "inside": False}

    def watch(event: str, _args: tuple[Any, ...]) -> None:
        if not watching["on"] or watching["inside"] or not event.startswith(("open", "os.")):
            return
        watching["inside"] = True  # iterdir is an audited operation too
        try:
            # the package folder and the staging folder it is written in beside it (its files
            # under their own names, the folder as "watched")
            for folder in tmp_path.iterdir():
                if folder.name != "watched" and not folder.name.startswith(".watched."):
                    continue
                modes.setdefault("watched", set()).add(stat.S_IMODE(folder.lstat().st_mode))
                for path in folder.iterdir():
                    modes.setdefault(path.name, set()).add(stat.S_IMODE(path.lstat().st_mode))
        except FileNotFoundError:  # renamed meanwhile
            pass
        finally:
            watching["inside"] = False

    sys.addaudithook(watch)  # for good: switched off below
    old = os.umask(0o022)
    try:
        made = runner.invoke(app, ["recall", "B", "--out", str(out), "--html"])
    finally:
        os.umask(old)
        watching["on"] = False
    assert made.exit_code == 0, made.output
    assert {"watched", "customers.csv", "recall.xlsx", "epcis.jsonld", "summary.txt"} <= set(modes)
    readable = {name: sorted(oct(mode) for mode in seen) for name, seen in modes.items()
                if any(mode & 0o077 for mode in seen)}  # fmt: skip
    assert readable == {}
    assert not list(out.glob(".*"))  # no file written beside its name is left
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nor staging


def test_a_trace_picture_is_its_users_alone(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`trace forward B --html trace.html` wrote the picture (every lot, shipment and customer
    the trace reached) 0644 under umask 022, readable by anyone on the machine, where a
    recall's report.html of the same picture is its user's alone. It is 0600."""
    picture = tmp_path / "trace.html"
    old = os.umask(0o022)
    try:
        result = runner.invoke(app, ["trace", "forward", "B", "--html", str(picture)])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(picture.stat().st_mode) == 0o600


def test_a_package_is_its_users_alone_and_its_events_workbook_holds_no_customers(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Under umask 022 a package was written 0644 in a 0755 folder, though customers.csv holds
    every customer's contact, address and phone (the import's reject files are 0600); and
    tracking_events.xlsx, the FSMA 204 spreadsheet a plant sends to a customer, held a
    `customers` sheet (every affected customer's contact) and the internal `stock to block`.
    The folder is 0700 and its 10 files 0600 (an existing empty --out too); the workbook holds
    the events alone, recall.xlsx the customers and the stock."""
    old = os.umask(0o022)
    try:
        given = tmp_path / "given"
        given.mkdir()  # 0755
        for out, flags in ((tmp_path / "r", []), (given, ["--drill", "--html"])):
            made = runner.invoke(app, ["recall", "B", "--out", str(out), *flags])
            assert made.exit_code == 0, made.output
            assert stat.S_IMODE(out.stat().st_mode) == 0o700
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
            assert len(modes) == 10 + len(flags) // 2 and set(modes.values()) == {0o600}, modes
    finally:
        os.umask(old)
    out = tmp_path / "r"
    assert load_workbook(out / "tracking_events.xlsx").sheetnames == ["tracking events"]
    kept = load_workbook(out / "recall.xlsx")
    assert kept.sheetnames == ["customers", "stock to block", "shipments"]
    assert {row[2].value for row in kept["customers"].iter_rows(min_row=2)} == {
        "qa@one.example",
        None,
    }
    with (out / "manifest.sha256").open(encoding="utf-8") as manifest:
        assert "recall.xlsx" in {line.split()[1] for line in manifest}


def test_more_events_than_a_sheet_holds_go_on_in_numbered_sheets_with_a_warning(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A year of a commodity's recall fills more than a sheet (1,048,575 events): the rest goes
    on in `tracking events (2)`, and the package says so — a coordinator filtering the first
    sheet alone would miss lots. A sheet made to hold three events here."""
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)
    out = tmp_path / "r"
    result = runner.invoke(app, ["recall", "B", "--out", str(out)])
    assert result.exit_code == 0, result.output
    events = list(csv.DictReader((out / "tracking_events.csv").read_text("utf-8-sig")
                                 .splitlines()))  # fmt: skip
    sheets = -(-len(events) // 3)
    assert sheets >= 3
    book = load_workbook(out / "tracking_events.xlsx")
    titles = ["tracking events", *(f"tracking events ({n})" for n in range(2, sheets + 1))]
    assert book.sheetnames == titles
    assert sum(book[title].max_row - 1 for title in titles) == len(events)
    warning = (f"the {len(events)} tracking events fill {sheets} sheets of tracking_events.xlsx "
               "(a sheet holds 3 rows): sort and filter each of them, or use "
               "tracking_events.csv")  # fmt: skip
    assert f"warning: {warning}\n" in (out / "summary.txt").read_text("utf-8")
    assert warning in " ".join(result.stderr.split())


def test_drill_is_recorded_and_listed(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    first = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "d1"), "--drill"])
    assert first.exit_code == 0, first.output
    assert (
        "Drill DRILL-" in first.stdout and "100.0% of the source quantity located" in first.stdout
    )
    history = runner.invoke(app, ["recall", "history", "--format", "json"])
    assert history.exit_code == 0, history.output
    (entry,) = json.loads(history.stdout)["recalls"]
    assert entry["drill"] is True
    assert entry["source_lots"] == ["B"]
    assert entry["located_share"] == 1.0
    assert entry["lots"] == 3 and entry["customers"] == 2
    assert entry["duration_s"] > 0
    table = runner.invoke(app, ["recall", "history"])
    assert "1 recall or drill" in table.stdout


@pytest.mark.parametrize("columns", ["80", "119", "120", None])
def test_recall_history_tells_who_made_each_package_and_when_at_any_width(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    columns: str | None,
) -> None:
    """Below 120 columns (a split terminal, or `| cat` with COLUMNS exported) the table left
    out who made each package and when; it now says it under the id. CliRunner is no
    terminal: without COLUMNS the table is as wide as a pipe's (200 columns)."""
    monkeypatch.setattr("tracegraph.recall.os_account", lambda: "qa-anna")
    for name, flags in (("d1", ["--drill"]), ("r1", [])):
        made = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / name), *flags])
        assert made.exit_code == 0, made.output
    recalls = json.loads(runner.invoke(app, ["recall", "history", "--format", "json"]).stdout)
    env = {"COLUMNS": columns} if columns else {}
    if not columns:
        monkeypatch.delenv("COLUMNS", raising=False)
    table = runner.invoke(app, ["recall", "history"], env=env)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert max(map(len, lines)) <= int(columns or 200)
    for entry in recalls["recalls"]:
        # with its zone (a bare 23:17 read as local time is hours off)
        when = entry["created_at"][:16].replace("T", " ") + " UTC"
        (at,) = [i for i, line in enumerate(lines) if entry["recall_id"] in line]
        if columns in ("80", "119"):
            assert lines[at + 1].split("│")[1].strip() == f"by qa-anna, {when}"
        else:  # the wide table's own columns
            assert re.search(rf"│ {entry['recall_id']} +│ (yes|no) +│ {when} +│ qa-anna +│",
                             lines[at]), lines[at]  # fmt: skip


def test_the_audit_trail_names_the_os_account_not_the_environments_user(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`LOGNAME=qa.manager USER=qa.manager tracegraph import …` and `recall … --drill` run as
    root recorded qa.manager as who ran them (getpass.getuser reads LOGNAME first): the import
    ledger, the recall history and summary.txt name the account of the process's real uid."""
    account = pwd.getpwuid(os.getuid()).pw_name
    assert account != "qa.manager"
    spoofed = {"LOGNAME": "qa.manager", "USER": "qa.manager", "LNAME": "qa.manager"}
    for name, text in HAND_PLANT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    imported = runner.invoke(app, ["import", str(tmp_path), "--format", "json"], env=spoofed)
    assert imported.exit_code == 0, imported.output
    made = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "d"), "--drill"], env=spoofed)
    assert made.exit_code == 0, made.output
    runs = json.loads(runner.invoke(app, ["imports", "--format", "json"]).stdout)["imports"]
    recalls = json.loads(runner.invoke(app, ["recall", "history", "--format", "json"]).stdout)
    assert [run["user"] for run in runs] == [account]
    assert [entry["created_by"] for entry in recalls["recalls"]] == [account]
    assert f" by {account} on " in (tmp_path / "d" / "summary.txt").read_text(encoding="utf-8")


def test_a_recall_is_named_on_every_lot_it_reached_a_drill_is_not(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A warehouse clerk looked up bottle lot P1 inside the recall of salt lot B: `lot show`
    named no recall (only B carried it). A drill changes nothing for the lots it reaches. (The
    links go in batches: of one lot here, to see every batch written.)"""
    monkeypatch.setattr("tracegraph.recall.AFFECTS_BATCH", 1)
    drill = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "d"), "--drill"])
    assert drill.exit_code == 0, drill.output
    assert show_lot(hand_plant, "P1")["recalls"] == []
    recall = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "r"), "--format", "json"])
    assert recall.exit_code == 0, recall.output
    recall_id = json.loads((tmp_path / "r" / "recall.json").read_text())["recall_id"]
    for lot in ("M", "P1", "P2"):
        assert show_lot(hand_plant, lot)["recalls"] == [recall_id]
    assert len(show_lot(hand_plant, "B")["recalls"]) == 2  # the drill and the recall
    assert show_lot(hand_plant, "A")["recalls"] == []  # upstream of the dough, not reached
    shown = runner.invoke(app, ["lot", "show", "P1"])
    assert f"in recalls: {recall_id}" in shown.stdout


def test_check_finds_what_shipped_or_was_used_after_a_recall_covering_it(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Salt lot B was recalled; the next night's export shipped 10 more bread of P1 (made with
    it) and put 100 g of B into a new dough, and `check` said "no gaps found": a recall holds
    nothing in the ERP. A drill's lots, and what happened before the recall, are no finding."""
    assert (
        runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "d"), "--drill"]).exit_code == 0
    )
    later = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat()
    _ship_p1_and_use_b(hand_plant, tmp_path / "more", later)
    found = {r.name: r.findings for r in run_checks(hand_plant).results}
    assert found["shipped_or_used_after_recall"] == []  # a drill recalls nothing
    assert runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "r")]).exit_code == 0
    recall_id = json.loads((tmp_path / "r" / "recall.json").read_text())["recall_id"]
    found = {r.name: r.findings for r in run_checks(hand_plant).results}
    assert [(f["lot_id"], f["event"], f["reference"], f["quantity"], f["uom"], f["recall_id"])
            for f in found["shipped_or_used_after_recall"]] == [
        ("B", "used", "X9", 100.0, "g", recall_id),
        ("P1", "shipped", "SH9", 10.0, "pcs", recall_id),
    ]  # fmt: skip
    checked = runner.invoke(app, ["check"])
    assert checked.exit_code == 1
    assert "2 lots shipped or used after a recall that covers them" in checked.stdout


def test_recall_never_writes_over_a_folder(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "taken")])
    assert result.exit_code == 2
    assert "is not empty" in result.stderr
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"
    # A file of that name (an internal error before): refused, and left as it was.
    result = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "taken" / "keep.txt")])
    assert result.exit_code == 2
    assert (
        "keep.txt is a file, not a folder (hint: give --out a folder, not a file" in result.stderr
    )
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"
    # A folder under that file, and one the system will not make (each an internal error,
    # exit 3, before): one line, exit 2, nothing recorded.
    under = tmp_path / "taken" / "keep.txt" / "sub"
    result = runner.invoke(app, ["recall", "B", "--out", str(under)])
    assert result.exit_code == 2, result.output
    assert f"cannot create the package folder {under}: " in result.stderr
    assert "keep.txt is a file (hint: give --out a folder you can write)" in result.stderr
    result = runner.invoke(app, ["recall", "B", "--out", "/proc/tracegraph-recall"])
    assert result.exit_code == 2, result.output
    assert "cannot create the package folder /proc/tracegraph-recall: " in result.stderr
    history = runner.invoke(app, ["recall", "history", "--format", "json"])
    assert json.loads(history.stdout) == {"recalls": []}


def test_html_report_is_self_contained(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "with-html"
    result = runner.invoke(app, ["recall", "A", "--out", str(out), "--html"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script src=" not in page  # everything inline: opens offline
    assert "3 lots made from A · 3 shipment lines · 2 customers" in page
    assert '"P1"' in page and "customer:C2" in page


def test_trace_forward_writes_a_picture_too(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    picture = tmp_path / "trace.html"
    result = runner.invoke(
        app, ["trace", "forward", "B", "--html", str(picture), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sources"][0]["lot_id"] == "B"
    assert "<title>Forward trace of B</title>" in picture.read_text(encoding="utf-8")


def _picture(page: str) -> tuple[dict[str, Any], set[tuple[str, str, str]]]:
    """The nodes (by id) and the relationships a picture draws."""
    found = re.search(
        r'<script type="application/json" id="neo4j-viz-data">(.*?)</script>', page, re.S
    )
    assert found is not None
    data = json.loads(found.group(1))
    links = {(r["from"], r["to"], r["caption"]) for r in data["relationships"]}
    return {n["id"]: n for n in data["nodes"]}, links


def test_trace_backward_draws_the_genealogy(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    more = tmp_path / "more"
    more.mkdir()
    (more / "inspections.csv").write_text(
        "inspection_id,test,result,inspected_at,lot_id\n"
        "I1,moisture,fail,2026-11-03T07:00:00+00:00,A\n",
        encoding="utf-8",
    )
    assert import_paths(hand_plant, [more]).rejects == []
    pictures = [tmp_path / "one.html", tmp_path / "two.html"]
    for picture in pictures:
        result = runner.invoke(
            app, ["trace", "backward", "P1", "--html", str(picture), "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["sources"][0]["lot_id"] == "P1"
    page = pictures[0].read_text(encoding="utf-8")
    assert "<title>Backward trace of P1</title>" in page
    assert "pink: a failed inspection" in page
    nodes, links = _picture(page)
    assert set(nodes) == {"P1", "M", "A", "B", "step:X", "step:Y", "supplier:V1", "supplier:V2"}
    assert nodes["P1"]["color"] == report.COLORS["source"]
    assert nodes["A"]["color"] == report.COLORS["failed"]  # its moisture test failed
    assert nodes["B"]["color"] == report.COLORS["lot"]
    assert nodes["step:X"]["caption"] == "X\nmix\nMIXER-1 · OP1"
    assert links == {
        ("A", "step:X", "INPUT_TO 40 kg"), ("B", "step:X", "INPUT_TO 500 g"),
        ("step:X", "M", "PRODUCED 40.5 kg"), ("M", "step:Y", "INPUT_TO 40.5 kg"),
        ("step:Y", "P1", "PRODUCED 300 pcs"),
        ("supplier:V1", "A", "supplier lot 000123"), ("supplier:V2", "B", "supplier lot 000123"),
    }  # fmt: skip
    # The same trace draws the same file: relationships and the container have fixed ids.
    assert pictures[0].read_bytes() == pictures[1].read_bytes()


def test_pictures_say_how_many_lots_they_leave_out(
    hand_plant: TraceGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "PICTURE_LIMIT", 1)
    page = report.write_html(
        tmp_path / "up.html", trace_backward(hand_plant, ["P1"]), "up"
    ).read_text(encoding="utf-8")
    assert "1 lots nearest to the sources; 2 more are in the JSON and CSV output of the" in page
    nodes, _ = _picture(page)
    assert set(nodes) == {"P1", "M", "step:Y"}  # M is the nearest; A, B and their suppliers not
    page = report.write_html(
        tmp_path / "down.html", trace_forward(hand_plant, ["B"]), "down", complete_in="the list"
    ).read_text(encoding="utf-8")
    assert "shows the 1 lots nearest to the sources; 2 more are in the list." in page
    nodes, _ = _picture(page)
    assert set(nodes) == {"B", "M", "step:X"}


def test_recall_csv_on_stdout_is_the_package_customers_csv_and_overshipping_is_called_out(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`recall --format csv` prints the rows of customers.csv (its shipped, lot_ids and
    shipment_ids columns were empty on stdout); shipping events describe their location; g
    and kg shipped to one customer add up (`1000 g; 1 kg` became `2 kg`); and a lot shipped
    beyond its record (20 kg of a 10 kg lot) is weighed as what it gave, which the package and
    stderr say (they said more of the source was located than there was)."""
    folder = tmp_path / "plant"
    folder.mkdir()
    for name, text in HAND_PLANT.items():
        if name == "shipments.csv":
            text += (
                "SH3,C1,2026-11-06T08:00:00+00:00,DN-3,\nSH4,C1,2026-11-07T08:00:00+00:00,DN-4,\n"
            )
        if name == "shipment_lines.csv":
            text += "SH3,B,1000,g\nSH4,B,1,kg\n"
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "locations.csv").write_text("location_id,name\nWH-FG,Finished goods\n")
    (folder / "suppliers.csv").write_text("supplier_id,name\nV2,Saline Sud\n")
    assert import_paths(graph, [folder]).rejects == []
    out = tmp_path / "recall-B"
    result = runner.invoke(app, ["recall", "B", "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    printed = list(csv.DictReader(result.stdout.splitlines()))
    written = list(csv.DictReader((out / "customers.csv").read_text("utf-8-sig").splitlines()))
    # the same rows; the file keeps formula-like text from running in a spreadsheet ('=Shop)
    assert printed == [{k: v.removeprefix("'") for k, v in row.items()} for row in written]
    by_customer = {row["customer_id"]: row for row in printed}
    # g met first; per product: 300 pcs of bread and 2 kg of salt
    assert by_customer["C1"]["shipped"] == "300 pcs BREAD; 2000 g SALT"
    assert by_customer["C1"]["shipment_ids"] == "SH1 SH3 SH4"
    unplaced = (
        "2 shipments (SH3, SH4) name no ship-from location (from_location_id in the shipments "
        "table): their shipping events have no location in tracking_events"
    )
    no_contact = (
        "1 customer to call has no contact in the customers table: C2 (customers.csv lists it "
        "with an empty contact: find whom to call)"
    )
    assert result.stderr == (
        f"warning: {unplaced}\nwarning: {no_contact}\nwarning: {no_receipt_time('B')}\n"
    )
    events = list(csv.DictReader((out / "tracking_events.csv").read_text("utf-8-sig").splitlines()))
    # a shipment's location is described, as a receipt's was (it was empty)
    assert {e["location_description"] for e in events if e["event_type"] == "shipping"
            and e["location_id"] == "WH-FG"} == {"Finished goods"}  # fmt: skip
    # and so is the shipment's origin, the same place (its id alone, the description empty)
    assert {(e["origin_id"], e["origin_description"]) for e in events
            if e["event_type"] == "shipping" and e["location_id"]} == {
        ("WH-FG", "Finished goods")
    }  # fmt: skip
    # the supplier by its name (it said "supplier V2")
    assert {e["origin_description"] for e in events if e["event_type"] == "receiving"} == {
        "Saline Sud"
    }
    (folder / "shipment_lines.csv").write_text("shipment_id,lot_id,quantity,uom\nSH4,B,20,kg\n")
    assert import_paths(graph, [folder / "shipment_lines.csv"]).rejects == []
    result = runner.invoke(app, ["recall", "supplier_lot|V2|000123", "--out",
                                 str(tmp_path / "again")])  # fmt: skip
    assert result.exit_code == 0, result.output
    # B (10 kg) gave 21.5 kg: 0.5 kg to the mix, 1 kg and 20 kg shipped. It was weighed as
    # its 10 kg, each line a fraction of that (20/10 of it on SH4), and the recall said
    # "more of the source is located than there was" (100.2 % ... 215 %). A lot is weighed as
    # no less than it gave (flow.LotBasis): B is weighed as 21.5 kg, all of it located, and
    # the warning says why: its record says 10 kg
    overgiven = "B: recorded as 10 kg, but it gave 21.5 kg: weighed as 21.5 kg"
    assert f"warning: {overgiven}" in result.stderr and OVERLOCATED not in result.stderr
    # ...and in the package the auditor receives (it said "100.2 % located", nothing more),
    # with the number the recall was asked for (the supplier's; the sources are ours)
    summary = (tmp_path / "again" / "summary.txt").read_text("utf-8").splitlines()
    assert summary[1] == "asked as: supplier_lot|V2|000123 (lots B)"
    # ...and where all of the source is, as the trace's totals line says (in stock was missing)
    assert any(line.startswith("source 21.5 kg · shipped ") and "located 100" in line
               for line in summary)  # fmt: skip
    assert f"warning: {overgiven}" in summary
    package = json.loads((tmp_path / "again" / "recall.json").read_text("utf-8"))
    assert package["asked_as"] == ["supplier_lot|V2|000123"]
    assert package["warnings"] == [overgiven, unplaced, NO_CONTACT_C2, no_receipt_time("B")]


def test_a_customers_column_named_like_a_package_column_is_kept_under_another_name(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An ERP's `shipments` column (its own count) was left out of customers.csv without a
    word, as customers.csv has a `shipments` column of its own: it is there as
    `export_shipments`, and the package says so."""
    customers = (
        "customer_id,name,contact,shipments,lots,export_lots\n"
        "C1,Shop one,qa@one.example,42,7,x\n"
        "C2,Shop two,,3,,\n"
    )
    result, out, written = _recall_b(graph, runner, tmp_path, {"customers.csv": customers}, "json")
    assert list(written[0])[-3:] == ["export_export_lots", "export_lots", "export_shipments"]
    assert [(c["customer_id"], c["shipments"], c["export_shipments"], c["lots"],
             c["export_lots"], c["export_export_lots"]) for c in written] == [
        ("C1", "1", "42", "1", "x", "7"), ("C2", "1", "3", "1", "", ""),
    ]  # fmt: skip
    expected = [
        "customers.csv has a column 'lots' of its own: the customers export's 'lots' is there "
        "(and in the workbook) as 'export_export_lots'",
        "customers.csv has a column 'shipments' of its own: the customers export's 'shipments' "
        "is there (and in the workbook) as 'export_shipments'",
    ]
    assert json.loads(result.stdout)["warnings"][-4:] == [
        *expected,
        NO_CONTACT_C2,
        no_receipt_time("B"),
    ]
    saved = json.loads((out / "recall.json").read_text(encoding="utf-8"))
    assert saved["warnings"][-4:] == [*expected, NO_CONTACT_C2, no_receipt_time("B")]
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert all(f"warning: {text}\n" in summary for text in expected)
    assert all(f"warning: {text}" in " ".join(result.stderr.split()) for text in expected)
    again = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "csv"), "--format", "csv"])
    assert again.exit_code == 0, again.output
    assert list(csv.DictReader(again.stdout.splitlines())) == written


def test_a_recall_asked_by_a_device_window_recalls_what_the_device_made_in_it(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Mixer MIXER-1 ran mix X at 08:00 (making dough M): a recall of the mixer from 07:30 to
    08:30 is the recall of M, and its package says which window it was asked by."""
    window = ["--device", "MIXER-1", "--from", "2026-11-03T07:30", "--to", "2026-11-03T08:30",
              "--timezone", "UTC"]  # fmt: skip
    out = tmp_path / "oven"
    result = runner.invoke(app, ["recall", *window, "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    asked = "device MIXER-1, 2026-11-03T07:30:00+00:00 – 2026-11-03T08:30:00+00:00"
    assert payload["window"]["device_id"] == "MIXER-1"
    assert payload["window"]["processed_lots"] == ["M"]
    assert [step["step_id"] for step in payload["window"]["steps"]] == ["X"]
    saved = json.loads((out / "recall.json").read_text(encoding="utf-8"))
    assert saved["asked_as"] == ["M"] and saved["window"] == payload["window"]
    by_lot = runner.invoke(app, ["recall", "M", "--out", str(tmp_path / "m"), "--format", "json"])
    assert by_lot.exit_code == 0, by_lot.output
    same = json.loads((tmp_path / "m" / "recall.json").read_text(encoding="utf-8"))
    for key in ("recall_id", "created_at", "seconds", "window"):
        saved.pop(key, None), same.pop(key, None)
    assert saved == same  # the window's lots, traced as a recall of those lots is
    summary = (out / "summary.txt").read_text(encoding="utf-8").splitlines()
    assert summary[1] == f"asked as: {asked} (lots M)"
    history = json.loads(runner.invoke(app, ["recall", "history", "--format", "json"]).stdout)
    assert [(r["window"], r["source_lots"]) for r in history["recalls"]] == [
        (None, ["M"]), (asked, ["M"]),
    ]  # fmt: skip
    table = runner.invoke(app, ["recall", "history"], env={"COLUMNS": "250"})
    assert "device MIXER-1, 2026-11-03T07:30+00:00 – 2026-11-03T08:30+00:00 (1 lot)" in table.stdout
    narrow = runner.invoke(app, ["recall", "history"], env={"COLUMNS": "80"})
    assert payload["recall_id"] in narrow.stdout  # the id finds the package: never cut
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80
    shown = runner.invoke(app, ["recall", *window, "--out", str(tmp_path / "shown")])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(f"Asked as {asked}: 1 lot in the window\n")


def test_a_window_names_its_subject_as_stored_and_in_parts_for_a_program(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`--device ' MIXER-1 '` (pasted padded) finds MIXER-1, and the package, the ledger and
    the history named ' MIXER-1 '; the history had the window as text only. Ids are
    case-sensitive: mixer-1 is no device, and the hint names MIXER-1."""
    span = ["--from", "2026-11-03T07:30Z", "--to", "2026-11-03T08:30Z"]
    out = tmp_path / "padded"
    result = runner.invoke(app, ["recall", "--device", " MIXER-1 ", *span, "--out", str(out),
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    asked = "device MIXER-1, 2026-11-03T07:30:00+00:00 – 2026-11-03T08:30:00+00:00"
    parts = {"kind": "device", "subject": "MIXER-1", "from": "2026-11-03T07:30:00+00:00",
             "to": "2026-11-03T08:30:00+00:00"}  # fmt: skip
    saved = json.loads((out / "recall.json").read_text(encoding="utf-8"))
    assert {key: saved["window"][key] for key in parts} == parts
    assert saved["window"]["device_id"] == "MIXER-1"
    assert json.loads(result.stdout)["window"] == saved["window"]
    summary = (out / "summary.txt").read_text(encoding="utf-8").splitlines()
    assert summary[1] == f"asked as: {asked} (lots M)"
    by_lot = runner.invoke(app, ["recall", "M", "--out", str(tmp_path / "m")])
    assert by_lot.exit_code == 0, by_lot.output
    history = json.loads(runner.invoke(app, ["recall", "history", "--format", "json"]).stdout)
    windows = [{key: r[key] for key in ("window", "window_kind", "window_subject",
                                          "window_from", "window_to")}
               for r in history["recalls"]]  # fmt: skip
    assert windows == [
        dict.fromkeys(("window", "window_kind", "window_subject", "window_from", "window_to")),
        {"window": asked, **{f"window_{key}": value for key, value in parts.items()}},
    ]  # fmt: skip
    listed = list(csv.DictReader(io.StringIO(
        runner.invoke(app, ["recall", "history", "--format", "csv"]).stdout)))  # fmt: skip
    assert [(r["window"], r["window_kind"], r["window_subject"]) for r in listed] == [
        ("", "", ""), (asked, "device", "MIXER-1"),
    ]  # fmt: skip
    wrong = runner.invoke(app, ["recall", "--device", "mixer-1", *span, "--out",
                                str(tmp_path / "wrong")])  # fmt: skip
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith("error: no device is known as 'mixer-1' (hint: close "
                                   "matches: MIXER-1")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--device", "MIXER-1", "--from", "2026-11-03T10:00Z", "--to", "2026-11-03T11:00Z"],
         "no lots in the window (device MIXER-1, 2026-11-03T10:00:00+00:00 – "
         "2026-11-03T11:00:00+00:00): nothing to recall"),
        (["B", "--device", "MIXER-1", "--from", "2026-11-03T07:00Z", "--to", "2026-11-03T09:00Z"],
         "a recall is asked by lots or by one window, not both"),
        (["--device", "MIXER-1", "--operator", "OP1", "--from", "2026-11-03T07:00Z", "--to",
          "2026-11-03T09:00Z"], "a recall is asked by lots or by one window, not both"),
        (["B", "--from", "2026-11-03T07:00Z"], "--from and --to need a window's subject"),
        (["--device", "MIXER-1", "--from", "2026-11-03T07:00Z"], "--device needs --from and --to"),
        (["--device", "MIXER-9", "--from", "2026-11-03T07:00Z", "--to", "2026-11-03T09:00Z"],
         "no device is known as 'MIXER-9'"),
        ([], "nothing to recall: no lots and no window given"),
    ],
)  # fmt: skip
def test_a_window_recall_that_cannot_run_says_why_and_writes_nothing(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "recall"
    result = runner.invoke(app, ["recall", "package", *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    assert hand_plant.read("recall/history") == []


def test_a_timezone_given_with_lots_is_refused_not_ignored(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`recall B --timezone Europe/Berlin` wrote the package as if the zone meant something:
    it reads a window's --from and --to, and a recall of lots has none."""
    out = tmp_path / "recall"
    result = runner.invoke(app, ["recall", "B", "--timezone", "Europe/Berlin", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr == (
        "error: --timezone reads a window's --from and --to: a recall of lots has none (hint: "
        "leave --timezone out, or recall a window (--device, --operator or --supplier with "
        "--from and --to))\n"
    )
    assert not out.exists()
    assert hand_plant.read("recall/history") == []


def test_a_package_warns_of_shipments_that_name_no_ship_from_location(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """SH2 left from nowhere the export names: its shipping event's location is blank in the
    FSMA 204 tracking events, and the package says so (a return is not a shipment out)."""
    plant = tmp_path / "plant"
    plant.mkdir()
    for name, text in HAND_PLANT.items():
        if name == "shipments.csv":
            text = text.replace("DN-2,WH-FG", "DN-2,")
        (plant / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [plant]).rejects == []
    out = tmp_path / "recall"
    result = runner.invoke(app, ["recall", "B", "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    expected = (
        "1 shipment (SH2) names no ship-from location (from_location_id in the shipments "
        "table): its shipping events have no location in tracking_events"
    )
    assert json.loads(result.stdout)["warnings"] == [expected, NO_CONTACT_C2, no_receipt_time("B")]
    assert json.loads((out / "recall.json").read_text(encoding="utf-8"))["warnings"] == [
        expected, NO_CONTACT_C2, no_receipt_time("B"),
    ]  # fmt: skip
    assert f"warning: {expected}" in result.stderr
    assert f"warning: {expected}\n" in (out / "summary.txt").read_text(encoding="utf-8")
    events = list(csv.DictReader((out / "tracking_events.csv").read_text("utf-8-sig").splitlines()))
    assert [(e["reference_document"], e["location_id"]) for e in events
            if e["event_type"] == "shipping"] == [("DN-1", "WH-FG"), ("DN-2", "")]  # fmt: skip
    placed = runner.invoke(app, ["recall", "A", "--out", str(tmp_path / "a"), "--format", "json"])
    assert placed.exit_code == 0, placed.output
    # A reached SH2 too; A's receipt has no time either
    assert json.loads(placed.stdout)["warnings"] == [expected, NO_CONTACT_C2, no_receipt_time("A")]


def test_a_customers_column_named_like_a_formula_is_kept_under_a_safe_name(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An export's `+phone` column (a header a spreadsheet would run as a formula) was left
    out of customers.csv and the workbook without a word: the call list lost the customers'
    telephone numbers. It is there as `export_+phone`, and the package says so."""
    customers = (
        "customer_id,name,contact,+phone,=cmd|x,@note\n"
        "C1,Shop one,qa@one.example,+49 30 1234,a,b\n"
        "C2,Shop two,,,,\n"
    )
    result, out, written = _recall_b(graph, runner, tmp_path, {"customers.csv": customers}, "json")
    assert list(written[0])[-3:] == ["export_+phone", "export_=cmd|x", "export_@note"]
    assert [(c["customer_id"], c["export_+phone"], c["export_=cmd|x"], c["export_@note"])
            for c in written] == [("C1", "+49 30 1234", "a", "b"), ("C2", "", "", "")]  # fmt: skip
    expected = [
        f"the customers export's column '{name}' would run as a formula as a header in a "
        f"spreadsheet: it is there (and in the workbook) as 'export_{name}'"
        for name in ("+phone", "=cmd|x", "@note")
    ]
    assert json.loads(result.stdout)["warnings"][-5:] == [
        *expected,
        NO_CONTACT_C2,
        no_receipt_time("B"),
    ]
    rows = [
        [cell.value for cell in row]
        for row in load_workbook(out / "recall.xlsx")["customers"].iter_rows()
    ]
    assert rows[0][-3:] == ["export_+phone", "export_=cmd|x", "export_@note"]
    assert rows[1][-3:] == ["+49 30 1234", "a", "b"]  # a text cell, not a formula


def _recall_b(
    graph: TraceGraph, runner: CliRunner, tmp_path: Path, files: dict[str, str], output: str
) -> tuple[Result, Path, list[dict[str, str]]]:
    """The hand plant with `files` in place of its own, imported, and the recall of B with
    `--format output`: the command's result, the package's folder and its customers.csv."""
    import_hand_plant(graph, tmp_path / "plant", files)
    out = tmp_path / "recall"
    result = runner.invoke(app, ["recall", "B", "--out", str(out), "--format", output])
    assert result.exit_code == 0, result.output
    return result, out, list(csv.DictReader((out / "customers.csv").read_text("utf-8-sig")
                                            .splitlines()))  # fmt: skip


def test_customers_csv_carries_the_customers_other_columns(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A customers export's address and telephone (extra columns) are in the call list: after
    the fixed columns, in customers.csv, the workbook and `recall --format csv`."""
    customers = (
        "customer_id,name,contact,phone,address\n"
        'C1,Shop one,qa@one.example,+49 30 1234567,"Hauptstraße 5, 10115 Berlin"\n'
        "C2,=Shop two,,,\n"
    )
    result, out, written = _recall_b(graph, runner, tmp_path, {"customers.csv": customers}, "csv")
    assert list(written[0])[-2:] == ["address", "phone"]  # after the fixed columns, by name
    assert [(c["customer_id"], c["address"], c["phone"]) for c in written] == [
        ("C1", "Hauptstraße 5, 10115 Berlin", "+49 30 1234567"), ("C2", "", ""),
    ]  # fmt: skip
    printed = list(csv.DictReader(result.stdout.splitlines()))
    assert [c["phone"] for c in printed] == ["+49 30 1234567", ""]
    sheet = load_workbook(out / "recall.xlsx")["customers"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, header.index("phone") + 1).value == "+49 30 1234567"


def test_a_control_character_in_an_export_value_is_kept_in_the_workbook(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A customer's address with control characters from the ERP (a bell, a start of heading)
    made openpyxl refuse the whole workbook (IllegalCharacterError): the recall stopped as an
    unexpected failure (exit code 3) and left a half-written folder. It is written as Excel's
    _x0007_ and read back as it came; the CSV keeps the character itself."""
    customers = (
        "customer_id,name,contact,address\n"
        "C1,Shop one,qa@one.example,Hauptstraße 5\x07\x0110115 Berlin\n"
        "C2,Shop two,,\n"
    )
    _, out, written = _recall_b(graph, runner, tmp_path, {"customers.csv": customers}, "csv")
    assert written[0]["address"] == "Hauptstraße 5\x07\x0110115 Berlin"
    sheet = load_workbook(out / "recall.xlsx")["customers"]
    header = [cell.value for cell in sheet[1]]
    stored = sheet.cell(2, header.index("address") + 1).value
    assert unescape(stored) == "Hauptstraße 5\x07\x0110115 Berlin"  # as Excel reads it


def test_telephone_numbers_in_extra_columns_keep_their_plus_and_zeros(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """+4930123456 in a customers export's extra column was stored as the integer 4930123456:
    the call list lost the country code. Written with a '+' it stays text, as 0049301234 and
    007 do (a leading zero); a plain 12 and -18 are still numbers."""
    customers = (
        "customer_id,name,contact,phone,route,visits\n"
        "C1,Shop one,qa@one.example,+4930123456,007,12\n"
        "C2,Shop two,,0049301234,,-18\n"
    )
    lots = HAND_PLANT["lots.csv"].replace(",supplier_lot\n", ",supplier_lot,supplier_phone\n")
    lots = lots.replace("B,SALT,10,kg,V2,000123\n", "B,SALT,10,kg,V2,000123,+4930999\n")
    files = {"customers.csv": customers, "lots.csv": lots}
    _, out, written = _recall_b(graph, runner, tmp_path, files, "csv")
    assert [(c["customer_id"], c["phone"], c["route"], c["visits"]) for c in written] == [
        ("C1", "+4930123456", "007", "12"), ("C2", "0049301234", "", "-18"),
    ]  # fmt: skip
    sheet = load_workbook(out / "recall.xlsx")["customers"]
    header = [cell.value for cell in sheet[1]]
    cells = [[sheet.cell(row, header.index(name) + 1).value for name in ("phone", "visits")]
             for row in (2, 3)]  # fmt: skip
    assert cells == [["+4930123456", 12], ["0049301234", -18]]
    shown = runner.invoke(app, ["lot", "show", "B", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["lot"]["supplier_phone"] == "+4930999"


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        (["2026-11-03T07:30Z", "2026-11-03T08:30Z"], "2026-11-03 07:30–08:30 +00:00"),
        (["2026-11-02T22:00+01:00", "2026-11-03T10:00+01:00"],
         "2026-11-02 22:00 – 2026-11-03 10:00 +01:00"),
        (["2026-11-03T07:30:15Z", "2026-11-03T09:30+01:00"],
         "2026-11-03 07:30:15+00:00 – 2026-11-03 09:30:00+01:00"),
    ],
)  # fmt: skip
def test_recall_history_at_80_columns_breaks_a_window_between_its_parts(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    span: list[str],
    shown: str,
) -> None:
    """At 80 columns the sources column was 15 wide: the window's ISO times were folded inside
    (`2026-11-03T07:3` / `0+00:00 –`). It is written shorter (a space for the T, the offset
    once, one date for a window within a day) and breaks only between its parts; the lots and
    customers go under the id (an id naming the window's device left the column 10 wide)."""
    made = runner.invoke(app, ["recall", "--device", "MIXER-1", "--from", span[0], "--to",
                               span[1], "--out", str(tmp_path / "w")])  # fmt: skip
    assert made.exit_code == 0, made.output
    table = runner.invoke(app, ["recall", "history"], env={"COLUMNS": "80"})
    lines = table.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    cells = [line.split("│")[2].strip() for line in lines if line.startswith("│")]
    assert " ".join(c for c in cells if c) == f"device MIXER-1, {shown} (1 lot)"
    assert "│ 2 lots · 2 customers " in table.stdout
    for part in shown.split():  # no date, time or offset cut in two
        assert any(part in c.split() for c in cells), (part, cells)


def test_the_history_shows_a_stubs_located_share_as_unknown(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Stub OLD-1 (a step input no file received or made) has no quantity: weighed as what its
    records show it giving, it is located 100 % by construction. The package warns so; the
    history said "located 100.0%" without a word."""
    plant = tmp_path / "plant"
    plant.mkdir()
    for name, text in HAND_PLANT.items():
        (plant / name).write_text(text + ("X,OLD-1,1,kg\n" if name == "step_inputs.csv" else ""),
                                  encoding="utf-8")  # fmt: skip
    assert import_paths(graph, [plant]).rejects == []
    drill = runner.invoke(app, ["recall", "OLD-1", "--out", str(tmp_path / "d"), "--drill"])
    assert drill.exit_code == 0, drill.output
    assert "source OLD-1 has no quantity of its own" in drill.stderr
    # the drill's headline, summary.txt and JSON said 100.0 % while the history said unknown
    unknown = ("share of the source quantity located unknown: OLD-1 has no quantity of its own "
               "(see the warnings)")  # fmt: skip
    assert unknown in " ".join(drill.stdout.split()) and "100.0%" not in drill.stdout
    assert unknown in (tmp_path / "d" / "summary.txt").read_text(encoding="utf-8")
    again = runner.invoke(app, ["recall", "OLD-1", "--out", str(tmp_path / "j"), "--drill",
                                "--format", "json"])  # fmt: skip
    assert json.loads(again.stdout)["located_share"] is None
    # and the trace's own totals in recall.json, where a script would read them
    totals = json.loads((tmp_path / "j" / "recall.json").read_text(encoding="utf-8"))["totals"]
    assert totals["located_share"] is None
    assert {f["located_share"] for f in totals["by_uom"].values()} == {None}
    made = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "b"), "--drill"])
    assert made.exit_code == 0, made.output
    history = json.loads(runner.invoke(app, ["recall", "history", "--format", "json"]).stdout)
    shares = [(r["source_lots"], r["located_share"], r["sources_without_quantity"])
              for r in history["recalls"]]  # fmt: skip
    assert shares == [(["B"], 1.0, []), (["OLD-1"], None, ["OLD-1"]), (["OLD-1"], None, ["OLD-1"])]
    table = runner.invoke(app, ["recall", "history"], env={"COLUMNS": "250"})
    stub_lines = [line for line in table.stdout.splitlines() if "-OLD-1-" in line]
    assert len(stub_lines) == 2
    assert all("unknown" in line and "100.0%" not in line for line in stub_lines)
    listed = list(csv.DictReader(io.StringIO(
        runner.invoke(app, ["recall", "history", "--format", "csv"]).stdout)))  # fmt: skip
    assert [(r["located_share"], r["sources_without_quantity"]) for r in listed] == [
        ("1.0", ""), ("", "OLD-1"), ("", "OLD-1"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("window", "subject"),
    [
        (["--device", "MIXER-1"], "MIXER-1"),
        (["--operator", "OP1"], "OP1"),
    ],
)
def test_a_window_package_is_named_by_the_windows_subject(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    window: list[str], subject: str,
) -> None:  # fmt: skip
    """A window's drill was named by the first lot it found (`DRILL-…-M-…`): the history's id
    named a lot nobody asked for, not the mixer recalled."""
    span = ["--from", "2026-11-03T07:30Z", "--to", "2026-11-03T08:30Z"]
    result = runner.invoke(app, ["recall", *window, *span, "--out", str(tmp_path / "w"),
                                 "--drill", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    recall_id = json.loads(result.stdout)["recall_id"]
    assert re.fullmatch(rf"DRILL-\d{{8}}T\d{{6}}-{subject}-[0-9a-f]{{4}}", recall_id), recall_id


def test_a_recall_reads_its_lots_from_a_file(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    listed = tmp_path / "bad.txt"
    listed.write_text("\ufeff# salt and flour\nB\nA\n", encoding="utf-8")
    result = runner.invoke(app, ["recall", "--lots-file", str(listed), "--out",
                                 str(tmp_path / "r"), "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "r" / "recall.json").read_text(encoding="utf-8"))
    assert saved["asked_as"] == ["B", "A"]
    window = runner.invoke(app, ["recall", "--lots-file", str(listed), "--device", "MIXER-1",
                                 "--from", "2026-11-03T07:30Z", "--to", "2026-11-03T08:30Z",
                                 "--out", str(tmp_path / "w")])  # fmt: skip
    assert window.exit_code == 2
    assert "a recall is asked by lots or by one window, not both" in window.stderr


def _ship_p1_and_use_b(graph: TraceGraph, folder: Path, when: str) -> None:
    """The next night's export: 10 bread of P1 shipped (SH9) and 100 g of salt B used (X9)
    at `when`."""
    folder.mkdir()
    (folder / "shipments.csv").write_text(f"shipment_id,customer_id,shipped_at\nSH9,C1,{when}\n")
    (folder / "shipment_lines.csv").write_text("shipment_id,lot_id,quantity,uom\nSH9,P1,10,pcs\n")
    (folder / "steps.csv").write_text(f"step_id,operation,started_at\nX9,mix,{when}\n")
    (folder / "step_inputs.csv").write_text("step_id,lot_id,quantity,uom\nX9,B,100,g\n")
    assert import_paths(graph, [folder]).rejects == []


def test_what_happened_at_the_recalls_instant_in_another_offset_is_not_after_it(
    hand_plant: TraceGraph, runner: CliRunner, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """A shipment and a use of recalled lots at the very instant of the recall, exported in
    +01:00 (the recall keeps its time in UTC), were "after a recall": Neo4j orders two
    datetimes of one instant by their offsets. Compared as instants they are not after it."""
    assert runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "r")]).exit_code == 0
    created = json.loads((tmp_path / "r" / "recall.json").read_text())["created_at"]
    same = datetime.fromisoformat(created).astimezone(timezone(timedelta(hours=1))).isoformat()
    _ship_p1_and_use_b(hand_plant, tmp_path / "more", same)
    found = {r.name: r.findings for r in run_checks(hand_plant).results}
    assert found["shipped_or_used_after_recall"] == []


def test_a_window_recall_of_finished_lots_names_them_in_its_summary(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The packer's window made P1 and P2, and nothing was made from them: the summary said
    "0 lots · 3 shipment lines", which read as a recall of nothing."""
    window = ["--from", "2026-11-03T08:30Z", "--to", "2026-11-03T09:30Z"]
    made = runner.invoke(
        app, ["recall", "--device", "PACKER-1", *window, "--out", str(tmp_path / "w")]
    )
    assert made.exit_code == 0, made.output
    summary = (tmp_path / "w" / "summary.txt").read_text(encoding="utf-8").splitlines()
    assert summary[2].startswith("0 lots made from P1, P2 · 3 shipment lines · 2 customers · ")


def test_the_package_summary_names_the_first_twenty_sources(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """summary.txt's "asked as" line named every lot asked for and every source: a recall of
    a device's whole span (54,000 sources) made it one line of megabytes. The first 20 of each;
    recall.json keeps them all."""
    plant = tmp_path / "plant"
    plant.mkdir()
    (plant / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom\n" + "".join(f"L{i:02d},FLOUR,10,kg\n" for i in range(25)),
        encoding="utf-8",
    )
    assert import_paths(graph, [plant]).rejects == []
    lots_file = tmp_path / "lots.txt"
    lots_file.write_text("".join(f"L{i:02d}\n" for i in range(25)), encoding="utf-8")
    out = tmp_path / "package"
    result = runner.invoke(app, ["recall", "--lots-file", str(lots_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    named = ", ".join(f"L{i:02d}" for i in range(20)) + " and 5 more"
    summary = (out / "summary.txt").read_text("utf-8").splitlines()
    assert summary[1] == f"asked as: {named} (lots {named})"
    package = json.loads((out / "recall.json").read_text("utf-8"))
    assert len(package["asked_as"]) == len(package["sources"]) == 25


def test_a_package_that_fails_half_way_leaves_no_files_and_its_rerun_works(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A recall on a full disk left 5 of its 8 files (epcis.jsonld cut at 4 kB, no manifest),
    a folder that looked like a package; and the re-run the error asked for was refused, the
    folder being not empty. Nothing is left now, and the re-run writes the package."""
    import errno

    from tracegraph import recall
    from tracegraph.epcis import write_epcis as real

    def disk_fills(path: Path, document: dict[str, Any]) -> Path:
        path.write_text('{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/', "utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(recall, "write_epcis", disk_fills)
    existing = tmp_path / "given"  # a folder the user made: kept, empty as it was
    existing.mkdir()
    for out in (tmp_path / "new" / "package", existing):
        failed = runner.invoke(app, ["recall", "B", "--out", str(out)])
        assert failed.exit_code == 2, failed.output
        assert failed.stderr.startswith("error: No space left on device")
        assert not (tmp_path / "new" / "package").exists()
        assert list(existing.iterdir()) == []
    assert "DRILL" not in runner.invoke(app, ["recall", "history"]).stdout  # none recorded
    monkeypatch.setattr(recall, "write_epcis", real)
    again = runner.invoke(app, ["recall", "B", "--out", str(existing)])
    assert again.exit_code == 0, again.output
    assert (existing / "manifest.sha256").exists()


def test_customers_csv_quotes_an_id_holding_a_space_as_tracking_events_does(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """customers.csv lists a customer's lots, shipments and returns separated by spaces: the
    lots `SP A` and `SP B` were `SP A SP B`, which reads as four ids. An id holding a space is
    in double quotes, as tracking_events' lot codes are; plain ids stay as they are."""
    files = {
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nX,M,40.5,kg\nY,P 1,300,pcs\n"
        "Y,P2,100,pcs\n",
        "shipments.csv": HAND_PLANT["shipments.csv"].replace("SH1,", "SH 1,"),
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH 1,P 1,200,pcs\n"
        "SH 1,P2,40,pcs\nSH2,P2,50,pcs\nRMA1,P2,-10,pcs\n",
    }
    _, _, written = _recall_b(graph, runner, tmp_path, files, "csv")
    assert [(c["customer_id"], c["lot_ids"], c["shipment_ids"], c["return_ids"])
            for c in written] == [
        ("C1", '"P 1" P2', '"SH 1"', ""), ("C2", "P2", "SH2", "RMA1"),
    ]  # fmt: skip


def test_a_cell_longer_than_a_spreadsheet_holds_is_said_cut_in_the_workbook(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A step with thousands of input lots has an input_lot_codes cell longer than the 32,767
    characters a spreadsheet cell holds: tracking_events.xlsx cut it (saying so in the cell
    alone: 16,000 of a silo's 20,000 lots were missing, and neither the terminal, summary.txt
    nor recall.json said a word). A warning names the workbook, the column and the CSV that
    holds it whole."""
    many = [f"LONG-SILO-LOT-{n:05}" for n in range(3000)]  # 19 characters and "; " a lot
    inputs = "".join(f"X,{lot},1,kg\n" for lot in many)
    files = {"step_inputs.csv": HAND_PLANT["step_inputs.csv"] + inputs}
    _, out, _ = _recall_b(graph, runner, tmp_path, files, "csv")
    said = json.loads((out / "recall.json").read_text("utf-8"))["warnings"]
    assert [w for w in said if "spreadsheet cell" in w] == [
        "2 cells of tracking_events.xlsx (tracking_events: input_lot_codes 1, input_quantities "
        "1; the first of M) hold more than a spreadsheet cell's 32,767 characters: cut there, "
        "whole in tracking_events.csv"
    ]
    whole = list(csv.DictReader((out / "tracking_events.csv").read_text("utf-8-sig")
                                .splitlines()))  # fmt: skip
    assert max(len(row["input_lot_codes"]) for row in whole) > 63_000


def test_a_package_where_permissions_cannot_be_narrowed_is_written_with_a_warning(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The package folder is made 0700 and its files 0600; a USB stick's FAT keeps no modes
    (a folder is made as the mount's dmask says, 0755 here, whatever mode is asked) and refuses
    chmod (EPERM — root, who runs the tests, is never refused, so the stick is played here), as
    do some network shares and another user's folder: the recall failed as "cannot create the
    package folder" and left it empty. It is written, with one warning."""
    import_hand_plant(graph, tmp_path / "plant", {})
    made_as_fat_does = os.mkdir

    def fat_mkdir(path: Any, mode: int = 0o777, *, dir_fd: int | None = None) -> None:
        made_as_fat_does(path, 0o755, dir_fd=dir_fd)

    def refused(path: Any, mode: int, **_: Any) -> None:
        raise PermissionError(1, "Operation not permitted", str(path))

    monkeypatch.setattr(os, "mkdir", fat_mkdir)
    monkeypatch.setattr(os, "chmod", refused)
    monkeypatch.setattr(Path, "chmod", refused)
    out = tmp_path / "stick" / "recall"
    result = runner.invoke(app, ["recall", "B", "--out", str(out), "--drill"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # the stick's
    assert (out / "customers.csv").read_text("utf-8-sig").startswith("customer_id")
    said = json.loads((out / "recall.json").read_text("utf-8"))["warnings"]
    assert [w for w in said if "could not be narrowed" in w] == [
        f"{out}: its permissions could not be narrowed to its user (a USB stick's FAT, a network "
        "share, another user's folder): the package's files, customers' contacts among them, are "
        "as readable as that place makes them"
    ]


def test_two_recalls_into_one_folder_at_once_one_writes_it_the_other_is_refused(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """`recall R0000001 --out D &` and `recall R0000002 --out D` a moment later both exited 0:
    each found D empty, traced, then wrote into it; D held R0000001's package, the history
    listed both with the same path, and R0000002's manifest_sha256 matched nothing on disk (3
    of 6 tries). The two runs are held here until both have found D empty and traced: one
    package is moved into place whole, the other run is refused with one line, records
    nothing and leaves no staging folder."""
    import threading

    from tracegraph import recall
    from tracegraph.errors import TracegraphError

    both_traced = threading.Barrier(2, timeout=60)
    real = recall.tracking_events

    def held(graph: TraceGraph, trace: Any) -> list[dict[str, Any]]:
        both_traced.wait()
        return real(graph, trace)

    monkeypatch.setattr(recall, "tracking_events", held)
    out = tmp_path / "D"
    outcomes: dict[str, Any] = {}

    def run(lot: str) -> None:
        try:
            outcomes[lot] = recall.build_package(hand_plant, [lot], out)
        except TracegraphError as error:
            outcomes[lot] = error

    threads = [threading.Thread(target=run, args=(lot,)) for lot in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    won = [lot for lot, got in outcomes.items() if isinstance(got, recall.RecallPackage)]
    lost = [got for got in outcomes.values() if isinstance(got, TracegraphError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert str(lost[0]) == (
        f"{out} was filled by another run while this one was writing: nothing of this run was "
        "written there, nor recorded (hint: give --out a new folder and run it again: a folder "
        "with files in it is never written over)"
    )
    assert lost[0].exit_code == 2
    history = json.loads(runner.invoke(app, ["recall", "history", "--format", "json"]).stdout)
    (recorded,) = history["recalls"]
    assert recorded["source_lots"] == won
    digest = hashlib.sha256((out / "manifest.sha256").read_bytes()).hexdigest()
    assert recorded["manifest_sha256"] == digest
    package = json.loads((out / "recall.json").read_text("utf-8"))
    assert package["recall_id"] == recorded["recall_id"]
    assert sorted(p.name for p in tmp_path.iterdir() if "staging" in p.name) == []


def test_a_package_into_a_given_empty_folder_whose_parent_cannot_be_written_is_staged_inside(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """An empty --out in a folder one may not write (or a stick's mount point) cannot be
    renamed onto: the package is staged inside it and moved in file by file (as into any
    existing folder), and nothing is left beside it."""
    from tracegraph import folders

    given = tmp_path / "shared" / "recall"
    given.mkdir(parents=True)
    monkeypatch.setattr(folders, "unwritable", lambda folder, file=None: (
        "permission denied" if folder == given.parent else None))  # fmt: skip
    result = runner.invoke(app, ["recall", "B", "--out", str(given)])
    assert result.exit_code == 0, result.output
    assert "manifest.sha256" in {p.name for p in given.iterdir()}
    assert not any("staging" in p.name for p in given.iterdir())
    assert [p.name for p in given.parent.iterdir()] == ["recall"]


def test_a_recall_records_its_data_and_verify_names_what_a_later_import_added(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`recall TB4` named customers CT1 and CT3; a late export added shipment TSH10 of TB4 to
    CT2, dated before the recall: `trace forward` named CT2, `check` did not (shipped before
    the recall), and `recall history` still said 2 customers — the Recall node held only
    counts, and nothing said which data it was read from. It records the last import run that
    had ended (and one running), whom and which shipments it named; `recall history --verify`
    traces it again and names CT2's counterpart here (C3 by SH10), exit code 1."""
    (last_run,) = [r["run_id"] for r in runner_json(runner, ["imports"])["imports"]]
    out = tmp_path / "r"
    assert runner.invoke(app, ["recall", "B", "--out", str(out)]).exit_code == 0
    package = json.loads((out / "recall.json").read_text("utf-8"))
    assert package["data_state"]["last_import"]["run_id"] == last_run
    assert package["data_state"]["running"] is None
    summary = (out / "summary.txt").read_text("utf-8")
    assert f"read from the graph as of import run {last_run} (done, ended " in summary
    (recorded,) = runner_json(runner, ["recall", "history"])["recalls"]
    assert (recorded["data_run_id"], recorded["taken_during_import"]) == (last_run, None)
    assert (recorded["customer_ids"], recorded["shipment_ids"]) == (
        ["C1", "C2"], ["RMA1", "SH1", "SH2"],
    )  # fmt: skip
    unchanged = runner.invoke(app, ["recall", "history", "--verify"])
    assert unchanged.exit_code == 0, unchanged.output  # no import since: nothing to trace
    _late_delivery(hand_plant, tmp_path, "C3", "C3,Shop three,c3@x.example")
    verified = runner.invoke(app, ["recall", "history", "--verify", "--format", "json"])
    assert verified.exit_code == 1, verified.output
    (answer,) = json.loads(verified.stdout)["verified"]
    assert (answer["recall_id"], answer["stale"]) == (recorded["recall_id"], True)
    assert (answer["new_customers"], answer["new_shipments"]) == (["C3"], ["SH10"])
    assert (answer["gone_customers"], answer["gone_shipments"]) == ([], [])
    assert (
        f"warning: {recorded['recall_id']} is out of date: an import since has changed what its "
        "lots reach (new customers C3; new shipments SH10)"
    ) in " ".join(verified.stderr.split())
    # check does not see it: the shipment is dated before the recall
    assert "after a recall" not in runner.invoke(app, ["check"]).stdout


def test_verify_counts_a_recall_recorded_without_ids_as_it_counted(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A recall tracegraph c9c2dc8 took kept counts alone, its shipments with the returns
    (RMA1, SH1, SH2: 3). --verify compared that count with the deliveries dated before the
    recall: a late delivery SH10 to a customer it named, dated before it, made 2 + 1 = 3, not
    more than 3: "0 changed", stale false (an upgraded plant's recall of 339 shipments, 43 of
    them returns, stayed unflagged until 43 new deliveries). It counts what the recall counted."""
    assert runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "r")]).exit_code == 0
    # the Recall node as c9c2dc8's recall/record.cypher wrote it: no ids, no data state
    old = ["recall_id", "created_at", "created_by", "host", "drill", "duration_s",
           "located_share", "source_lots", "lots", "shipments", "customers", "quantity", "uom",
           "package", "manifest_sha256"]  # fmt: skip
    hand_plant.driver.execute_query(
        "MATCH (r:Recall) WITH r, properties(r) AS was SET r = {} "
        "WITH r, was UNWIND $old AS key CALL (r, was, key) { SET r[key] = was[key] }",
        old=old,
        database_=hand_plant.database,
    )
    (recorded,) = runner_json(runner, ["recall", "history"])["recalls"]
    assert (recorded["shipments"], recorded.get("shipment_ids")) == (3, None)
    # an import that changes nothing it reaches: unchanged by count, which cannot see all
    (tmp_path / "customers.csv").write_text("customer_id,name\nC9,Shop nine\n")
    assert import_paths(hand_plant, [tmp_path / "customers.csv"]).rejects == []
    same = runner.invoke(app, ["recall", "history", "--verify"])
    assert same.exit_code == 0, same.output
    assert (
        "again: 0 changed; 1 unchanged one kept counts, not ids (recorded before recalls kept "
        "them, or naming more than 1,000): compared by count, a shipment removed and another "
        "added are not seen"
    ) in " ".join(same.stderr.split())
    _late_delivery(hand_plant, tmp_path, "C1")
    verified = runner.invoke(app, ["recall", "history", "--verify", "--format", "json"])
    assert verified.exit_code == 1, verified.output
    (answer,) = json.loads(verified.stdout)["verified"]
    assert (answer["stale"], answer["shipments_now"], answer["by_count"]) == (True, 4, True)
    assert (answer["shipments_counted"], answer["shipments_recorded"]) == (4, 3)
    assert "shipments 4 now where it counted 3, returns too (a late return counts)" in " ".join(
        verified.stderr.split()
    )


def _late_delivery(graph: TraceGraph, tmp_path: Path, customer: str, new: str = "") -> None:
    """A late export's delivery SH10 of P1 (5 pcs) to `customer`, dated 2026-11-04, before any
    recall of the test; `new`, a customers.csv row, when the customer is new."""
    late = tmp_path / "late"
    late.mkdir()
    if new:
        (late / "customers.csv").write_text(f"customer_id,name,contact\n{new}\n")
    (late / "shipments.csv").write_text("shipment_id,customer_id,shipped_at\n"
                                        f"SH10,{customer},2026-11-04T10:00:00+00:00\n")  # fmt: skip
    (late / "shipment_lines.csv").write_text("shipment_id,lot_id,quantity,uom\nSH10,P1,5,pcs\n")
    assert import_paths(graph, [late]).rejects == []


def test_a_recall_taken_during_an_import_is_marked_in_the_history(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A recall taken while an import wrote the graph warned in its package, and its history
    line looked like any other: it names the run (`taken_during_import`, and under its id)."""
    run = {"run_id": "20261206T141226Z-7c466f", "status": "running", "user": "etl",
           "host": "mes-gw",
           "started_at": datetime(2026, 12, 6, 14, 12, 26, tzinfo=UTC)}  # fmt: skip
    hand_plant.write("import/lock_node")
    hand_plant.write("import/start_run", props=run)
    with hand_plant.held_lock("import/take_lock", wait_seconds=1.0, token=run["run_id"]) as held:
        assert held
        assert runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "r")]).exit_code == 0
    package = json.loads((tmp_path / "r" / "recall.json").read_text("utf-8"))
    assert package["data_state"]["running"]["run_id"] == run["run_id"]
    (recorded,) = runner_json(runner, ["recall", "history"])["recalls"]
    assert recorded["taken_during_import"] == run["run_id"]
    table = runner.invoke(app, ["recall", "history"], env={"COLUMNS": "160"}).stdout
    assert f"taken during import {run['run_id']}" in table


def runner_json(runner: CliRunner, args: list[str]) -> Any:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_window_step_that_recorded_no_output_lot_is_named_in_the_error_and_the_package(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Bake Z on OVEN-T (at 03:00) took 5 kg of flour A and has no step_outputs row: a
    recall of the oven from 02:00 to 03:50 said "no lots in the window … nothing to recall"
    (exit 2) without naming Z, and a wider window's package (with bake W, which made P3) said
    nothing of it in summary.txt or the warnings (recall.json's steps alone listed it, `lots:
    []`). Both name it now, and `trace device` too."""
    files = {
        "steps.csv": HAND_PLANT["steps.csv"] + "Z,bake,2026-11-04T03:00:00+00:00,OVEN-T,OP1,\n"
        "W,bake,2026-11-04T04:00:00+00:00,OVEN-T,OP1,\n",
        "step_inputs.csv": HAND_PLANT["step_inputs.csv"] + "Z,A,5,kg\nW,A,5,kg\n",
        "step_outputs.csv": HAND_PLANT["step_outputs.csv"] + "W,P3,50,pcs\n",
    }
    import_hand_plant(graph, tmp_path / "plant", files)
    said = ("1 step in the window recorded no output lot: Z (input A): what it made is not in "
            "this recall")  # fmt: skip
    narrow = ["--device", "OVEN-T", "--from", "2026-11-04T02:00Z", "--to", "2026-11-04T03:50Z"]
    empty = runner.invoke(app, ["recall", *narrow, "--out", str(tmp_path / "none")])
    assert empty.exit_code == 2, empty.output
    assert f"nothing to recall — but {said}" in " ".join(empty.stderr.split())
    assert not (tmp_path / "none").exists()
    out = tmp_path / "wide"
    wide = ["--device", "OVEN-T", "--from", "2026-11-04T02:00Z", "--to", "2026-11-04T05:00Z"]
    result = runner.invoke(app, ["recall", *wide, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"warning: {said}" in (out / "summary.txt").read_text("utf-8")
    assert said in json.loads((out / "recall.json").read_text("utf-8"))["warnings"]
    traced = runner.invoke(app, ["trace", "device", "OVEN-T", "--from", "2026-11-04T02:00Z",
                                 "--to", "2026-11-04T05:00Z", "--format", "json"])  # fmt: skip
    answer = json.loads(traced.stdout)
    assert answer["warnings"] == [said.replace("this recall", "this trace")]
    assert "unmade_inputs" not in answer["steps"][0]


def test_customers_csv_says_each_delivery_by_date_and_document_and_warns_of_no_contact(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """customers.csv gave a clerk the shipment ids alone (SH2, RMA1): not the date, nor the
    delivery note the customer knows (DN-2), nor how much of which lot; and C2, with an empty
    contact, was listed like the others with nothing said. `deliveries` says each delivery and
    return by date, document and lot quantity (in recall.xlsx too), and a warning names C2."""
    out = tmp_path / "r"
    result = runner.invoke(app, ["recall", "B", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "customers.csv").read_text("utf-8-sig").splitlines()))
    assert {r["customer_id"]: r["deliveries"] for r in rows} == {
        "C1": "2026-11-04 DN-1: P1 300 pcs",
        "C2": "2026-11-04 DN-2: P2 50 pcs; 2026-11-05 return RMA-1: P2 10 pcs",
    }
    sheet = load_workbook(out / "recall.xlsx")["customers"]
    header = [cell.value for cell in sheet[1]]
    assert "deliveries" in header
    said = ("1 customer to call has no contact in the customers table: C2 (customers.csv lists "
            "it with an empty contact: find whom to call)")  # fmt: skip
    assert said in json.loads((out / "recall.json").read_text("utf-8"))["warnings"]
    assert f"warning: {said}" in (out / "summary.txt").read_text("utf-8")


def test_a_receipts_supplier_lot_is_its_reference_document_and_excel_users_are_told_the_xlsx(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A receiving row said reference_document_type `supplier lot` with reference_document
    empty, the number (000123) in supplier_lot alone: it is the document now. And the CSVs,
    presented as ready for Excel, lose leading zeros there (lot 00123 read as 123): they stay
    plain for programs, and summary.txt tells Excel users to open the workbooks."""
    out = tmp_path / "r"
    assert runner.invoke(app, ["recall", "B", "--out", str(out)]).exit_code == 0
    events = list(csv.DictReader((out / "tracking_events.csv").read_text("utf-8-sig").splitlines()))
    (receipt,) = [e for e in events if e["event_type"] == "receiving"]
    assert (receipt["reference_document_type"], receipt["reference_document"]) == (
        "supplier lot", "000123",
    )  # fmt: skip
    assert receipt["supplier_lot"] == "000123"
    summary = (out / "summary.txt").read_text("utf-8").splitlines()
    assert summary[-2] == (
        "in Excel, open recall.xlsx and tracking_events.xlsx (ids kept as text): the .csv files "
        "are for programs, and Excel opening them drops leading zeros (lot 00123 reads as 123)"
    )
    book = load_workbook(out / "tracking_events.xlsx")["tracking events"]
    header = [cell.value for cell in book[1]]
    assert book.cell(2, header.index("supplier_lot") + 1).value == "000123"


def test_a_recall_into_the_current_empty_folder_writes_it_in_place(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Review of the staged package: an existing empty --out was renamed onto — `--out .` in
    an empty folder failed with "OSError: [Errno 16] Device or resource busy" (exit 3; a bind
    mount too), and `--out "$PWD"` replaced the shell's folder by a new one (its owner, group
    and ACLs lost). An existing folder is staged inside now, and stays the same folder."""
    here = tmp_path / "here"
    here.mkdir()
    inode = here.stat().st_ino
    monkeypatch.chdir(here)
    result = runner.invoke(app, ["recall", "B", "--out", "."])
    assert result.exit_code == 0, result.output
    assert here.stat().st_ino == inode
    assert "manifest.sha256" in {p.name for p in here.iterdir()}
    assert not [p.name for p in here.iterdir() if "staging" in p.name]
    assert not [p.name for p in tmp_path.iterdir() if "staging" in p.name]


def test_verify_leaves_returns_and_later_deliveries_alone_and_deliveries_split_a_shipment(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Review of --verify and `deliveries`: a return of recalled goods after the recall, or a
    delivery made after it (check's shipped_or_used_after_recall), made `recall history
    --verify` call the recall out of date (exit 1) — every real recall, the night after; and a
    shipment of +5 P2 and -7 P1 was said whole as its first line was ("return DN-X: P1 7 pcs,
    P2 5 pcs"): each part is said as what it is."""
    late = tmp_path / "late"
    late.mkdir()
    (late / "customers.csv").write_text("customer_id,name,contact\nC4,Shop four,c4@x.example\n")
    (late / "shipments.csv").write_text(
        "shipment_id,customer_id,shipped_at,reference_doc\nSHX,C1,2026-11-06T08:00:00+00:00,DN-X\n"
    )
    (late / "shipment_lines.csv").write_text("shipment_id,lot_id,quantity,uom\nSHX,P2,5,pcs\n"
                                             "SHX,P1,-7,pcs\n")  # fmt: skip
    assert import_paths(hand_plant, [late]).rejects == []
    out = tmp_path / "r"
    assert runner.invoke(app, ["recall", "B", "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader((out / "customers.csv").read_text("utf-8-sig").splitlines()))
    assert {r["customer_id"]: r["deliveries"] for r in rows}["C1"] == (
        "2026-11-04 DN-1: P1 300 pcs; 2026-11-06 DN-X: P2 5 pcs; 2026-11-06 return DN-X: P1 7 pcs"
    )
    after = (datetime.now(UTC) + timedelta(days=2)).isoformat(timespec="seconds")
    later = tmp_path / "later"
    later.mkdir()
    (later / "shipments.csv").write_text("shipment_id,customer_id,shipped_at\n"
                                         f"RMA9,C1,{after}\nSH9,C4,{after}\n")  # fmt: skip
    (later / "shipment_lines.csv").write_text("shipment_id,lot_id,quantity,uom\n"
                                              "RMA9,P1,-3,pcs\nSH9,P2,2,pcs\n")  # fmt: skip
    assert import_paths(hand_plant, [later]).rejects == []
    verified = runner.invoke(app, ["recall", "history", "--verify", "--format", "json"])
    assert verified.exit_code == 0, verified.output
    (answer,) = json.loads(verified.stdout)["verified"]
    assert answer["stale"] is False, answer


def test_verify_finds_the_window_of_a_window_recall_again_and_names_its_new_lots(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A recall of MIXER-1 from 07:30 to 08:30 found mix X and its dough M; a late import adds
    mix X2 on MIXER-1 at 08:10 making N, shipped to C3 before the recall. --verify traced the
    recall's source lots (M), which do not reach N: it said nothing. It finds the window again
    and names N, C3 and SH20 (exit code 1)."""
    window = ["--device", "MIXER-1", "--from", "2026-11-03T07:30", "--to", "2026-11-03T08:30",
              "--timezone", "UTC"]  # fmt: skip
    result = runner.invoke(app, ["recall", *window, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    (recorded,) = runner_json(runner, ["recall", "history"])["recalls"]
    import_tables(hand_plant, tmp_path / "late", {
        "lots.csv": "lot_id,material_id,quantity,uom\nN,DOUGH,10,kg\n",
        "steps.csv": "step_id,operation,started_at,device_id\n"
        "X2,mix,2026-11-03T08:10:00+00:00,MIXER-1\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nX2,N,10,kg\n",
        "customers.csv": "customer_id,name,contact\nC3,Shop three,c3@x.example\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\nSH20,C3,2026-11-04T10:00:00+00:00\n",
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH20,N,4,kg\n",
    })  # fmt: skip
    verified = runner.invoke(app, ["recall", "history", "--verify", "--format", "json"])
    assert verified.exit_code == 1, verified.output
    (answer,) = json.loads(verified.stdout)["verified"]
    assert (answer["recall_id"], answer["stale"]) == (recorded["recall_id"], True)
    assert answer["new_lots"] == ["N"]
    assert (answer["new_customers"], answer["new_shipments"]) == (["C3"], ["SH20"])
    assert (
        f"warning: {recorded['recall_id']} is out of date: an import since has changed what its "
        "lots reach (new lots in its window N; new customers C3; new shipments SH20)"
    ) in " ".join(verified.stderr.split())


def _killed_staging(out: Path) -> Path:
    """The staging folder of a child process killed (SIGKILL) while it stages into `out`."""
    import signal
    import subprocess

    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from tracegraph.folders import StagedFolder\n"
         "with StagedFolder(Path(sys.argv[1]), 'the package folder', '--out') as staged:\n"
         "    print(staged.folder, flush=True)\n    time.sleep(600)\n", str(out)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    folder = Path(child.stdout.readline().strip())
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert folder.is_dir()
    return folder


def test_a_killed_recalls_staging_folder_is_removed_by_the_next_recall_with_a_note(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A recall killed (kill -9) while writing into an empty --out left its hidden staging
    folder there: the next recall into it said "not empty", and the user removed it by hand.
    The folder records its owner (pid, host, boot, the process's start): a run whose owner is
    gone — not running, or its pid now another process's — is removed, with a note; one whose
    owner runs, or is on another host (NFS), is kept and named."""
    out = tmp_path / "given"
    out.mkdir()
    staging = _killed_staging(out)
    owner = json.loads((staging / ".owner.json").read_text("utf-8"))
    result = runner.invoke(app, ["recall", "B", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (f"removed {staging}, the staging folder of a run that ended without finishing (pid "
            f"{owner['pid']} on {owner['host']}, started {owner['started_at']}; that process is "
            "gone)") in " ".join(result.stderr.split())  # fmt: skip
    assert not staging.exists() and not (out / ".owner.json").exists()
    assert "manifest.sha256" in {p.name for p in out.iterdir()}
    # beside a --out that did not exist: removed too, by the next recall into that --out
    beside = _killed_staging(tmp_path / "new")
    assert runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "new")]).exit_code == 0
    assert not beside.exists()
    # the pid now another process's (this one, started before): its staging folder is removed;
    # on another host, or whose owner runs, it is kept
    for pid, host, kept in ((os.getpid(), owner["host"], False),
                            (owner["pid"], "other-host", True),
                            (os.getpid(), owner["host"], True)):  # fmt: skip
        given = tmp_path / f"again-{pid}-{host}-{kept}"
        given.mkdir()
        left = _killed_staging(given)
        record = json.loads((left / ".owner.json").read_text("utf-8"))
        if kept and host == owner["host"]:  # this process's own record: it runs
            record = {**record, "pid": os.getpid(),
                      "process_start": Path("/proc/self/stat").read_text().rsplit(")", 1)[1]
                      .split()[19]}  # fmt: skip
        else:
            record = {**record, "pid": pid, "host": host}
        (left / ".owner.json").write_text(json.dumps(record), encoding="utf-8")
        again = runner.invoke(app, ["recall", "B", "--out", str(given)])
        assert left.exists() is kept, again.output
        assert again.exit_code == (2 if kept else 0), again.output
        if kept:
            assert f"(pid {record['pid']} on {host}, started " in " ".join(again.stderr.split())


def test_a_package_lists_each_shipment_line_of_the_recalled_lots(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A clerk working a recall through the deliveries had customers.csv, one row per customer
    with its deliveries in one cell, and tracking_events, whose shipping rows hold no delivery
    note column of their own: shipments.csv and recall.xlsx's `shipments` sheet have one row per
    shipment line — its delivery note (reference_doc), date, customer, lot, quantity and unit,
    delivery or return — ids as text cells in the workbook, the date a date cell."""
    out = tmp_path / "r"
    assert runner.invoke(app, ["recall", "B", "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader((out / "shipments.csv").read_text("utf-8-sig").splitlines()))
    wanted = ("shipment_id", "delivery_note", "shipped_at", "customer_id", "lot_id", "quantity",
              "unit", "kind", "ship_from_location_id")  # fmt: skip
    assert [tuple(row[key] for key in wanted) for row in rows] == [
        ("SH1", "DN-1", "2026-11-04T08:00:00+00:00", "C1", "P1", "300.0", "pcs", "delivery",
         "WH-FG"),
        ("SH2", "DN-2", "2026-11-04T09:00:00+00:00", "C2", "P2", "50.0", "pcs", "delivery",
         "WH-FG"),
        ("RMA1", "RMA-1", "2026-11-05T09:00:00+00:00", "C2", "P2", "10.0", "pcs", "return", ""),
    ]  # fmt: skip
    assert rows[1]["customer_name"] == "'=Shop two"  # never a formula, as customers.csv
    sheet = load_workbook(out / "recall.xlsx")["shipments"]
    header = [cell.value for cell in sheet[1]]
    cells = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert [cell.value for cell in sheet[1]] == [*rows[0].keys()]
    assert (cells["shipment_id"].data_type, cells["lot_id"].data_type) == ("s", "s")
    assert cells["shipped_at"].value == datetime(2026, 11, 4, 8, 0)
    assert sheet.max_row == 4 and sheet.auto_filter.ref == sheet.dimensions


def test_every_sheet_of_the_package_prints_one_page_wide_and_sizes_its_columns(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A demo recall's tracking_events.xlsx (114 events) printed on 25 portrait pages and its
    recall.xlsx on 13, the header on the first page alone, and the customers sheet had Excel's
    default widths (a contact cut): every sheet prints landscape, one page wide, its header on
    each page, the header kept in view, and every column is as wide as its text."""
    out = tmp_path / "r"
    assert runner.invoke(app, ["recall", "B", "--out", str(out)]).exit_code == 0
    sheets = [*load_workbook(out / "tracking_events.xlsx"), *load_workbook(out / "recall.xlsx")]
    assert [s.title for s in sheets] == ["tracking events", "customers", "stock to block",
                                         "shipments"]  # fmt: skip
    for sheet in sheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, sheet.title
        assert (sheet.print_title_rows, sheet.freeze_panes) == ("$1:$1", "A2"), sheet.title
        sized = {letter for letter, column in sheet.column_dimensions.items()
                 if column.customWidth}  # fmt: skip
        assert sized == {xlsx.column_letter(n) for n in range(1, sheet.max_column + 1)}
    customers = load_workbook(out / "recall.xlsx")["customers"]
    contact = [cell.value for cell in customers[1]].index("contact")
    assert (
        customers.column_dimensions[xlsx.column_letter(contact + 1)].width
        == len("qa@one.example") + 2
    )


def test_the_workbooks_local_times_have_their_instant_in_utc_beside_them(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A package's shipment lines came from two exports, SAP's at +01:00 and the ERP's at UTC:
    its `shipments` sheet showed 15:44 (14:44Z) above 10:00 (10:00Z) in one column, said
    nowhere, and an expiry at midnight in Berlin beside one at midnight UTC. Each sheet keeps
    the time as the plant wrote it and adds `shipped_at_utc` / `expires_at_utc`, the instant
    in UTC, a date cell that sorts as one; the CSVs add the same column last, as
    tracking_events has `event_date_utc`, and keep every column they had, in its place."""
    import_hand_plant(graph, tmp_path / "plant", {
        "lots.csv": HAND_PLANT["lots.csv"].replace("lot_id,material_id,quantity,uom,supplier_id,"
                                                   "supplier_lot", "lot_id,material_id,quantity,"
                                                   "uom,supplier_id,supplier_lot,expires_at")
        .replace("B,SALT,10,kg,V2,000123", "B,SALT,10,kg,V2,000123,2027-01-31T00:00:00+01:00")
        .replace("P2,BREAD,100,pcs,,", "P2,BREAD,100,pcs,,,2026-11-20T00:00:00+00:00"),
        "shipments.csv": "shipment_id,customer_id,shipped_at,reference_doc\n"
                         "SH1,C1,2026-11-04T15:44:00+01:00,DN-1\n"
                         "SH2,C2,2026-11-04T10:00:00+00:00,DN-2\n"
                         "RMA1,C2,2026-11-05T09:00:00+00:00,RMA-1\n",
    })  # fmt: skip
    out = tmp_path / "r"
    assert runner.invoke(app, ["recall", "B", "--out", str(out)]).exit_code == 0

    def read(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader((out / name).read_text("utf-8-sig").splitlines()))

    shipped = read("shipments.csv")
    assert [*shipped[0]][-2:] == ["source_amounts", "shipped_at_utc"]
    assert [(r["shipment_id"], r["shipped_at"], r["shipped_at_utc"]) for r in shipped] == [
        ("SH2", "2026-11-04T10:00:00+00:00", "2026-11-04 10:00:00"),
        ("SH1", "2026-11-04T15:44:00+01:00", "2026-11-04 14:44:00"),
        ("RMA1", "2026-11-05T09:00:00+00:00", "2026-11-05 09:00:00"),
    ]  # fmt: skip
    stock = read("stock.csv")
    assert [*stock[0]][-2:] == ["note", "expires_at_utc"]
    assert [(r["lot_id"], r["expires_at_utc"]) for r in stock][:2] == [
        ("B", "2027-01-30 23:00:00"), ("P2", "2026-11-20 00:00:00"),
    ]  # fmt: skip
    book = load_workbook(out / "recall.xlsx")
    for title, dated, rows in (("shipments", "shipped_at", shipped),
                               ("stock to block", "expires_at", stock)):  # fmt: skip
        cells = [[cell.value for cell in row] for row in book[title].iter_rows()]
        assert cells[0] == [*rows[0]]  # the CSV's columns, in its order
        at, utc = cells[0].index(dated), cells[0].index(f"{dated}_utc")
        got = [(row[at], row[utc]) for row in cells[1:] if row[at]]
        # the local time as written, the instant in UTC: both date cells
        assert got == [(datetime.fromisoformat(r[dated]).replace(tzinfo=None),
                        datetime.fromisoformat(r[f"{dated}_utc"]))
                       for r in rows if r[dated]]  # fmt: skip
    sheet = [[c.value for c in row] for row in book["shipments"].iter_rows()]
    assert [row[-1] for row in sheet[1:3]] == [
        datetime(2026, 11, 4, 10),
        datetime(2026, 11, 4, 14, 44),
    ]


def test_shipment_lines_say_how_much_of_the_sources_in_every_unit(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """shipments.csv's source columns: 0.375 kg of salt B went to C1 with P1, 0.0625 kg with half
    of P2, and 0.0125 kg came back (a magnitude, as the quantity and tracking_events have it: it
    was positive there too, but said nowhere). Recalling B with E, counted in pcs and mixed into
    X too, left source_quantity empty on every line with no per-unit column to say it:
    `source_amounts` does, as in stock.csv and customers.csv."""
    out = tmp_path / "r"
    assert runner.invoke(app, ["recall", "B", "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader((out / "shipments.csv").read_text("utf-8-sig").splitlines()))
    assert [(r["shipment_id"], r["source_quantity"], r["source_unit"], r["source_amounts"])
            for r in rows] == [("SH1", "0.375", "kg", "0.375 kg"),
                               ("SH2", "0.0625", "kg", "0.062 kg"),
                               ("RMA1", "0.0125", "kg", "0.013 kg")]  # fmt: skip
    import_tables(hand_plant, tmp_path / "e", {
        "lots.csv": "lot_id,material_id,quantity,uom\nE,SEEDS,100,pcs\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nX,E,80,pcs\n",
    })  # fmt: skip
    both = tmp_path / "both"
    assert runner.invoke(app, ["recall", "B", "E", "--out", str(both)]).exit_code == 0
    rows = list(csv.DictReader((both / "shipments.csv").read_text("utf-8-sig").splitlines()))
    assert [(r["shipment_id"], r["source_quantity"], r["source_amounts"]) for r in rows] == [
        ("SH1", "", "0.375 kg; 60 pcs"), ("SH2", "", "0.062 kg; 10 pcs"),
        ("RMA1", "", "0.013 kg; 2 pcs"),
    ]  # fmt: skip


def test_verify_does_not_count_lots_made_in_the_window_after_the_recall(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A recall of MIXER-1 from 2026-11-03 07:30 "until further notice" (to 2099): a mix on it
    after the recall was taken made lot N — production since, `check`'s to find, not a lot the
    recall missed. --verify named N and exited 1 every night after any production on it."""
    window = ["--device", "MIXER-1", "--from", "2026-11-03T07:30", "--to", "2099-01-01T00:00",
              "--timezone", "UTC"]  # fmt: skip
    assert runner.invoke(app, ["recall", *window, "--out", str(tmp_path / "r")]).exit_code == 0
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat(timespec="seconds")
    import_tables(hand_plant, tmp_path / "late", {
        "lots.csv": "lot_id,material_id,quantity,uom\nN,DOUGH,10,kg\n",
        "steps.csv": f"step_id,operation,started_at,device_id\nX9,mix,{later},MIXER-1\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nX9,N,10,kg\n",
    })  # fmt: skip
    verified = runner.invoke(app, ["recall", "history", "--verify", "--format", "json"])
    assert verified.exit_code == 0, verified.output
    (answer,) = json.loads(verified.stdout)["verified"]
    assert (answer["stale"], answer["new_lots"]) == (False, [])


def test_a_stale_staging_folder_taken_over_meanwhile_is_not_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two recalls into one --out both found a killed run's staging folder abandoned; the first
    removed it and made its own under the same (inside) name; the second's rmtree then removed
    the first's live folder. The folder is claimed by a rename and its owner read again there:
    a live run's is put back, not removed."""
    from tracegraph import folders

    out = tmp_path / "given"
    out.mkdir()
    staging = _killed_staging(out)
    real = folders.owner_gone

    def gone_then_taken_over(owner: dict[str, Any]) -> bool:
        answer = real(owner)  # the killed run's: gone
        shutil.rmtree(staging)  # another recall removes it and stages its own there
        staging.mkdir()
        (staging / ".owner.json").write_text(json.dumps(folders._owner_record()), "utf-8")
        return answer

    monkeypatch.setattr(folders, "owner_gone", gone_then_taken_over)
    assert folders.remove_abandoned(out) == []
    assert json.loads((staging / ".owner.json").read_text("utf-8"))["pid"] == os.getpid()
    assert [p.name for p in out.iterdir()] == [staging.name]


def test_the_note_of_a_removed_staging_folder_is_said_when_the_recall_then_fails(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A killed run's staging folder beside a user's file in --out: the recall removed the
    folder, then refused the non-empty folder (exit 2), and the note saying it removed a folder
    was lost with the package it was attached to."""
    out = tmp_path / "given"
    out.mkdir()
    staging = _killed_staging(out)
    (out / "mine.txt").write_text("the user's", encoding="utf-8")
    result = runner.invoke(app, ["recall", "B", "--out", str(out)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.split())
    assert f"removed {staging}, the staging folder of a run that ended without finishing" in said
    assert "is not empty" in said and not staging.exists()
