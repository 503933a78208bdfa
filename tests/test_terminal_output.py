"""What a quality engineer sees at a terminal on a large answer: a spinner while it is worked
out, footers that say how much a table or tree leaves out, lots fed back from tracegraph's
own CSVs, p-values too small for a double. Found by an analyst on the 1M-lot plant."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from hand_plant import import_tables
from terminal import run_on_terminal
from typer.testing import CliRunner

from tracegraph.cli import trace as cli_trace
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.rootcause import _explain, fisher_greater, p_text

FANS = 70  # a lot split into 70: past the 60 nodes a tree shows
CUSTOMERS = 45  # past the 40 rows a table shows


def _fan_plant(graph: TraceGraph, folder: Path) -> None:
    """A 700 kg lot A split by step S into 70 lots B00..B69 of 10 kg, each shipped to its own
    customer (45 of them: C00..C44)."""
    lots = "".join(f"B{i:02d},DOUGH,10,kg\n" for i in range(FANS))
    files = {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id\nA,FLOUR,700,kg,V1\n" + lots,
        "steps.csv": "step_id,operation,started_at\nS,split,2026-11-03T08:00:00+00:00\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nS,A,700,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\n"
        + "".join(f"S,B{i:02d},10,kg\n" for i in range(FANS)),
        "customers.csv": "customer_id,name\n"
        + "".join(f"C{i:02d},Shop {i}\n" for i in range(CUSTOMERS)),
        "shipments.csv": "shipment_id,customer_id,shipped_at\n"
        + "".join(f"SH{i:02d},C{i:02d},2026-11-04T08:00:00+00:00\n" for i in range(CUSTOMERS)),
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\n"
        + "".join(f"SH{i:02d},B{i:02d},10,kg\n" for i in range(CUSTOMERS)),
    }
    import_tables(graph, folder, files)


def test_a_one_source_tree_says_how_many_lots_it_leaves_out_and_customers_stop_at_40(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Forward from one salt lot reaching 1,624 lots, the tree ended "… the tree shows the
    first 60 nodes", not saying how many lots it left out nor where they are (with several
    sources it said both), and "Customers to contact" printed all 59 rows where README says
    long tables show 40. Here A's tree shows A, S and 58 of the 70 lots it was split into."""
    _fan_plant(graph, tmp_path / "plant")
    shown = runner.invoke(app, ["trace", "forward", "A"])
    assert shown.exit_code == 0, shown.output
    assert (f"… the tree shows the first {cli_trace.TREE_LIMIT} nodes, 59 of the 71 lots "
            "(--format json or csv lists them all)") in shown.stdout  # fmt: skip
    assert "… 5 more customers (--format json or csv lists them all)" in shown.stdout
    assert "C39" in shown.stdout and "C40" not in shown.stdout
    everything = runner.invoke(app, ["trace", "forward", "A", "--format", "json"])
    assert len(json.loads(everything.stdout)["customers"]) == CUSTOMERS
    package = runner.invoke(app, ["recall", "A", "--out", str(tmp_path / "package")])
    assert package.exit_code == 0, package.output
    assert "… 5 more customers (customers.csv and --format csv list them all)" in package.stdout
    assert (tmp_path / "package" / "customers.csv").read_text("utf-8-sig").count("\n") == 46


