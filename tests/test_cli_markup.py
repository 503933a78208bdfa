"""The plant's text on a terminal is shown as it is: Rich reads `[red]` in a lot id as a style
(`MK[red]1` showed as `MK1`), `[at]` in a contact as a tag (`qa[at]x.de` showed as `qax.de`),
`[/]` in a delivery note as a closing tag (`trace forward` failed with a MarkupError), a
backslash before our own markup as an escape, and `:cat:` as an emoji."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.markup import render
from typer.testing import CliRunner, Result

from tracegraph.cli.main import app
from tracegraph.cli.render import literal
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.importing.tables import TABLES, Kind

RAW = "RAW[/]1"  # received from SUPPLIER, mixed by STEP on DEVICE into LOT and LEFT
RAW2 = "RAW2"  # received too, baked by STEP2 on DEVICE2 into ENDS
LOT = "MK[red]1"
LEFT = "LEFT[link=x]"  # in stock at LOCATION
ENDS = "END\\"  # an id ending in a backslash: before our `[/]` Rich read it as an escape
MATERIAL = "[bold]M"
SUPPLIER = "SUP[i]1"
SUPPLIER_LOT = "SL[link=x]1"
SUPPLIER_LOT2 = "SL2\\\\"  # two backslashes, which rich.markup.escape leaves one of
STEP, STEP2 = "ST[/]1", "ST2 \\[1]"
OPERATION = "mix [link=x]"
DEVICE, DEVICE2 = "DEV[/]1", "DEV2"
OPERATOR = "OP[b]1"
LOCATION = "LOC[/]A"
PARAMETER = "[red]hot\\"
CUSTOMER, CUSTOMER2 = "CU[/]1", "CU2"
CUSTOMER_NAME, CUSTOMER2_NAME = "[b]Shop", "Shop \\[1] :cat:"
CONTACT, CONTACT2 = "qa[at]x.de", "a\\[b]c"
SHIPMENT, SHIPMENT2 = "SH[/]1", "SH2"
DOCUMENT, DOCUMENT2 = "[/]D", "DN\\"
INSPECTION, TEST, VALUE = "IN[/]1", "[b]moisture", "[i]12"
ALARM, CALIBRATION = "[blink]overheat", "ok[/]"

PLANT: dict[str, list[list[str]]] = {
    "materials.csv": [["material_id", "name"], [MATERIAL, "Dough [i]x"]],
    "suppliers.csv": [["supplier_id", "name"], [SUPPLIER, "[i]Mill"]],
    "locations.csv": [["location_id", "name"], [LOCATION, "[i]Hall"]],
    "devices.csv": [["device_id", "name"], [DEVICE, "[b]Mixer"], [DEVICE2, "Oven\\"]],
    "operators.csv": [["operator_id", "name"], [OPERATOR, "[u]Ann"]],
    "customers.csv": [
        ["customer_id", "name", "contact"],
        [CUSTOMER, CUSTOMER_NAME, CONTACT],
        [CUSTOMER2, CUSTOMER2_NAME, CONTACT2],
    ],
    "lots.csv": [
        [
            "lot_id",
            "material_id",
            "quantity",
            "uom",
            "supplier_id",
            "supplier_lot",
            "received_at",
            "location_id",
            "status",
        ],
        [RAW, MATERIAL, "100", "kg", SUPPLIER, SUPPLIER_LOT, "2026-11-01T08:00:00+00:00", "", ""],
        [RAW2, MATERIAL, "100", "kg", SUPPLIER, SUPPLIER_LOT2, "2026-11-01T09:00:00+00:00", "", ""],
        [LOT, MATERIAL, "50", "kg", "", "", "", "", "hold"],
        [LEFT, MATERIAL, "50", "kg", "", "", "", LOCATION, ""],
        [ENDS, MATERIAL, "100", "kg", "", "", "", "", ""],
    ],
    "steps.csv": [
        ["step_id", "operation", "started_at", "ended_at", "device_id", "operator_id", "note"],
        [
            STEP,
            OPERATION,
            "2026-11-03T08:00:00+00:00",
            "2026-11-03T09:00:00+00:00",
            DEVICE,
            OPERATOR,
            PARAMETER,
        ],
        [
            STEP2,
            "bake",
            "2026-11-03T10:00:00+00:00",
            "2026-11-03T11:00:00+00:00",
            DEVICE2,
            OPERATOR,
            "",
        ],
    ],
    "step_inputs.csv": [
        ["step_id", "lot_id", "quantity", "uom"],
        [STEP, RAW, "100", "kg"],
        [STEP2, RAW2, "100", "kg"],
    ],
    "step_outputs.csv": [
        ["step_id", "lot_id", "quantity", "uom"],
        [STEP, LOT, "50", "kg"],
        [STEP, LEFT, "50", "kg"],
        [STEP2, ENDS, "100", "kg"],
    ],
    "inspections.csv": [
        ["inspection_id", "test", "result", "inspected_at", "lot_id", "value", "unit"],
        [INSPECTION, TEST, "fail", "2026-11-03T09:30:00+00:00", LOT, VALUE, "%"],
    ],
    "device_events.csv": [
        ["device_id", "event", "at", "result"],
        [DEVICE, "calibration", "2026-10-01T06:00:00+00:00", CALIBRATION],
        [DEVICE, "alarm", "2026-11-03T08:30:00+00:00", ALARM],
    ],
    "shipments.csv": [
        ["shipment_id", "customer_id", "shipped_at", "reference_doc", "from_location_id"],
        [SHIPMENT, CUSTOMER, "2026-11-04T08:00:00+00:00", DOCUMENT, LOCATION],
        [SHIPMENT2, CUSTOMER2, "2026-11-04T09:00:00+00:00", DOCUMENT2, LOCATION],
    ],
    "shipment_lines.csv": [
        ["shipment_id", "lot_id", "quantity", "uom"],
        [SHIPMENT, LOT, "20", "kg"],
        [SHIPMENT2, LOT, "30", "kg"],
    ],
}


@pytest.fixture
def markup_plant(graph: TraceGraph, tmp_path: Path) -> TraceGraph:
    folder = tmp_path / "plant"
    folder.mkdir()
    for name, rows in PLANT.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as file:
            csv.writer(file).writerows(rows)
    assert import_paths(graph, [folder]).rejects == []
    return graph


def _shown(runner: CliRunner, args: list[str], *values: str, code: int = 0) -> Result:
    """Runs a table command on a terminal wide enough for every cell on one line, and checks
    that each value is in its output as it is in the data."""
    result = runner.invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == code, result.output
    missing = [value for value in values if not _holds(result.stdout, value)]
    assert not missing, f"{args}: {missing} not in\n{result.stdout}"
    return result


def _holds(output: str, value: str) -> bool:
    """Whether the output shows the value; `END\\` shown as `END\\\\` does not."""
    return value in output and not (value.endswith("\\") and value + "\\" in output)


WINDOW = ["--from", "2026-11-03T07:00:00+00:00", "--to", "2026-11-03T12:00:00+00:00"]


def test_trace_commands_show_the_plants_text_as_it_is(
    markup_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    forward = (
        LOT,
        LEFT,
        MATERIAL,
        STEP,
        OPERATION,
        CUSTOMER,
        CUSTOMER_NAME,
        CONTACT,
        CUSTOMER2_NAME,
        CONTACT2,
        SHIPMENT,
        DOCUMENT,
        DOCUMENT2,
        LOCATION,
    )
    _shown(runner, ["trace", "forward", RAW], RAW, *forward)
    _shown(runner, ["trace", "forward", RAW2], RAW2, ENDS)
    _shown(
        runner,
        ["trace", "backward", LOT],
        LOT,
        RAW,
        MATERIAL,
        SUPPLIER,
        SUPPLIER_LOT,
        STEP,
        OPERATION,
        DEVICE,
        OPERATOR,
        PARAMETER,
        CALIBRATION,
        ALARM,
        INSPECTION,
        TEST,
        VALUE,
    )
    _shown(runner, ["trace", "backward", ENDS], ENDS, RAW2, SUPPLIER_LOT2, STEP2)
    _shown(
        runner,
        ["trace", "device", DEVICE, *WINDOW],
        DEVICE,
        STEP,
        OPERATION,
        OPERATOR,
        PARAMETER,
        LOT,
        LEFT,
        CALIBRATION,
        ALARM,
        *forward,
    )
    _shown(
        runner,
        ["trace", "operator", OPERATOR, *WINDOW],
        OPERATOR,
        STEP,
        STEP2,
        DEVICE,
        ENDS,
        *forward,
    )
    _shown(
        runner,
        [
            "trace",
            "supplier",
            SUPPLIER,
            "--from",
            "2026-11-01T00:00:00+00:00",
            "--to",
            "2026-11-02T00:00:00+00:00",
        ],
        SUPPLIER,
        RAW,
        RAW2,
        SUPPLIER_LOT,
        SUPPLIER_LOT2,
        ENDS,
        *forward,
    )


def test_lot_recall_rootcause_and_check_show_the_plants_text_as_it_is(
    markup_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    _shown(
        runner,
        ["lot", "show", LOT],
        LOT,
        f"{LOT} · {MATERIAL} Dough [i]x",
        STEP,
        OPERATION,
        INSPECTION,
        TEST,
        SHIPMENT,
        CUSTOMER,
        CUSTOMER_NAME,
        DOCUMENT,
        DOCUMENT2,
    )
    _shown(runner, ["lot", "show", RAW2], RAW2, SUPPLIER, SUPPLIER_LOT2, STEP2)
    drill = _shown(
        runner,
        ["recall", LOT, "--out", str(tmp_path / "d"), "--drill"],
        CUSTOMER,
        CUSTOMER_NAME,
        CONTACT,
        CUSTOMER2_NAME,
        CONTACT2,
        str(tmp_path / "d"),
    )
    recall_id = next(word for word in drill.stdout.split() if word.startswith("DRILL-"))
    assert LOT in recall_id, drill.stdout
    _shown(runner, ["recall", "history"], recall_id.rstrip(":"))
    _shown(
        runner,
        ["rootcause", LOT, "--controls", ENDS],
        ALARM,
        DEVICE,
        OPERATION,
        RAW,
        OPERATOR,
        SUPPLIER,
    )
    # LOT is on hold and shipped: a finding naming it and its shipments
    _shown(runner, ["check"], LOT, SHIPMENT, code=1)


@pytest.mark.parametrize(
    "value",
    [
        "MK[red]1",
        "[/]D",
        "qa[at]x",
        "[link=x]",
        "a\\[b]c",
        "a\\\\[b]",
        "\\[1",
        "x\\[1",
        "x\\\\[1",
        "[1",
        "x[",
        "[b",
        "C:\\",
        "C:\\\\",
        "C:\\\\\\",
        "\\",
        "a\\b",
        ":cat:",
        "",
    ],
)
def test_literal_is_its_text_before_and_after_markup(value: str) -> None:
    for markup, shown in (
        (literal(value), value),
        (f"[b]{literal(value)}[/]", value),
        (f"{literal(value)}[dim]x[/]", value + "x"),
    ):
        assert render(markup, emoji=False).plain == shown, markup


def test_an_imports_changed_rows_are_shown_as_they_are(
    markup_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "changed"
    folder.mkdir()
    contact = "new\\"  # rich.markup.escape made it `new\\` in a cell of its own
    customers = [["customer_id", "name", "contact"], [CUSTOMER, CUSTOMER_NAME, contact]]
    with (folder / "customers.csv").open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(customers)
    _shown(runner, ["import", str(folder)])
    listed = runner.invoke(app, ["imports", "--format", "json"])
    run_id = json.loads(listed.stdout)["imports"][0]["run_id"]
    _shown(runner, ["imports", run_id], run_id, CUSTOMER, CONTACT, contact)


# An ESC that clears the screen, an OSC 52 that sets the analyst's clipboard (ended by a BEL),
# a C1 CSI that turns the text red, a DEL and a line break: text a plant's export may hold.
CONTROLS = "\x1b[2J\x1b]52;c;cHduZWQ=\x07\x9b31m\x7f\nend"
CONTROLS_SHOWN = "\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07\\x9b31m\\x7f\\nend"
_RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _with_controls(name: str, rows: list[list[str]]) -> list[list[str]]:
    """PLANT's file with CONTROLS after every free text (names, contacts, operations, tests,
    notes, process parameters, results): ids with a control character are rejected."""
    table = TABLES[name.removesuffix(".csv")]
    text = {
        i
        for i, column in enumerate(rows[0])
        if (found := table.column(column)) is None or (found.kind is Kind.TEXT and column != "kind")
    }
    return [rows[0]] + [
        [cell + CONTROLS if i in text and cell else cell for i, cell in enumerate(row)]
        for row in rows[1:]
    ]


def test_control_characters_in_the_plants_text_are_shown_escaped(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A customer's name holding ESC[2J and an OSC 52 sequence reached the analyst's terminal
    as it is (`trace forward` cleared the screen and set the clipboard); ids with control
    characters are rejected and errors show them as `\\x1b`, but names, contacts, notes, process
    parameters, tests and results in the tables of trace, lot show, recall, rootcause and check
    were printed raw. They are written out as `\\x1b` now; JSON keeps the value as it is."""
    folder = tmp_path / "plant"
    folder.mkdir()
    for name, rows in PLANT.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as file:
            csv.writer(file).writerows(_with_controls(name, rows))
    assert import_paths(graph, [folder]).rejects == []
    commands = [
        ["trace", "forward", RAW],
        ["trace", "backward", LOT],
        ["trace", "device", DEVICE, *WINDOW],
        ["trace", "operator", OPERATOR, *WINDOW],
        ["lot", "show", LOT],
        ["lot", "show", RAW2],
        ["recall", LOT, "--out", str(tmp_path / "d"), "--drill"],
        ["rootcause", LOT, "--controls", ENDS],
        ["check"],
    ]
    for args in commands:
        result = runner.invoke(app, args, env={"COLUMNS": "400"})
        assert result.exit_code in (0, 1), (args, result.output)
        assert not _RAW_CONTROL.search(result.stdout), (args, result.stdout)
        assert not _RAW_CONTROL.search(result.stderr), (args, result.stderr)
        assert CONTROLS_SHOWN in result.stdout or args[0] == "check", (args, result.stdout)
    shown = runner.invoke(app, ["lot", "show", LOT, "--format", "json"])
    assert CUSTOMER_NAME + CONTROLS in _strings(json.loads(shown.stdout)), shown.stdout


def _strings(value: Any) -> set[str]:
    """Every text in a JSON answer."""
    if isinstance(value, dict):
        return set().union(*map(_strings, value.values()))
    if isinstance(value, list):
        return set().union(*map(_strings, value))
    return {value} if isinstance(value, str) else set()


@pytest.mark.parametrize("value", ["\x1b[2J", "a\x9b1m", "\x7f", "x\ny\tz\r", "é\x00"])
def test_literal_writes_control_characters_out(value: str) -> None:
    """literal() passed ESC, C1 and DEL to the terminal as they were (see above)."""
    shown = render(f"[b]{literal(value)}[/]", emoji=False).plain
    assert shown == repr(value)[1:-1] and not _RAW_CONTROL.search(shown)
