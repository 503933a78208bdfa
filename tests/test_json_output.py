"""JSON output (`--format json`, recall.json, the import's summary file) is written by orjson
(values.json_text) — Python's json indents with its pure-Python encoder, the slowest part of a
wide trace's JSON. The text must stay what json.dumps(…, ensure_ascii=False, indent=2,
default=str) wrote: the same indentation, non-ASCII as it is, a unit of None as the key
"null", times and other values as their text."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum, StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.trace import trace_backward, trace_forward
from tracegraph.values import json_text

# A lot counted without a unit (its amounts are keyed by the unit None: `"null": 10.0` in
# by_uom) and ids, materials and names in Chinese, which the JSON keeps unescaped.
UNICODE_PLANT = {
    "lots.csv": "lot_id,material_id,quantity,uom\n批次号-1,盐,10,\nD1,面团,,\n",
    "steps.csv": "step_id,operation,started_at\nX,混合,2026-11-03T08:00:00+00:00\n",
    "step_inputs.csv": "step_id,lot_id,quantity,uom\nX,批次号-1,4,kg\n",
    "step_outputs.csv": "step_id,lot_id,quantity,uom\nX,D1,4,kg\n",
    "customers.csv": "customer_id,name\nC1,商店\n",
    "shipments.csv": "shipment_id,customer_id,shipped_at\nSH1,C1,2026-11-04T08:00:00+00:00\n",
    "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH1,D1,3,kg\n",
}


def _as_json_wrote_it(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"


@pytest.mark.parametrize(
    ("command", "lots"),
    [("forward", ["B"]), ("forward", ["A", "B"]), ("backward", ["P1"]), ("backward", ["P2"])],
)
def test_cli_json_is_the_trace_as_json_wrote_it(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    command: str,
    lots: list[str],
) -> None:
    """The CLI's JSON of a real trace, byte for byte the library's answer as json.dumps wrote
    it (the time the trace took aside, which differs run to run)."""
    result = runner.invoke(app, ["trace", command, *lots, "--format", "json"])
    assert result.exit_code == 0, result.output
    traced = (trace_forward if command == "forward" else trace_backward)(hand_plant, lots)
    expected = traced.as_dict()
    expected["seconds"] = json.loads(result.stdout)["seconds"]
    assert result.stdout == _as_json_wrote_it(expected)
    assert result.stdout.startswith('{\n  "sources": [\n    {\n      "lot_id": ')


def test_cli_json_keeps_chinese_text_and_a_unit_of_none(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    for name, text in UNICODE_PLANT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    result = runner.invoke(app, ["trace", "forward", "批次号-1", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"lot_id": "批次号-1"' in result.stdout and '"name": "商店"' in result.stdout
    assert '"null": 10.0' in result.stdout  # the lot without a unit, weighed in it
    payload = json.loads(result.stdout)
    assert payload["totals"]["by_uom"]["null"]["source_quantity"] == 10.0
    expected = trace_forward(graph, ["批次号-1"]).as_dict()
    expected["seconds"] = payload["seconds"]
    assert result.stdout == _as_json_wrote_it(expected)


@dataclass
class _Point:
    x: int


@pytest.mark.parametrize(
    "payload",
    [
        {None: 3.0, "kg": 1.5},  # by_uom of a lot without a unit
        {"lot_id": "批次号", "quote": 'a "b" \\ c\n\t\x00'},
        {"at": datetime(2026, 11, 3, 8, 15, tzinfo=UTC), "day": date(2026, 11, 3)},
        {"amount": Decimal("1.10"), "ids": {"A"}, "pair": ("A", 1), "point": _Point(1)},
        {"numpy": [np.float64(2.5), np.int64(3), np.bool_(True)]},
        {True: 1, 2: "two", 1.5: "x", "empty": [], "none": {}},
        {"big": 2**70, "negative": -(2**64)},  # beyond 64 bits: orjson refuses, json writes
        {"deep": [[[[]]]] * 2},
    ],
)
def test_json_text_writes_what_json_wrote(payload: Any) -> None:
    assert json_text(payload) == json.dumps(payload, ensure_ascii=False, indent=2, default=str)


def test_json_text_reads_back_as_json_wrote_it_where_the_text_differs() -> None:
    """Floats are written in their shortest form (1e-7, json 1e-07): the same numbers."""
    payload = {"p": 2.159698452859077e-09, "q": 1e16, "r": 0.1 + 0.2, "s": -0.0}
    assert json.loads(json_text(payload)) == payload
    nested: Any = []
    for _ in range(300):  # deeper than orjson goes: json writes it
        nested = [nested]
    assert json_text(nested) == json.dumps(nested, ensure_ascii=False, indent=2, default=str)


def test_json_text_writes_nan_and_infinity_as_null() -> None:
    """json wrote NaN and Infinity, which are not JSON (jq and JavaScript refuse them)."""
    text = json_text({"a": math.nan, "b": math.inf, "c": -math.inf, "d": 1.0})
    assert json.loads(text) == {"a": None, "b": None, "c": None, "d": 1.0}


class _Kind(Enum):  # a plain Enum, as tables.Kind: its text is "_Kind.TEXT", its value "text"
    TEXT = "text"
    COUNT = 2


class _Format(StrEnum):
    JSON = "json"


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": _Kind.TEXT, "count": _Kind.COUNT, "format": _Format.JSON, _Kind.TEXT: 1},
        {"at": datetime(2026, 11, 3, 8, 15, tzinfo=UTC), "naive": datetime(2026, 11, 3, 8, 15)},
        {"berlin": datetime(2026, 11, 3, 9, 15, tzinfo=ZoneInfo("Europe/Berlin"))},
        {"day": date(2026, 11, 3), "amount": Decimal("1.10"), "share": Fraction(1, 3)},
        {"point": _Point(1), "path": Path("/tmp/removed-RUN.csv"), "ids": {"A"}},
        {"nan": math.nan, "inf": -math.inf, "numpy": [np.float64(2.5), np.int64(3)]},
        {None: 3.0, "kg": 1.5, "lot": "批次号", "nested": [{"a": [1, 2.5, None, True]}]},
        # keys orjson writes as ISO text (passthrough is for values): json refused a date key
        {
            date(2026, 1, 1): 1,
            datetime(2026, 1, 1, 8, 15): 2,
            time(8, 15, 0, 5): 3,
            datetime(2026, 1, 1, 8, 15, 0, 5, tzinfo=UTC): 4,
            UUID(int=5): 5,
            math.inf: 6,
            datetime(2026, 11, 3, 9, 15, tzinfo=ZoneInfo("Europe/Berlin")): {date(2026, 1, 2): 7},
        },
    ],
)
def test_json_text_writes_the_same_text_when_orjson_refuses_the_payload(payload: Any) -> None:
    """json writes what orjson refuses (an int beyond 64 bits): the rest of the payload must be
    written as orjson writes it. An Enum was its value in the one and its text (_Kind.TEXT)
    in the other, NaN null and NaN (not JSON), and an Enum key, or a date key, a TypeError."""
    refused = {**payload, "big": 2**70}
    expected = json_text({**payload, "big": 0}).replace('"big": 0', f'"big": {2**70}')
    assert json_text(refused) == expected
    assert '"kind": "text"' in json_text({"kind": _Kind.TEXT})