def test_a_tree_that_shows_every_lot_has_no_footer(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The footer is for lots left out: a tree whose budget ran out on the last lot (or on a
    lot shown again) leaves none out and says nothing."""
    _fan_plant(graph, tmp_path / "plant")
    shown = runner.invoke(app, ["trace", "forward", "B00"])
    assert shown.exit_code == 0, shown.output
    assert "the tree shows" not in shown.stdout


def test_a_lots_file_that_is_a_table_gives_its_lot_id_column(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`cut -d, -f1 stock.csv | tracegraph trace backward --lots-file -` exited 2 with "no lot
    is known as 'lot_id'" (the header read as a lot), and a whole stock.csv or customers.csv
    made lots of its quantities and units. A header naming `lot_id` makes the file a table:
    that column's ids, each once (a trace's CSV has a row per shipment line), whatever the
    separator; a BOM and Excel's CRLF as before."""
    stock = tmp_path / "stock.csv"
    stock.write_bytes(
        "\ufefflot_id,remaining,unit\r\nP2,40.0,pcs\r\nP1,0.0,pcs\r\nP2,10.0,pcs\r\n".encode()
    )
    column = tmp_path / "column.csv"
    column.write_text("lot_id\nP1\n\nP2\n", encoding="utf-8")
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text('quantity;"LOT_ID"\n3;P1\n', encoding="utf-8")
    for listed, expected in ((stock, ["P2", "P1"]), (column, ["P1", "P2"]),
                             (semicolons, ["P1"])):  # fmt: skip
        shown = runner.invoke(
            app, ["trace", "backward", "--lots-file", str(listed), "--format", "json"]
        )
        assert shown.exit_code == 0, shown.output
        assert [s["lot_id"] for s in json.loads(shown.stdout)["sources"]] == expected
    heading = tmp_path / "heading.txt"  # `lot_id` over a list: L1, L2 on a line are two lots
    heading.write_text("lot_id\nP1, P2\n", encoding="utf-8")
    quoted = tmp_path / "quoted.csv"  # a quoted header cell holding the separator
    quoted.write_text('"name, full",lot_id,qty\n"x, y",P2,5\n"z",P1,3\n', encoding="utf-8")
    for listed, expected in ((heading, ["P1", "P2"]), (quoted, ["P2", "P1"])):
        shown = runner.invoke(
            app, ["trace", "backward", "--lots-file", str(listed), "--format", "json"]
        )
        assert shown.exit_code == 0, shown.output
        assert [s["lot_id"] for s in json.loads(shown.stdout)["sources"]] == expected
    plain = tmp_path / "plain.txt"
    plain.write_text("P1, P2\n", encoding="utf-8")  # no header: a list as before
    shown = runner.invoke(app, ["trace", "backward", "--lots-file", str(plain), "--format", "json"])
    assert [s["lot_id"] for s in json.loads(shown.stdout)["sources"]] == ["P1", "P2"]


def test_a_p_value_a_double_cannot_hold_is_said_to_be_below_1e_300() -> None:
    """805 complaint lots, all made of one raw lot that no control shares, printed "happens by
    chance with p = 0": Fisher's p underflows a double (1/C(1200, 600) is about 1e-359). It
    is "p < 1e-300"; the JSON keeps 0.0 (README says what it means)."""
    (p,) = fisher_greater(np.array([600]), np.array([0]), 600, 600).tolist()
    assert p == 0.0
    assert p_text(p) == "< 1e-300" and p_text(3.1e-05) == "3.1e-05" and p_text(1e-300) == "1e-300"
    sentence = _explain("lot", "R1", 600, 600, 0, 600, p, p)
    assert "happens by chance with p < 1e-300 (Fisher's exact test, one-sided), < 1e-300 after" in (
        sentence
    )


def test_a_long_trace_shows_a_spinner_on_a_terminal_and_nothing_in_a_pipe(
    hand_plant: TraceGraph, neo4j_env: dict[str, str]
) -> None:
    """A recall of a supplier's four months sat 78 s on a silent terminal before its first
    line (trace supplier 22 s); `check` had a progress bar, trace, recall and rootcause none.
    On a terminal stderr shows what runs and for how long, and is cleared; piped, nothing."""
    command = [sys.executable, "-c", "from tracegraph.cli.main import run; run()",
               "trace", "forward", "B"]  # fmt: skip
    env = {**os.environ, **neo4j_env, "COLUMNS": "100"}
    code, terminal, answer = run_on_terminal(command, env, terminal="stderr")
    assert code == 0
    assert re.search(rb"tracing downstream.*0:00:0\d", terminal), terminal
    assert b"tracing downstream" not in answer and b"B" in answer
    piped = subprocess.run(command, env=env, capture_output=True, check=False, timeout=120)
    assert piped.returncode == 0 and b"tracing" not in piped.stderr


def _narrow_plant(graph: TraceGraph, folder: Path) -> None:
    """Raw lot R0000001 (supplier V10, lot 240758) and dough D0000054 baked by S0000032 on
    OVEN-2, whose calibration that morning failed, into F0000056, shipped as SH0000001 to
    customer C029 (qa29@customer.example)."""
    files = {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
        "R0000001,SALT,400,kg,V10,240758\nD0000054,DOUGH,137.69,kg,,\n"
        "F0000056,BREAD-W,562,pcs,,\n",
        "steps.csv": "step_id,operation,started_at,device_id,operator_id\n"
        "S0000031,mix,2026-01-05T07:10:00+00:00,MIXER-4,OP05\n"
        "S0000032,bake,2026-01-05T07:40:00+00:00,OVEN-2,OP01\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nS0000031,R0000001,0.578,kg\n"
        "S0000032,D0000054,137.69,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nS0000031,D0000054,137.69,kg\n"
        "S0000032,F0000056,562,pcs\n",
        "device_events.csv": "device_id,event,at,result\n"
        "OVEN-2,calibration,2026-01-05T05:01:00+00:00,fail\n",
        "customers.csv": "customer_id,name,contact\nC029,Customer 29,qa29@customer.example\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\n"
        "SH0000001,C029,2026-01-05T14:37:00+00:00\n",
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH0000001,F0000056,562,pcs\n",
    }
    import_tables(graph, folder, files)


def test_a_narrow_terminal_wraps_ids_contacts_and_markers_and_cuts_none(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """At COLUMNS=60 tree lines stopped at column 60 with no marker (`S0000032 bake … OVEN-2
    (cal 2026-01-05 fail)` shown as `… OVEN-2 `, the failed calibration gone; received lots
    without their supplier lot) and table cells ended in `…` (`qa29@c…`, `SH00…`, `F000…`).
    README: "Never truncated". Now every id, contact and marker is there, wrapped."""
    _narrow_plant(graph, tmp_path / "plant")
    shown = {kind: runner.invoke(app, ["trace", kind, lot], env={"COLUMNS": "60"})
             for kind, lot in (("backward", "F0000056"), ("forward", "R0000001"))}  # fmt: skip
    for result in shown.values():
        assert result.exit_code == 0, result.output
        assert "…" not in result.stdout
    backward, forward = (_read_back(shown[kind].stdout) for kind in ("backward", "forward"))
    for expected in ("R0000001", "D0000054", "F0000056", "OVEN-2 (cal 2026-01-05 fail)",
                     "supplier V10 lot 240758"):  # fmt: skip
        assert expected in backward, (expected, shown["backward"].stdout)
    for expected in ("C029", "SH0000001", "qa29@customer.example", "F0000056"):
        assert expected in forward, (expected, shown["forward"].stdout)


def _read_back(shown: str) -> str:
    """What a person reads in wrapped output: the lines as words, then each table column's
    cells, top to bottom, joined (an id folded over two lines of its cell is whole again)."""
    lines = shown.splitlines()
    words = " ".join(" ".join(lines).replace("│", " ").replace("─", " ").split())
    columns: dict[int, str] = {}
    for line in lines:
        for index, cell in enumerate(line.split("│")):
            columns[index] = columns.get(index, "") + cell.strip()
    return "\n".join([words, *columns.values()])
