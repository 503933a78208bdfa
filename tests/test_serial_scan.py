"""A unit's label, `(01)GTIN(21)SN`, finds a serial a plant recorded without its GTIN
(`serial||SN`) — only when no identity has the GTIN's own key, and never by a guess: two lots
of that serial, or a lot known under another GTIN, are an error naming them. The library and
the trace queries decide alike (one round trip). Against the real test server, on
tests/hand_plant.py's plant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph import queries
from tracegraph.cli.main import app
from tracegraph.errors import AmbiguousLot, UnknownLot
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.lots import resolve_lots
from tracegraph.trace import trace_backward, trace_forward

from test_trace import reads_counted  # isort: skip

GTIN = "09506000134352"
OTHER_GTIN = "04006381333931"
IDENTIFIERS = (
    "lot_id,scheme,value,issuer\n"
    # P2 is known under GTIN; its serial SN-1 was recorded without it
    f"P2,gtin_lot,L-2611,{GTIN}\nP2,serial,SN-1,\n"
    # M has no GTIN at all
    "M,serial,SN-M,\n"
    # SN-2: P1's under the GTIN, and P2's without one: the GTIN's key comes first
    f"P1,serial,SN-2,{GTIN}\nP2,serial,SN-2,\n"
    # SN-3 without a GTIN on two lots
    "P1,serial,SN-3,\nP2,serial,SN-3,\n"
    # B is known under another GTIN only
    f"B,gtin_lot,SALT-7,{OTHER_GTIN}\nB,serial,SN-4,\n"
)


@pytest.fixture
def serials(hand_plant: TraceGraph, tmp_path: Path) -> TraceGraph:
    (tmp_path / "lot_identifiers.csv").write_text(IDENTIFIERS, encoding="utf-8")
    assert import_paths(hand_plant, [tmp_path / "lot_identifiers.csv"]).rejects == []
    return hand_plant


def _scan(serial: str) -> str:
    """The label as a GS1 DataMatrix scanner sends it (a symbology id, AIs run together)."""
    return f"]d201{GTIN}21{serial}"


def _json(runner: CliRunner, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_a_label_finds_a_serial_recorded_without_its_gtin(
    serials: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    graph = serials
    for asked in (f"(01){GTIN}(21)SN-1", _scan("SN-1"), f"serial|{GTIN}|SN-1",
                  "serial|9506000134352|SN-1"):  # fmt: skip
        assert resolve_lots(graph, [asked]) == ["P2"], asked
    assert resolve_lots(graph, [f"(01){GTIN}(21)SN-M"]) == ["M"]  # a lot of no known GTIN
    # the identity of the GTIN's own key first, though the serial alone names another lot
    assert resolve_lots(graph, [_scan("SN-2")]) == ["P1"]
    # end to end: the dossier and both traces by the scanned label
    shown = _json(runner, "lot", "show", _scan("SN-1"))
    assert shown["lot"]["lot_id"] == "P2" and "serial||SN-1" in [a["key"] for a in shown["aliases"]]
    assert [s["lot_id"] for s in _json(runner, "trace", "forward", _scan("SN-1"))["sources"]] == [
        "P2"
    ]
    backward = _json(runner, "trace", "backward", f"(01){GTIN}(21)SN-1")
    assert [s["lot_id"] for s in backward["sources"]] == ["P2"]
    assert {lot["lot_id"] for lot in backward["lots"]} >= {"M", "A", "B"}


@pytest.mark.parametrize(
    ("serial", "error", "said"),
    [
        ("SN-3", AmbiguousLot,
         f"no lot is known as 'serial|{GTIN}|SN-3', and serial 'SN-3' without a GTIN names 2 "
         "lots: P1, P2"),
        ("SN-4", UnknownLot,
         f"no lot is known as 'serial|{GTIN}|SN-4': serial 'SN-4' without a GTIN is lot B's, "
         f"which is known under GTIN {OTHER_GTIN}, not {GTIN}"),
    ],
)  # fmt: skip
def test_a_serial_without_gtin_is_never_a_guess(
    serials: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, serial: str,
    error: type[Exception], said: str,
) -> None:  # fmt: skip
    """Two lots of the serial, or a lot of another GTIN: an error naming them, in the library,
    in the traces and on the command line (one line, exit 2, nothing on stdout)."""
    for find in (lambda ids: resolve_lots(serials, ids), lambda ids: trace_forward(serials, ids),
                 lambda ids: trace_backward(serials, ids)):  # fmt: skip
        with pytest.raises(error) as raised:
            find([_scan(serial)])
        assert str(raised.value).startswith(said)
    for command in (["lot", "show"], ["trace", "forward"], ["trace", "backward"]):
        result = runner.invoke(app, [*command, _scan(serial), "--format", "json"])
        assert result.exit_code == 2 and result.stdout == "", result.output
        assert result.stderr.startswith(f"error: {said}") and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("serial", "traced"), [("SN-1", ["P2"]), ("SN-M", ["M"]), ("SN-2", ["P1"]), ("SN-3", []),
                           ("SN-4", []), ("SN-9", [])],
)  # fmt: skip
def test_the_trace_queries_decide_as_the_library(
    serials: TraceGraph, monkeypatch: pytest.MonkeyPatch, serial: str, traced: list[str]
) -> None:
    """The trace queries trace from what the library decides, in the same round trip: a scan
    is one query per trace, and an error traces from nothing (not a pick)."""
    graph = serials
    key = f"serial|{GTIN}|{serial}"
    for query in ("trace/forward", "trace/backward"):
        assert graph.read(query, asked=[key], lot_ids=[])[0]["traced"] == traced
    if not traced:
        return
    asked = reads_counted(graph, monkeypatch)
    assert [s["lot_id"] for s in trace_forward(graph, [_scan(serial)]).sources] == traced
    assert [s["lot_id"] for s in trace_backward(graph, [_scan(serial)]).sources] == traced
    assert asked == ["trace/forward", "trace/backward"]


def test_the_three_queries_look_ids_up_with_the_same_text() -> None:
    """lot/resolve and the two traces each look every id up (one query per file, and a trace
    must stay one round trip): the map they build per id is one text in three files, which a
    change to one must make to all — the serial look-up was added to each by hand."""
    blocks = []
    for name in ("lot/resolve", "trace/forward", "trace/backward"):
        text = queries.load(name)
        start = text.index("  id: id,\n")
        blocks.append(text[start : text.index("\n})", start)])
    assert "by_serial" in blocks[0]
    assert blocks[1] == blocks[0] and blocks[2] == blocks[0]
