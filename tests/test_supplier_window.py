"""A supplier's window: the lots received from a supplier in a span of time, and their blast
radius — for a supplier's notice that names a span of its deliveries, not our lot ids."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hand_plant import HAND_PLANT
from neo4j.exceptions import ClientError
from test_browser_queries import BROWSER, _statements
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.cli.trace import FORWARD_CSV
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.supplier_window import trace_supplier
from tracegraph.trace import trace_forward

# salt supplier V2 delivered B on 2 November (at 05:00 UTC, written in +01:00), B2 on 6
# November, and B3 with no receipt date
LOTS = """lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at
A,FLOUR,100,kg,V1,000123,2026-11-01T06:00:00+00:00
B,SALT,10,kg,V2,000123,2026-11-02T06:00:00+01:00
B2,SALT,5,kg,V2,000124,2026-11-06T06:00:00+00:00
B3,SALT,5,kg,V2,000125,
M,DOUGH,40.5,kg,,,
P1,BREAD,300,pcs,,,
P2,BREAD,100,pcs,,,
"""


@pytest.fixture
def receipts(graph: TraceGraph, tmp_path: Path) -> TraceGraph:
    folder = tmp_path / "plant"
    folder.mkdir()
    for name, text in {**HAND_PLANT, "lots.csv": LOTS}.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [folder]).rejects == []
    return graph


def test_the_lots_received_in_the_window_are_the_sources_of_a_forward_trace(
    receipts: TraceGraph,
) -> None:
    """Receipts are compared as instants: B, received at 06:00+01:00, is in a window that
    starts at 05:00 UTC and not in one that ends then."""
    window = trace_supplier(receipts, "V2", "2026-11-02T05:00:00+00:00", "2026-11-03T00:00:00Z")
    assert window.received_lots == ["B"]
    assert [(r["lot_id"], r["supplier_lot"], r["received_at"], r["quantity"], r["uom"])
            for r in window.receipts] == [
        ("B", "000123", "2026-11-02T06:00:00+01:00", 10.0, "kg")
    ]  # fmt: skip
    assert window.forward is not None
    ours, direct = window.forward.as_dict(), trace_forward(receipts, ["B"]).as_dict()
    ours.pop("seconds"), direct.pop("seconds")
    assert ours == direct
    assert [lot["lot_id"] for lot in window.forward.lots] == ["M", "P1", "P2"]
    assert window.warnings == [
        "1 lot from supplier V2 has no receipt date and is in no window (received_at empty in "
        "the lots table): trace it by lot id: B3"
    ]  # it was counted, never named
    before = trace_supplier(receipts, "V2", "2026-11-01T00:00:00Z", "2026-11-02T05:00:00Z")
    assert before.received_lots == [] and before.forward is None


def test_cli_supplier_window_json_table_and_unknown_supplier(
    receipts: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    window = ["--from", "2026-11-01T00:00", "--to", "2026-11-07T00:00", "--timezone", "UTC"]
    result = runner.invoke(app, ["trace", "supplier", "V2", *window, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["received_lots"] == ["B", "B2"]  # in the order received
    assert (answer["undated_lots"], answer["undated_lot_ids"]) == (1, ["B3"])
    assert answer["forward"]["sources"][0]["lot_id"] == "B"
    assert "warning: 1 lot from supplier V2 has no receipt date" in result.stderr
    table = runner.invoke(app, ["trace", "supplier", "V2", *window])
    assert table.exit_code == 0, table.stderr
    assert table.stdout.startswith("supplier V2, 2026-11-01T00:00:00+00:00 – "
                                   "2026-11-07T00:00:00+00:00: 2 lots received")  # fmt: skip
    assert "Lots received from V2" in table.stdout and "000124" in table.stdout
    for wrong, hint in (("v2", "close matches: V2"), ("ACME", "ids are case-sensitive")):
        result = runner.invoke(app, ["trace", "supplier", wrong, *window])
        assert result.exit_code == 2
        assert f"no supplier is known as {wrong!r}" in result.stderr
        assert hint in result.stderr
    backwards = runner.invoke(app, ["trace", "supplier", "V2", "--from", "2026-11-07T00:00Z",
                                    "--to", "2026-11-01T00:00Z"])  # fmt: skip
    assert backwards.exit_code == 2 and "swap --from and --to" in backwards.stderr


def test_browser_supplier_window_keeps_the_commands_rule(receipts: TraceGraph) -> None:
    """cypher/browser/supplier_window.cypher finds the lots `trace supplier` finds."""
    text = (BROWSER / "supplier_window.cypher").read_text(encoding="utf-8")
    _, [statement] = _statements(text)
    for start, end in (("2026-11-02T05:00:00Z", "2026-11-03T00:00:00Z"),
                       ("2026-11-01T00:00:00Z", "2026-11-07T00:00:00Z"),
                       ("2026-11-01T00:00:00Z", "2026-11-02T05:00:00Z")):  # fmt: skip
        params = {"supplier_id": "V2", "window_start": start, "window_end": end}
        with receipts.driver.session(database=receipts.database) as session:
            found = [row["lot"]["lot_id"] for row in session.run(statement, params)]
        assert found == trace_supplier(receipts, "V2", start, end).received_lots, (start, end)


def test_browser_supplier_window_refuses_a_time_without_offset(
    receipts: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """B was received at 05:00 UTC, 06:00 in Berlin: in the window 05:30 to 07:00 typed for a
    Berlin plant. Without an offset the Browser's query read the window as UTC and found no
    lot, where `trace supplier --timezone Europe/Berlin` finds B; now it fails, naming the
    time. With the zone in the times it finds what the command finds."""
    text = (BROWSER / "supplier_window.cypher").read_text(encoding="utf-8")
    _, [statement] = _statements(text)
    start, end = "2026-11-02T05:30", "2026-11-02T07:00"
    with (
        receipts.driver.session(database=receipts.database) as session,
        pytest.raises(ClientError, match="window time 2026-11-02T05:30 has no UTC offset or zone"),
    ):
        session.run(statement, supplier_id="V2", window_start=start, window_end=end).consume()
    cli = runner.invoke(app, ["trace", "supplier", "V2", "--from", start, "--to", end,
                              "--timezone", "Europe/Berlin", "--format", "json"])  # fmt: skip
    assert cli.exit_code == 0, cli.stderr
    zoned = {"window_start": f"{start}[Europe/Berlin]", "window_end": f"{end}[Europe/Berlin]"}
    with receipts.driver.session(database=receipts.database) as session:
        found = [
            row["lot"]["lot_id"] for row in session.run(statement, {"supplier_id": "V2", **zoned})
        ]
    assert found == json.loads(cli.stdout)["received_lots"] == ["B"]


def test_a_supplier_notice_becomes_a_drill_of_the_lots_received_in_its_span(
    receipts: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`recall --supplier V2 --from --to --drill`: the lots received in the span are the
    sources; the lot with no receipt date is warned of in the output and in summary.txt."""
    out = tmp_path / "drill"
    window = ["--supplier", "V2", "--from", "2026-11-01T00:00", "--to", "2026-11-07T00:00",
              "--timezone", "UTC"]  # fmt: skip
    result = runner.invoke(app, ["recall", *window, "--drill", "--out", str(out),
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["drill"] is True
    assert payload["window"]["received_lots"] == ["B", "B2"]
    assert [r["supplier_lot"] for r in payload["window"]["receipts"]] == ["000123", "000124"]
    saved = json.loads((out / "recall.json").read_text(encoding="utf-8"))
    assert [source["lot_id"] for source in saved["sources"]] == ["B", "B2"]
    undated = "1 lot from supplier V2 has no receipt date and is in no window"
    assert f"warning: {undated}" in result.stderr
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert f"warning: {undated}" in summary
    assert (
        "asked as: supplier V2, 2026-11-01T00:00:00+00:00 – 2026-11-07T00:00:00+00:00 "
        "(lots B, B2)" in summary
    )


def test_cli_supplier_window_csv_names_each_rows_supplier_lots(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The CSV had the forward rows only: which delivery (supplier lot, receipt time) a bread
    lot came from was in the JSON's `receipts` alone. Each row now ends with its source lots'
    receipts, the forward columns unchanged before them; B2 also goes into the dough here, so
    the dough and the bread name both deliveries, in the order received."""
    folder = tmp_path / "plant"
    folder.mkdir()
    inputs = HAND_PLANT["step_inputs.csv"] + "X,B2,200,g\n"
    for name, text in {**HAND_PLANT, "lots.csv": LOTS, "step_inputs.csv": inputs}.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [folder]).rejects == []
    window = ["--from", "2026-11-01T00:00", "--to", "2026-11-07T00:00", "--timezone", "UTC"]
    result = runner.invoke(app, ["trace", "supplier", "V2", *window, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [*FORWARD_CSV, "source_lot_ids", "source_supplier_lots",
                             "source_received_at"]  # fmt: skip
    plain = runner.invoke(app, ["trace", "forward", "B", "B2", "--format", "csv"])
    forward = list(csv.DictReader(io.StringIO(plain.stdout)))
    assert [{k: r[k] for k in FORWARD_CSV} for r in rows] == forward  # the same rows
    assert {"P1", "P2"} <= {r["lot_id"] for r in rows}
    both = ("B; B2", "000123; 000124", "2026-11-02T06:00:00+01:00; 2026-11-06T06:00:00+00:00")
    assert {
        (r["lot_id"], r["shipment_id"]): (r["source_lot_ids"], r["source_supplier_lots"],
                                          r["source_received_at"])
        for r in rows
    } == {
        ("B", ""): ("B", "000123", "2026-11-02T06:00:00+01:00"),
        ("B2", ""): ("B2", "000124", "2026-11-06T06:00:00+00:00"),
        ("M", ""): both,
        **{(lot, shipment): both for lot, shipment in
           {(r["lot_id"], r["shipment_id"]) for r in rows if r["lot_id"].startswith("P")}},
    }  # fmt: skip


def test_supplier_csv_lists_every_receipt_of_a_lot_received_twice(
    receipts: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """A lot with two receipts from the supplier (a second delivery booked under the same lot
    id, added in Browser: the import writes one receipt per lot): the JSON listed both, the
    CSV's source columns the first only. Each receipt is named, in the order received, the
    three columns aligned (B twice beside its two supplier lots)."""
    receipts.driver.execute_query(
        "MATCH (lot:Lot {lot_id: 'B'}), (supplier:Supplier {supplier_id: 'V2'}) "
        "CREATE (lot)-[:SUPPLIED_BY {supplier_lot: '000126', "
        "received_at: datetime('2026-11-03T06:00:00+00:00')}]->(supplier)",
        database_=receipts.database,
    )
    window = ["--from", "2026-11-01T00:00Z", "--to", "2026-11-07T00:00Z"]
    listed = json.loads(runner.invoke(app, ["trace", "supplier", "V2", *window, "--format",
                                            "json"]).stdout)  # fmt: skip
    assert [(r["lot_id"], r["supplier_lot"]) for r in listed["receipts"]] == [
        ("B", "000123"), ("B", "000126"), ("B2", "000124"),
    ]  # fmt: skip
    result = runner.invoke(app, ["trace", "supplier", "V2", *window, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    twice = ("B; B", "000123; 000126", "2026-11-02T06:00:00+01:00; 2026-11-03T06:00:00+00:00")
    assert {
        r["lot_id"]: (r["source_lot_ids"], r["source_supplier_lots"], r["source_received_at"])
        for r in rows
    } == {"B": twice, "B2": ("B2", "000124", "2026-11-06T06:00:00+00:00"), "M": twice,
          "P1": twice, "P2": twice}  # fmt: skip


def test_an_empty_supplier_window_still_says_which_lots_it_could_not_see(
    receipts: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Nothing received from V2 in October, but B3 has no receipt date: "nothing to recall"
    alone would read as "no exposure"."""
    out = tmp_path / "recall"
    result = runner.invoke(app, ["recall", "--supplier", "V2", "--from", "2026-10-01T00:00Z",
                                 "--to", "2026-10-31T00:00Z", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "nothing to recall — but 1 lot from supplier V2 has no receipt date" in result.stderr
    assert not out.exists()
