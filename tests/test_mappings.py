"""Mappings for real export shapes: the bundled SAP-like and GBK MES samples, and bad input."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.check import run_checks
from tracegraph.cli.main import app
from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph
from tracegraph.importing.ledger import import_run
from tracegraph.importing.mappings import (
    Mapping,
    _CellProblem,
    _extra,
    _extra_how,
    _moment,
    _number,
    apply_mapping,
    load_mapping,
)
from tracegraph.importing.reader import RawTable, StoredValue, read_table
from tracegraph.importing.run import check_paths
from tracegraph.importing.tables import Column, Kind, Table
from tracegraph.importing.validate import PlainText

ROOT = Path(__file__).resolve().parent.parent
SAP = ROOT / "importers" / "sap"
MES = ROOT / "importers" / "mes_gbk"


def _one(graph: TraceGraph, query: str, **params: Any) -> dict[str, Any]:
    records, _, _ = graph.driver.execute_query(query, params, database_=graph.database)
    assert len(records) == 1, records
    return records[0].data()


def test_readme_mapping_commands_load_both_samples_as_one_graph(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    sap = runner.invoke(app, ["import", "importers/sap", "--mapping", "importers/sap/mapping.toml"])
    assert sap.exit_code == 0, sap.stderr
    assert "+ 0 rejected" in sap.stdout.splitlines()[0]
    # The goods movements' transfer posting is no row of any table, and the issue of the wrong
    # batch is taken back by its reversal: both said, neither lost.
    said = " ".join(sap.stdout.split())
    assert ("note: importers/sap/MSEG_movements.csv: 1 row that no [[file]] section's `where` "
            "takes was not imported (AUFNR='' BWART='311' ×1)") in said  # fmt: skip
    assert ("note: importers/sap/MSEG_movements.csv: 1 step_inputs row was added to an "
            'earlier row of the same link (combine = "sum"); 1 link summed to zero was not '
            "written") in said  # fmt: skip
    mes = runner.invoke(
        app, ["import", "importers/mes_gbk", "--mapping", "importers/mes_gbk/mapping.toml"]
    )
    assert mes.exit_code == 0, mes.stderr
    assert "+ 0 rejected" in mes.stdout.splitlines()[0]

    # One physical lot: internal batch R-2024-0815 = supplier lot 000123 of vendor V7.
    lot = _one(
        graph,
        "MATCH (:Identifier {key: 'supplier_lot|V7|000123'})-[:IDENTIFIES]->(l:Lot) "
        "MATCH (l)-[r:SUPPLIED_BY]->(:Supplier {supplier_id: 'V7'}) "
        "RETURN l.lot_id AS lot, l.quantity AS qty, l.uom AS uom, r.supplier_lot AS supplier_lot, "
        "toString(l.created_at) AS created, l.sap_document AS document",
    )
    assert lot == {"lot": "R-2024-0815", "qty": 1250.0, "uom": "kg", "supplier_lot": "000123",
                   "created": "2026-11-02T08:15:00+01:00", "document": "5000001234"}  # fmt: skip
    assert _one(graph, "MATCH (l:Lot {lot_id: 'R-2024-0817'}) RETURN l.quantity AS q") == {
        "q": 25.0  # 25.000 G with a decimal comma: 25,000 g = 25 kg
    }
    # The MES consumed the SAP lot: the two systems' records meet in one chain.
    chain = _one(
        graph,
        "MATCH (:Lot {lot_id: 'R-2024-0815'})-[:INPUT_TO]->(s:ProcessStep)-[:PRODUCED]->"
        "(out:Lot)-[:INPUT_TO]->(bake:ProcessStep)-[:PRODUCED]->(final:Lot) "
        "MATCH (s)-[:ON]->(d:Device) MATCH (s)-[:BY]->(o:Operator) "
        "RETURN s.operation AS op, d.device_id AS device, o.operator_id AS operator, "
        "toString(s.started_at) AS started, out.lot_id AS out, final.lot_id AS final",
    )
    assert chain == {"op": "mix", "device": "搅拌机-1", "operator": "张伟",
                     "started": "2026-11-03T08:15:00+08:00", "out": "B20261103-01",
                     "final": "B20261103-02"}  # fmt: skip
    assert _one(graph, "MATCH (m:Material {material_id: 'M-FLOUR'}) RETURN m.name AS n") == {
        "n": "面粉"
    }
    # SAP's own production: vendor batch 000124 went into process order 000001000200 (a 261
    # issue), which made the delivered batches F-2026-0001/2 (101 receipts from the order).
    forward = runner.invoke(app, ["trace", "forward", "000124", "--format", "json"])
    assert forward.exit_code == 0, forward.stderr
    trace = json.loads(forward.stdout)
    assert sorted(lot["lot_id"] for lot in trace["lots"]) == ["F-2026-0001", "F-2026-0002"]
    # The sample's return delivery carries SAP's trailing minus: 20,000- pieces came back.
    assert _one(
        graph,
        "MATCH (:Lot {lot_id: 'F-2026-0002'})-[r:SHIPPED]->"
        "(:Shipment {shipment_id: '0084000001'}) RETURN r.quantity AS q",
    ) == {"q": -20.0}
    assert [(c["customer_id"], c["name"]) for c in trace["customers"]] == [
        ("C100", "Bäckerei Schmidt"),
        ("C200", "Café Weiß"),
    ]
    # The two systems' clocks agree: SAP received the batches (+01:00) before the MES mixed
    # them (+08:00); the sample had the MES use them hours before they existed.
    found = {r.name: r.findings for r in run_checks(graph).results if r.findings}
    assert "consumed_before_available" not in found, found["consumed_before_available"]


def _import_json(runner: CliRunner, folder: Path, mapping: Path) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["import", str(folder), "--mapping", str(mapping),
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    summary = json.loads(result.stdout)
    for table in summary["tables"].values():
        assert table["read"] == table["written"] + table["rejected"]
    return result.exit_code, summary


def _import_export(
    runner: CliRunner, tmp_path: Path, files: dict[str, str], mapping: str
) -> tuple[int, dict[str, Any]]:
    """Import an export's `files` (name -> text) with the mapping text given."""
    folder = tmp_path / "export"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "mapping.toml").write_text(mapping, encoding="utf-8")
    return _import_json(runner, folder, tmp_path / "mapping.toml")


def _rejects(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    with open(summary["reject_file"], encoding="utf-8-sig", newline="") as f:
        return [(Path(r["file"]).name, r["line"], r["column"], r["reason"])
                for r in csv.DictReader(f)]  # fmt: skip


_OTHER_NOTATION = "not a number written with ',' as the decimal separator"
_NO_LB = "unit 'LB' is not in the mapping's [units]: add LB = { to = \"lb\", factor = 1 }"


@pytest.mark.parametrize(
    ("old", "new", "column", "reason"),
    [
        (
            ";02.11.2026;08:15:00;",
            ";2026-11-02;08:15:00;",
            "BUDAT + CPUTM (created_at)",
            "not a date/time like %d.%m.%Y %H:%M:%S or %d.%m.%Y",
        ),
        (";KG;02.11.2026", ";LB;02.11.2026", "MEINS (quantity)", _NO_LB),
        (";1.250,000;", ";viel;", "MENGE (quantity)", "not a number"),
        # Another notation than the mapping's decimal comma is rejected, not read as 125.
        (";1.250,000;", ";1.25;", "MENGE (quantity)", _OTHER_NOTATION),
        (";1.250,000;", ";0.250;", "MENGE (quantity)", _OTHER_NOTATION),  # not 250
        # spaces group thousands only
        (";1.250,000;", ";1 25,5;", "MENGE (quantity)", _OTHER_NOTATION),
    ],
)
def test_cells_the_mapping_cannot_convert_are_rejected_with_the_source_column(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    old: str, new: str, column: str, reason: str,
) -> None:  # fmt: skip
    folder = tmp_path / "sap"
    shutil.copytree(SAP, folder)
    receipts = folder / "MSEG_movements.csv"
    text = receipts.read_bytes().decode("cp1252")
    assert old in text
    receipts.write_bytes(text.replace(old, new, 1).encode("cp1252"))
    code, summary = _import_json(runner, folder, folder / "mapping.toml")
    assert code == 1
    assert _rejects(summary) == [("MSEG_movements.csv", "2", column, reason)]
    assert summary["tables"]["lots"] == {**summary["tables"]["lots"], "read": 5, "rejected": 1}
    # The file's log line counts the row too (it said 4 read, 0 rejected: a nightly log that
    # disagreed with the summary).
    dry = runner.invoke(app, ["import", str(folder), "--mapping", str(folder / "mapping.toml"),
                              "--dry-run", "--rejects", str(tmp_path / "r.csv")])  # fmt: skip
    assert "MSEG_movements.csv → lots: 5 rows read, 4 would be written, 1 rejected" in dry.stderr
    # Without a terminal (a nightly job's log) each line starts with its local time.
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} MSEG_movements.csv → lots",
                     dry.stderr, re.MULTILINE), dry.stderr  # fmt: skip


def test_a_converted_value_validation_rejects_is_named_by_its_source_column_and_cell(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A receipt of -1.250,000 kg converts to -1250.0, which validation rejects: the reject
    named `quantity` and `-1250.0`, neither of which the export holds. It names the source
    column (and the canonical one it fills) and the cell as written, as a mapping's own
    rejects do."""
    folder = tmp_path / "sap"
    shutil.copytree(SAP, folder)
    receipts = folder / "MSEG_movements.csv"
    text = receipts.read_bytes().decode("cp1252")
    text = text.replace(";1.250,000;", ";-1.250,000;", 1).replace(";R-2024-0816;", ";R-2024\t0816;")
    receipts.write_bytes(text.encode("cp1252"))
    code, summary = _import_json(runner, folder, folder / "mapping.toml")
    assert code == 1
    with open(summary["reject_file"], encoding="utf-8-sig", newline="") as f:
        rejects = [(r["line"], r["column"], r["value"], r["reason"]) for r in csv.DictReader(f)]
    control = "an identifier with a control character in it (a line break, a tab)"
    assert rejects == [
        ("2", "MENGE (quantity)", "-1.250,000", "a quantity cannot be negative here"),
        # its receipt (lots) and its issue to an order (step_inputs)
        *[(line, "CHARG (lot_id)", "R-2024\t0816", control) for line in ("3", "5")],
    ]


def test_a_bad_mapping_file_is_one_line_and_exit_2(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[[file]]\nmatch = "*.csv"\ntable = "widgets"\n')
    result = runner.invoke(app, ["import", str(SAP), "--mapping", str(mapping)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"error: mapping {mapping}: [[file]] 1 names unknown table 'widgets' (hint: known "
        "tables: customers, device_events, devices, inspections, locations, lot_identifiers, lots, "
        "materials, operators, shipment_lines, shipments, step_inputs, step_outputs, steps, "
        "suppliers)"
    )


def test_an_unknown_encoding_is_one_line_before_any_file_is_read(
    runner: CliRunner, tmp_path: Path
) -> None:
    """`--encoding nonsense` rejected every file "cannot decode as nonsense", exit 1."""
    given = runner.invoke(app, ["import", str(SAP), "--mapping", "sap", "--encoding", "latin-9x",
                                "--dry-run", "--rejects", str(tmp_path / "r.csv")])  # fmt: skip
    assert (given.exit_code, given.stdout) == (2, "")
    assert given.stderr.strip() == (
        "error: unknown encoding 'latin-9x' (hint: use a Python codec name such as utf-8, "
        "gb18030, cp1252 or utf-16, or leave --encoding out to detect it)"
    )
    mapping = tmp_path / "m.toml"
    mapping.write_text((SAP / "mapping.toml").read_text(encoding="utf-8").replace(
        'encoding = "cp1252"', 'encoding = "windows-1252x"'), encoding="utf-8")  # fmt: skip
    named = runner.invoke(app, ["import", str(SAP), "--mapping", str(mapping), "--dry-run",
                                "--rejects", str(tmp_path / "r.csv")])  # fmt: skip
    assert (named.exit_code, named.stdout) == (2, "")
    assert "unknown `encoding` 'windows-1252x'" in named.stderr
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize(
    ("decimal", "text", "number"),
    [
        (",", "1.250,5", 1250.5), (",", "-1.250,5", -1250.5), (",", "1.250.000", 1250000.0),
        (",", "0,250", 0.25), (",", ",5", 0.5), (",", "1 250,5", 1250.5),
        (",", "1\u00a0250,5", 1250.5), (",", "5,000-", -5.0), (",", "1.250,5-", -1250.5),
        (",", "1.234", 1234.0),  # SAP's German format: '.' groups thousands alone too
        (",", "0.250", None), (",", "1.25", None), (",", "1.2500", None), (",", "12.34.567", None),
        (",", "1 2 3", None), (",", "1_000", None), (",", "-", None), (",", "-5,0-", None),
        (".", "1250.5", 1250.5), (".", "1 250.5", 1250.5), (".", "5.000-", -5.0),
        (".", "5,000", None), (".", "0,25", None), (".", "1.250,5", None),
    ],
)  # fmt: skip
def test_numbers_in_text_follow_the_mappings_notation_or_are_rejected(
    decimal: str, text: str, number: float | None
) -> None:
    mapping = Mapping(path=Path("m.toml"), decimal=decimal)
    if number is None:
        with pytest.raises(_CellProblem):
            _number(mapping, "MENGE", text)
    else:
        assert _number(mapping, "MENGE", text) == number
    # A cell the spreadsheet stored as a number is that number, whatever the notation.
    assert _number(mapping, "MENGE", StoredValue("1250.5")) == 1250.5


def test_only_extra_text_cells_get_the_decimal_comma_reading() -> None:
    comma = Mapping(path=Path("m.toml"), decimal=",")

    def kept(mapping: Mapping, name: str, how: Any, value: str) -> str:
        return _extra(_extra_how(mapping, name, how), value)

    assert kept(comma, "x_temp", "TEMP", " 180,5 ") == "180.5"
    assert isinstance(kept(comma, "x_code", "CODE", "1.250"), PlainText)  # not 1.25
    # A cell stored as a number, a converted amount, a constant: already what they mean.
    assert type(kept(comma, "x_temp", "TEMP", StoredValue("180.5"))) is StoredValue
    assert type(kept(comma, "x_net", {"column": "N", "unit": "U"}, "980.5")) is str
    assert type(kept(comma, "x_k", {"value": "1.5"}, "1.5")) is str
    assert kept(comma, "note", "TEXT", "1.250") == "1.250"  # not an extra column
    # An inspection's value (QALS MESSWERT) as an extra's: 98,8 stayed "98,8", no number.
    assert _extra(_extra_how(comma, "value", "MESSWERT", Kind.MEASURE), "98,8") == "98.8"
    assert _extra(_extra_how(comma, "value", "MESSWERT", Kind.MEASURE), "pass") == "pass"
    point = Mapping(path=Path("m.toml"))
    assert type(kept(point, "x_code", "CODE", "1.250")) is str


def test_a_list_of_date_formats_is_tried_in_order() -> None:
    forms = ["%d.%m.%Y", "%m.%d.%Y"]  # 03.11.2026 matches both: the first one wins
    assert _moment("BUDAT", "03.11.2026", forms) == datetime(2026, 11, 3)
    assert _moment("BUDAT", "11.13.2026", forms) == datetime(2026, 11, 13)
    with pytest.raises(_CellProblem) as problem:
        _moment("BUDAT", "2026-11-03", forms)
    assert problem.value.reason == "not a date/time like %d.%m.%Y or %m.%d.%Y"


@pytest.mark.parametrize("form", ["5", "[]", '""', '[""]', '["%d.%m.%Y", 3]'])
def test_a_date_format_that_is_not_one_is_a_mapping_error(tmp_path: Path, form: str) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(f'[[file]]\nmatch = "*.csv"\ntable = "lots"\n[file.columns]\n'
                       f'created_at = {{ column = "BUDAT", format = {form} }}\n')  # fmt: skip
    with pytest.raises(ConfigurationError) as caught:
        load_mapping(mapping)
    assert caught.value.message == (
        f"mapping {mapping}: [[file]] 1 (lots), column 'created_at': `format` is a format or a "
        "list of them"
    )


@pytest.mark.parametrize(
    ("extra_header", "extra_cells", "rejected"),
    [
        (";TEXT;TEXT", ";a;b", 0),  # named twice but not read by the mapping: no concern
        # The quantity twice: which one? Every row of every table that reads it is rejected:
        # 3 vendor receipts and 2 order receipts (lots), 4 issues, the 2 receipts' links.
        (";MENGE", ";1", 11),
    ],
)
def test_a_source_column_named_twice_rejects_the_rows_of_tables_that_read_it(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    extra_header: str, extra_cells: str, rejected: int,
) -> None:  # fmt: skip
    folder = tmp_path / "sap"
    shutil.copytree(SAP, folder)
    receipts = folder / "MSEG_movements.csv"
    lines = receipts.read_bytes().decode("cp1252").splitlines()
    lines = [lines[0] + extra_header] + [line + extra_cells for line in lines[1:]]
    receipts.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    code, summary = _import_json(runner, folder, folder / "mapping.toml")
    assert code == (1 if rejected else 0)
    assert sum(t["rejected"] for t in summary["tables"].values()) == rejected
    if rejected:
        reason = "column 'MENGE' appears twice in the header"
        assert {r[2:] for r in _rejects(summary)} == {("MENGE", reason)}
        # The transfer posting (line 9), which no section takes, is no reject.
        assert sorted(int(r[1]) for r in _rejects(summary)) == [2, 3, 4, 5, 6, 7, 7, 8, 8, 10, 11]


def test_sap_numbers_with_trailing_minus_and_grouped_thousands(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A returned quantity is SAP's `5,000-`; thousands may be grouped by '.' or spaces."""
    folder = tmp_path / "sap"
    shutil.copytree(SAP, folder)
    with (folder / "LIKP_deliveries.csv").open("a", encoding="cp1252") as deliveries:
        deliveries.write("0080001003;C200;07.11.2026;;;;F-2026-0001;5,000-;ST\n")
        deliveries.write("0080001004;C300;07.11.2026;;;;F-2026-0002;1 200;ST\n")
        deliveries.write("0080001005;C300;07.11.2026;;;;F-2026-0003;1.200,5;ST\n")
    code, summary = _import_json(runner, folder, folder / "mapping.toml")
    assert code == 0, _rejects(summary)
    lines, _, _ = graph.driver.execute_query(
        "MATCH (:Lot)-[r:SHIPPED]->(s:Shipment) "
        "WHERE s.shipment_id IN ['0080001003', '0080001004', '0080001005'] "
        "RETURN s.shipment_id AS shipment, r.quantity AS qty ORDER BY shipment",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in lines] == [
        ("0080001003", -5.0),
        ("0080001004", 1200.0),
        ("0080001005", 1200.5),
    ]


def test_an_exports_files_are_imported_nodes_first_whatever_their_names(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A_consumption.csv (step inputs) names the orders of Z_orders.csv (steps): read in name
    order, every consumption row was rejected for naming a step not yet imported."""
    code, summary = _import_export(runner, tmp_path, {
        "A_consumption.csv": "AUFNR,CHARG,MENGE\n4711,R-1,2.5\n4712,R-2,1\n",
        "Z_orders.csv": "AUFNR,VORGANG,START\n4711,mix,2026-11-03T08:00:00Z\n"
                        "4712,mix,2026-11-03T09:00:00Z\n",
    }, '[[file]]\nmatch = "A_*.csv"\ntable = "step_inputs"\n[file.columns]\n'
       'step_id = "AUFNR"\nlot_id = "CHARG"\nquantity = "MENGE"\nuom = { value = "kg" }\n'
       '[[file]]\nmatch = "Z_*.csv"\ntable = "steps"\n[file.columns]\n'
       'step_id = "AUFNR"\noperation = "VORGANG"\nstarted_at = "START"\n')  # fmt: skip
    assert code == 0, _rejects(summary)
    assert list(summary["tables"]) == ["steps", "step_inputs"]
    inputs, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot)-[r:INPUT_TO]->(s:ProcessStep) RETURN l.lot_id AS lot, s.step_id AS step, "
        "r.quantity AS qty ORDER BY lot",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in inputs] == [("R-1", "4711", 2.5), ("R-2", "4712", 1.0)]


def test_mapped_local_times_of_the_repeated_hour_keep_a_step_in_order(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """SAP writes local times without an offset, the date and the time in two columns: a
    mapped step ending in the second 02:xx of the night the clocks go back ends after it
    starts, as it does from a canonical table."""
    code, summary = _import_export(runner, tmp_path, {
        "AFRU.csv": "AUFNR;ISDD;ISDZ;IEDD;IEDZ\n4711;25.10.2026;02:40:00;25.10.2026;02:10:00\n"
                    "4712;25.10.2026;02:10:00;25.10.2026;02:40:00\n",
    }, 'delimiter = ";"\ntimezone = "Europe/Berlin"\n[[file]]\nmatch = "AFRU.csv"\n'
       'table = "steps"\n[file.columns]\nstep_id = "AUFNR"\noperation = { value = "bake" }\n'
       'started_at = { template = "{ISDD} {ISDZ}", format = "%d.%m.%Y %H:%M:%S" }\n'
       'ended_at = { template = "{IEDD} {IEDZ}", format = "%d.%m.%Y %H:%M:%S" }\n')  # fmt: skip
    assert code == 0, _rejects(summary)
    # the local times the mapping makes are read in its timezone (a choice: no note of them)
    # and 4712's start and end, of the first repeated hour, are counted as read as the first
    assert len(summary["notes"]) == 3 and ": 1 steps row ends in the hour" in summary["notes"][0]
    assert all("showed twice" in n for n in summary["notes"][1:])
    records, _, _ = graph.driver.execute_query(
        "MATCH (s:ProcessStep) RETURN s.step_id AS step, toString(s.started_at) AS started, "
        "toString(s.ended_at) AS ended ORDER BY step",
        database_=graph.database,
    )
    assert [tuple(r.values()) for r in records] == [
        ("4711", "2026-10-25T02:40:00+02:00", "2026-10-25T02:10:00+01:00"),
        ("4712", "2026-10-25T02:10:00+02:00", "2026-10-25T02:40:00+02:00"),
    ]


def test_process_parameters_with_a_decimal_comma_are_numbers(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    code, summary = _import_export(runner, tmp_path, {
        "orders.csv": "AUFNR;START;TEMP;CODE\n4711;2026-11-03T08:00:00Z;180,5;1.250\n",
    }, 'delimiter = ";"\ndecimal = ","\n[[file]]\nmatch = "orders.csv"\ntable = "steps"\n'
       '[file.columns]\nstep_id = "AUFNR"\noperation = { value = "bake" }\n'
       'started_at = "START"\nx_oven_temp_c = "TEMP"\nx_recipe = "CODE"\n')  # fmt: skip
    assert code == 0, _rejects(summary)
    # 180,5 is the number 180.5 (it stayed the text "180,5": `oven_temp_c > 180` missed it);
    # 1.250 stays text (it became 1.25; in this export it is 1250, or a code).
    assert _one(graph, "MATCH (s:ProcessStep) RETURN s.oven_temp_c AS t, s.recipe AS r") == {
        "t": 180.5,
        "r": "1.250",
    }


def test_sap_trailing_minus_and_thousands_dots_are_numbers_under_a_decimal_comma(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """SAP's -18.5 is "18,5-" and 1234.5 "1.234,5": a quantity read both, an inspection's value
    and an extra column kept them as text ("18,5-", which `rootcause --inspections` cannot rank).
    1.234 without a comma stays text in both (a value typed 2.125 by hand was read 2125: a
    number 1000 times off is worse than text — review of leftxlsx); SAP's whole -5, "5-", is a
    number in an inspection's value, text in an extra column (a code?)."""
    code, summary = _import_export(runner, tmp_path, {
        "qals.csv": "PRUEFLOS;ZEIT;MESSWERT;ABW\n"
                    "Q1;2026-11-03T08:00:00Z;18,5-;0,5-\n"
                    "Q2;2026-11-03T09:00:00Z;1.234,5;1.234,5\n"
                    "Q3;2026-11-03T10:00:00Z;1.234;1.234\n"
                    "Q4;2026-11-03T11:00:00Z;zu hoch;-\n"
                    "Q5;2026-11-03T12:00:00Z;5-;5-\n",
    }, 'delimiter = ";"\ndecimal = ","\n[[file]]\nmatch = "qals.csv"\ntable = "inspections"\n'
       '[file.columns]\ninspection_id = "PRUEFLOS"\ntest = { value = "temp" }\n'
       'result = { value = "pass" }\ninspected_at = "ZEIT"\nvalue = "MESSWERT"\n'
       'x_deviation = "ABW"\n')  # fmt: skip
    assert code == 0, _rejects(summary)
    records, _, _ = graph.driver.execute_query(
        "MATCH (i:Inspection) RETURN i.inspection_id AS id, i.value AS v, i.deviation AS d "
        "ORDER BY id", database_=graph.database)  # fmt: skip
    assert [tuple(r.values()) for r in records] == [
        ("Q1", "-18.5", -0.5),
        ("Q2", "1234.5", 1234.5),
        ("Q3", "1.234", "1.234"),
        ("Q4", "zu hoch", "-"),  # no number: text, as before
        ("Q5", "-5", "5-"),
    ]


def _sap_copy(tmp_path: Path, edit: Callable[[str], str]) -> tuple[Path, Path]:
    """The SAP sample folder copied, and its mapping file with `edit` applied to its text."""
    folder = tmp_path / "sap"
    shutil.copytree(SAP, folder)
    mapping = folder / "mapping.toml"
    mapping.write_text(edit(mapping.read_text(encoding="utf-8")), encoding="utf-8")
    return folder, mapping


def test_a_reports_title_lines_above_the_header_are_skipped_and_lines_stay_physical(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    receipts_section = 'match = ["MSEG*.csv", "MSEG*.xlsx"]\n'  # only the receipts have title lines
    folder, mapping = _sap_copy(tmp_path, lambda sections: sections.replace(
        receipts_section, receipts_section + "header_line = 4\n"))  # fmt: skip
    receipts = folder / "MSEG_movements.csv"
    text = receipts.read_bytes().decode("cp1252")
    title = "Materialbelege Werk 1000\nStand: 03.11.2026 22:00\n\n"
    receipts.write_bytes((title + text.replace(";980,5;KG;", ";980,5;LB;")).encode("cp1252"))
    code, summary = _import_json(runner, folder, mapping)
    assert code == 1
    assert summary["tables"]["lots"] == {**summary["tables"]["lots"], "read": 5, "rejected": 1}
    assert _rejects(summary) == [("MSEG_movements.csv", "6", "MEINS (quantity)", _NO_LB)]


def test_a_header_line_past_the_end_of_the_file_is_said(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    folder, mapping = _sap_copy(tmp_path, lambda sections: "header_line = 40\n" + sections)
    code, summary = _import_json(runner, folder, mapping)
    assert code == 1
    reason = (f"{folder / 'MSEG_movements.csv'}: has no line 40 to read the column names from "
              "(hint: check the mapping's header_line)")  # fmt: skip
    assert ("MSEG_movements.csv", "0", "", reason) in _rejects(summary)


def _typed_receipts(path: Path) -> None:
    """MSEG receipts saved by Excel: MENGE and BUDAT (and CPUTM) stored as numbers, dates and
    times in rows 2 and 4, as German text in row 3, a cover sheet first and a notes sheet after
    the data."""
    import openpyxl

    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"  # empty: skipped
    data = book.create_sheet("Daten")
    data.append(["MBLNR", "BWART", "MATNR", "CHARG", "LICHA", "LIFNR", "AUFNR", "WERKS",
                 "LGORT", "MENGE", "MEINS", "BUDAT", "CPUTM", "VFDAT", "INSMK"])  # fmt: skip
    receipt = ["101", "000000000000100042"]
    data.append(["5000001234", *receipt, "R-2024-0815", "000123", "V7", None, "1000", "0001",
                 1250.5, "KG", datetime(2026, 11, 3, 8, 15), None])  # fmt: skip
    data.append(["5000001235", *receipt, "R-2024-0816", "000124", "V7", None, "1000", "0001",
                 0.25, "G", "04.11.2026", None])  # fmt: skip
    data.append(["5000001236", *receipt, "R-2024-0817", "000125", "V7", None, "1000", "0001",
                 "1.250,5", "KG", datetime(2026, 11, 4), time(6, 30)])  # fmt: skip
    book.create_sheet("Hinweise").append(["exported from SAP by a report"])
    book.save(path)


def test_xlsx_cells_stored_as_numbers_and_dates_ignore_the_decimal_comma_and_date_format(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "sap"
    folder.mkdir()
    _typed_receipts(folder / "MSEG_movements.xlsx")
    mapping = tmp_path / "mapping.toml"
    text = (SAP / "mapping.toml").read_text(encoding="utf-8")
    mapping.write_text(text.replace('match = "MSEG*.csv"', 'match = "MSEG*.xlsx"'), "utf-8")
    code, summary = _import_json(runner, folder, mapping)
    assert code == 0, _rejects(summary)
    lots, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot) RETURN l.lot_id AS lot, l.quantity AS qty, l.uom AS uom, "
        "toString(l.created_at) AS created ORDER BY lot",
        database_=graph.database,
    )
    assert [r.data() for r in lots] == [
        # 1250.5 stored as a number: under the decimal comma it was read as 12,505 kg.
        {"lot": "R-2024-0815", "qty": 1250.5, "uom": "kg", "created": "2026-11-03T08:15:00+01:00"},
        # 0.25 g stored as a number (it was 25 g, 0.025 kg).
        {"lot": "R-2024-0816", "qty": 0.00025, "uom": "kg", "created": "2026-11-04T00:00:00+01:00"},
        # A date cell and a time cell (BUDAT and CPUTM) make one moment.
        {"lot": "R-2024-0817", "qty": 1250.5, "uom": "kg", "created": "2026-11-04T06:30:00+01:00"},
    ]
    assert summary["notes"][0] == (
        f"{folder / 'MSEG_movements.xlsx'}: sheets with data not read: 'Hinweise' (a [[file]] "
        "section reads the sheet its `sheet` names, else the one named like the file, else the "
        "first with data)"
    )


_MOVEMENTS = "BELEG,ART,CHARGE,AUFTRAG,MENGE\n1,101,R-1,,5\n2,261,R-1,4711,2\n3,999,R-1,,1\n"
_ORDERS = "AUFTRAG,START\n4711,2026-11-03T08:00:00Z\n"
_BY_TYPE = (
    '[[file]]\nmatch = "orders.csv"\ntable = "steps"\n[file.columns]\nstep_id = "AUFTRAG"\n'
    'operation = { value = "mix" }\nstarted_at = "START"\n'
    '[[file]]\nmatch = "moves.csv"\ntable = "lots"\nwhere = { ART = "101", AUFTRAG = "" }\n'
    '[file.columns]\nlot_id = "CHARGE"\nmaterial_id = { value = "FLOUR" }\nquantity = "MENGE"\n'
    '[[file]]\nmatch = "moves.csv"\ntable = "step_inputs"\n'
    'where = { ART = ["261", "262"], AUFTRAG = { not = "" } }\n[file.columns]\n'
    'step_id = "AUFTRAG"\nlot_id = "CHARGE"\nquantity = "MENGE"\nuom = { value = "kg" }\n'
)


def test_where_gives_each_table_its_own_rows_and_the_rest_are_counted_in_a_note(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """One file of mixed movements: receipts are lots, issues are step inputs — and the issues
    come after the orders file's steps although `moves` sorts before `orders`."""
    code, summary = _import_export(
        runner, tmp_path, {"moves.csv": _MOVEMENTS, "orders.csv": _ORDERS}, _BY_TYPE
    )
    assert code == 0, _rejects(summary)
    assert {t: (c["read"], c["written"]) for t, c in summary["tables"].items()} == {
        "lots": (1, 1), "steps": (1, 1), "step_inputs": (1, 1)
    }  # fmt: skip
    note = (f"{tmp_path / 'export' / 'moves.csv'}: 1 row that no [[file]] section's `where` "
            "takes was not imported (ART='999' AUFTRAG='' ×1)")  # fmt: skip
    assert summary["notes"] == [
        note,
        "1 material named by references but given no row of its "
        "own was created: FLOUR (a typo in a reference makes one)",
    ]
    # The ledger keeps the notes, for the nightly run nobody watched.
    assert import_run(graph, summary["run_id"])["notes"] == summary["notes"]
    shown = runner.invoke(app, ["imports", summary["run_id"]])
    assert f"note: {note}" in " ".join(shown.stdout.split()), shown.stderr
    assert _one(graph, "MATCH (l:Lot)-[r:INPUT_TO]->(s:ProcessStep) "
                "RETURN l.quantity AS lot, r.quantity AS used, s.step_id AS step") == {
        "lot": 5.0, "used": 2.0, "step": "4711"
    }  # fmt: skip


def test_a_where_column_the_file_lacks_rejects_the_sections_rows(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Without the column, which rows are meant cannot be told: not taken as empty cells."""
    moves = _MOVEMENTS.replace("AUFTRAG", "ORDER")
    code, summary = _import_export(
        runner, tmp_path, {"moves.csv": moves, "orders.csv": _ORDERS}, _BY_TYPE
    )
    assert code == 1
    reason = "column 'AUFTRAG' (read by `where`) is not in the header"
    assert _rejects(summary) == [("moves.csv", str(n), "AUFTRAG", reason) for n in (2, 3, 4)] * 2
    assert summary["tables"]["lots"]["rejected"] == summary["tables"]["step_inputs"]["rejected"]


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ('where = "261"', "[[file]] 1: `where` is"),
        ("where = { BWART = [] }", "[[file]] 1: `where` is"),
        ('where = { BWART = { nicht = "261" } }', "[[file]] 1: `where` is"),
        ("where = { BWART = true }", "[[file]] 1: `where` is"),
        ('wehre = { BWART = "261" }', "[[file]] 1: unknown key 'wehre'"),
        ('combine = "sum"', "[[file]] 1: `combine = \"sum\"` is for the tables"),
        ('combine = "add"', "[[file]] 1: `combine` is \"sum\" (or left out), not 'add'"),
        ('[file.columns]\nlot_id = { column = "C", negate = { S = "S" } }',
         "[[file]] 1 (lots), column 'lot_id': `negate` is for a number read from a column"),
        ('[file.columns]\nquantity = { column = "M", negate = "S" }',
         "[[file]] 1 (lots), column 'quantity': `negate` is {"),
        # every column problem names its section: a mapping has a `quantity` in many
        ('[file.columns]\nquantity = { column = "M", uom = "ME" }',
         "[[file]] 1 (lots), column 'quantity': unknown key 'uom'"),
        # shapes TOML allows but a mapping is not: an error line, not a traceback
        ('columns = "x"', "[[file]] 1: `[file.columns]` is a table of columns"),
        ("[file.columns]\nlot_id = 3",
         "[[file]] 1 (lots), column 'lot_id': a source column's name or {"),
    ],
)  # fmt: skip
def test_a_where_combine_or_negate_that_is_not_one_is_a_mapping_error(
    tmp_path: Path, section: str, problem: str
) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(f'[[file]]\nmatch = "*.csv"\ntable = "lots"\n{section}\n')
    with pytest.raises(ConfigurationError) as caught:
        load_mapping(mapping)
    assert caught.value.message.startswith(f"mapping {mapping}: {problem}")


def test_a_bundled_mapping_is_found_by_its_name(tmp_path: Path) -> None:
    assert load_mapping(Path("sap")).path == SAP / "mapping.toml"
    with pytest.raises(ConfigurationError) as caught:
        load_mapping(tmp_path / "nope.toml")
    assert caught.value.hint == "give a mapping file, or a bundled mapping: mes_gbk, sap"


def test_a_sections_match_ignores_case_as_the_suffix_does() -> None:
    sap = load_mapping(SAP / "mapping.toml")
    assert [r.table for r in sap.rules_for(Path("mseg_movements.CSV"))] == [
        r.table for r in sap.rules_for(Path("MSEG_movements.csv"))
    ]
    assert sap.rules_for(Path("mseg_movements.CSV"))
    assert not sap.rules_for(Path("MSEGX.txt"))


def test_a_where_column_missing_rejects_each_row_once_per_table(
    neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """The SAP mapping has two lots sections (receipts from vendors and from orders): without
    AUFNR each movement is one reject of `lots`, not two."""
    folder, _ = _sap_copy(tmp_path, lambda sections: sections)
    movements = folder / "MSEG_movements.csv"
    movements.write_bytes(movements.read_bytes().replace(b";AUFNR;", b";ORDER;", 1))
    summary = check_paths([folder], mapping=load_mapping(folder / "mapping.toml"),
                          reject_file=tmp_path / "r.csv")  # fmt: skip
    rows = len(movements.read_bytes().splitlines()) - 1
    for table in ("lots", "step_outputs"):  # step_inputs' where does not read AUFNR
        assert summary.table_counts()[table]["read"] == rows
        assert summary.table_counts()[table]["rejected"] == rows
    assert summary.table_counts()["step_inputs"]["read"] == 4  # its `where` reads BWART only


def test_under_a_mapping_a_row_with_more_cells_than_the_header_is_rejected(
    neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """It was imported with the extra cell dropped; a canonical import rejects it."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "moves.csv").write_text(_MOVEMENTS + "4,101,R-2,,5,surplus\n", encoding="utf-8")
    (folder / "orders.csv").write_text(_ORDERS, encoding="utf-8")
    (tmp_path / "m.toml").write_text(_BY_TYPE, encoding="utf-8")
    summary = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml"),
                          reject_file=tmp_path / "r.csv")  # fmt: skip
    assert [(r.line, r.value, r.reason) for r in summary.rejects] == [
        (5, "surplus", "the row has more cells than the header has columns")
    ]
    assert summary.table_counts()["lots"] == {**summary.table_counts()["lots"], "read": 2,
                                              "written": 1, "rejected": 1}  # fmt: skip


def test_two_sections_that_take_one_row_for_one_table_must_agree(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "moves.csv").write_text(_MOVEMENTS, encoding="utf-8")
    also = _BY_TYPE + (
        '[[file]]\nmatch = "moves.csv"\ntable = "lots"\nwhere = { ART = "101" }\n'
        '[file.columns]\nlot_id = "CHARGE"\nmaterial_id = { value = "SALT" }\nquantity = "MENGE"\n'
    )  # a second lots section takes the receipt again, as another material
    (tmp_path / "m.toml").write_text(also, encoding="utf-8")
    summary = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml"),
                          reject_file=tmp_path / "r.csv")  # fmt: skip
    assert [(r.line, r.column, r.reason) for r in summary.rejects] == [
        (2, "material_id", "duplicate lot_id: two [[file]] sections take this row, with "
         "different material_id")
    ]  # fmt: skip


_ISSUES = (
    "AUFTRAG,CHARGE,ART,SOLL_HABEN,MENGE,EINHEIT\n"
    "4711,R-1,261,H,2,KG\n"  # an issue in two parts
    "4711,R-1,261,H,0.5,KG\n"
    "4711,R-2,261,H,3,KG\n"  # the wrong batch, taken back
    "4711,R-2,262,S,3,KG\n"
    "4711,R-3,261,H,1,KG\n"  # another unit than the first part: not added up
    "4711,R-3,261,H,500,G\n"
    "4711,R-4,261,H,0.1,KG\n"  # taken back in full, in decimals no float sums to zero
    "4711,R-4,261,H,0.2,KG\n"
    "4711,R-4,262,S,0.3,KG\n"
)
_SUMMED = (
    '[units]\nKG = { to = "kg", factor = 1 }\nG = { to = "g", factor = 1 }\n'
    '[[file]]\nmatch = "issues.csv"\ntable = "step_inputs"\ncombine = "sum"\n[file.columns]\n'
    'step_id = "AUFTRAG"\nlot_id = "CHARGE"\nuom = { unit = "EINHEIT" }\n'
    'quantity = { column = "MENGE", unit = "EINHEIT", negate = { SOLL_HABEN = "S" } }\n'
)


def test_combine_sums_a_links_parts_and_drops_links_taken_back_in_full(
    neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "issues.csv").write_text(_ISSUES, encoding="utf-8")
    (tmp_path / "m.toml").write_text(_SUMMED, encoding="utf-8")
    summary = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml"),
                          reject_file=tmp_path / "r.csv")  # fmt: skip
    assert [(r.line, r.column, r.value, r.reason) for r in summary.rejects] == [
        (7, "uom", "g", 'another unit than line 6, whose quantity this row would add to '
         '(combine = "sum")')
    ]  # fmt: skip
    # R-1 (2 + 0.5 on line 2) and R-3 (line 6) are written; R-2 cancelled out.
    counts = summary.table_counts()["step_inputs"]
    assert counts == {**counts, "read": 3, "written": 2, "rejected": 1}
    assert (
        f"{folder / 'issues.csv'}: 4 step_inputs rows were added to an earlier row of the same "
        'link (combine = "sum"); 2 links summed to zero were not written'
    ) in summary.notes


def test_summed_quantities_reach_the_graph(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    code, _ = _import_export(runner, tmp_path, {
        "issues.csv": _ISSUES, "orders.csv": _ORDERS,
    }, _SUMMED + '[[file]]\nmatch = "orders.csv"\ntable = "steps"\n[file.columns]\n'
       'step_id = "AUFTRAG"\noperation = { value = "mix" }\nstarted_at = "START"\n')  # fmt: skip
    assert code == 1  # the row in grams
    inputs, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot)-[r:INPUT_TO]->(:ProcessStep) RETURN l.lot_id AS lot, r.quantity AS q "
        "ORDER BY lot", database_=graph.database,
    )  # fmt: skip
    assert [tuple(r.values()) for r in inputs] == [("R-1", 2.5), ("R-3", 1.0)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[file]\nmatch = "*.csv"\ntable = "lots"\n', "the sections are [[file]] tables"),
        ('[[file]]\nmatch = "*.csv"\ntable = ["lots"]\n', "[[file]] 1 names unknown table"),
        ('units = 1\n[[file]]\nmatch = "*.csv"\ntable = "lots"\n', "`[units]` is a table"),
        # given quoted, the factor was said to be missing
        ('[units]\nG = { to = "kg", factor = "0.001" }\n[[file]]\nmatch = "*.csv"\n'
         'table = "lots"\n',
         "unit 'G': `factor` is a number above 0, unquoted (factor = 1000), not '0.001'"),
        ('[units]\nG = { to = "kg", factor = -1 }\n[[file]]\nmatch = "*.csv"\n'
         'table = "lots"\n', "unit 'G': `factor` is a number above 0"),
        ('[units]\nG = "kg"\n[[file]]\nmatch = "*.csv"\ntable = "lots"\n',
         "unit 'G' needs `to` and `factor`"),
        # left out, the factor was 1: 1.2 T read as 1.2 kg
        ('[units]\nT = { to = "kg" }\n[[file]]\nmatch = "*.csv"\ntable = "lots"\n',
         "unit 'T' needs `to` and `factor`, how many `to` one T is"),
        ('[units]\nG = { to = "kgs", factor = 0.001 }\n[[file]]\nmatch = "*.csv"\n'
         'table = "lots"\n',
         "unit 'G': `to` is one of g, gal, kg, l, lb, m, mg, ml, oz, pcs, qt, t, not 'kgs'"),
    ],
)  # fmt: skip
def test_a_mapping_of_the_wrong_shape_is_one_error_line(
    tmp_path: Path, text: str, problem: str
) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(text)
    with pytest.raises(ConfigurationError) as caught:
        load_mapping(mapping)
    assert caught.value.message.startswith(f"mapping {mapping}: {problem}")


def test_a_negate_column_the_file_lacks_rejects_the_rows(tmp_path: Path) -> None:
    """Without SHKZG, which rows are reversals cannot be told: not all taken as issues."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "issues.csv").write_text(_ISSUES.replace("SOLL_HABEN", "SH"), encoding="utf-8")
    (tmp_path / "m.toml").write_text(_SUMMED, encoding="utf-8")
    summary = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml"),
                          reject_file=tmp_path / "r.csv")  # fmt: skip
    assert {r.reason for r in summary.rejects} == {
        "column 'SOLL_HABEN' (read for quantity) is not in the header"
    }
    assert summary.table_counts()["step_inputs"]["written"] == 0


def test_spreadsheet_errors_reject_what_reads_them_and_are_left_out_as_extras(
    tmp_path: Path,
) -> None:
    """A mapped workbook's #N/A: in a helper column (x_) it is no value; where a canonical
    column or `where` reads it, the row is rejected — it was imported as text `#N/A`."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ART", "CHARGE", "MENGE", "HINWEIS"])
    for row in (["101", "R-1", 5, "ok"], ["101", "R-2", 6, "#N/A"], ["101", "R-3", "#REF!", "x"],
                ["#N/A", "R-4", 7, "y"], ["999", "R-5", "#DIV/0!", "z"]):  # fmt: skip
        sheet.append(row)
    book.save(tmp_path / "moves.xlsx")
    (tmp_path / "m.toml").write_text(
        '[[file]]\nmatch = "moves.xlsx"\ntable = "lots"\nwhere = { ART = "101" }\n'
        '[file.columns]\nlot_id = "CHARGE"\nmaterial_id = { value = "FLOUR" }\n'
        'quantity = "MENGE"\nx_hint = "HINWEIS"\n', encoding="utf-8")  # fmt: skip
    mapped = apply_mapping(load_mapping(tmp_path / "m.toml"), read_table(tmp_path / "moves.xlsx"))
    assert [(r.line, r.column, r.value) for _, r in mapped.rejects] == [
        (4, "MENGE", "#REF!"), (5, "ART", "#N/A"),
    ]  # fmt: skip
    ((_, lots),) = mapped.tables
    assert [(cells["lot_id"], cells["hint"]) for _, cells in lots.rows] == [
        ("R-1", "ok"),
        ("R-2", ""),  # R-5 is no receipt: not taken, its error no concern
    ]


def test_a_column_the_file_lacks_rejects_the_rows_that_would_read_it(tmp_path: Path) -> None:
    """An export whose layout changed (LICHA, the supplier's batch, no longer exported): its
    lots would be written without their supplier lot — findable by neither number. Rejected
    for lots; what does not read LICHA is imported."""
    folder = tmp_path / "export"
    folder.mkdir()
    mapping = (SAP / "mapping.toml").read_text(encoding="utf-8")
    movements = (SAP / "MSEG_movements.csv").read_text(encoding="cp1252").splitlines()
    header = movements[0].split(";")
    dropped = header.index("LICHA")
    (folder / "MSEG_movements.csv").write_text(
        "\n".join(";".join(c for i, c in enumerate(line.split(";")) if i != dropped)
                  for line in movements) + "\n", encoding="cp1252")  # fmt: skip
    (tmp_path / "m.toml").write_text(mapping, encoding="utf-8")
    summary = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml"),
                          reject_file=tmp_path / "r.csv")  # fmt: skip
    counts = summary.table_counts()
    # Receipts from vendors read LICHA; receipts from process orders do not, and are written.
    assert counts["lots"]["rejected"] >= 3 and counts["lots"]["written"] == 2
    assert {(r.column, r.reason) for r in summary.rejects} == {
        ("LICHA", "column 'LICHA' (read for supplier_lot) is not in the header")
    }
    assert counts["step_inputs"]["written"] > 0 and counts["step_inputs"]["rejected"] == 0


def test_a_shifted_row_is_rejected_even_where_no_section_would_take_it(tmp_path: Path) -> None:
    """A row with more cells than the header has its cells shifted: BWART may be anything."""
    folder = tmp_path / "export"
    folder.mkdir()
    shifted = _MOVEMENTS + "X,261,R-9,4711,6,extra\n"
    (folder / "moves.csv").write_text(shifted, encoding="utf-8")
    (folder / "orders.csv").write_text(_ORDERS, encoding="utf-8")
    (tmp_path / "m.toml").write_text(_BY_TYPE, encoding="utf-8")
    summary = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml"),
                          reject_file=tmp_path / "r.csv")  # fmt: skip
    assert [(r.line, r.reason) for r in summary.rejects] == [
        (5, "the row has more cells than the header has columns")
    ]
    assert summary.read == summary.written + summary.rejected


def test_a_map_may_keep_the_words_it_does_not_list(tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    section = '[[file]]\nmatch = "*.csv"\ntable = "steps"\n[file.columns]\nstep_id = "ID"\n'
    mapping.write_text(section + 'operation = { column = "OP", map = { "返工" = "rework" }, '
                       'unmapped = "keep" }\n')  # fmt: skip
    rows = [(2, {"ID": "S1", "OP": "返工"}), (3, {"ID": "S2", "OP": "切片"})]
    raw = RawTable(tmp_path / "steps.csv", ("ID", "OP"), rows, "utf-8")
    mapped = apply_mapping(load_mapping(mapping), raw)
    assert [row["operation"] for _, row in mapped.tables[0][1].rows] == ["rework", "切片"]
    assert mapped.rejects == []
    mapping.write_text(section + 'operation = { column = "OP", map = {}, unmapped = "skip" }\n')
    with pytest.raises(ConfigurationError) as caught:
        load_mapping(mapping)
    assert caught.value.message.endswith('column \'operation\': `unmapped` is "reject" or "keep"')


def test_a_missing_column_suggests_the_header_name_or_the_header_line(tmp_path: Path) -> None:
    """`column 'Lieferantenchage' … is not in the header` on every row, with no word that the
    header has `Lieferantencharge`, or that the header is on another line."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Chargen.csv").write_text("Bericht Chargen,,\nCharge,Artikel,Lieferantencharge\n"
                                        "C1,M1,000457\n", encoding="utf-8")  # fmt: skip
    mapping = ('[[file]]\nmatch = "Chargen*.csv"\ntable = "lots"\nheader_line = 2\n'
               '[file.columns]\nlot_id = "Charge"\nmaterial_id = "Artikel"\n'
               'supplier_lot = "Lieferantenchage"\n')  # fmt: skip
    (tmp_path / "m.toml").write_text(mapping, encoding="utf-8")
    typo = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml"),
                       reject_file=tmp_path / "r.csv")  # fmt: skip
    assert [r.reason for r in typo.rejects] == [
        "column 'Lieferantenchage' (read for supplier_lot) is not in the header: did you mean "
        "'Lieferantencharge'?"
    ]
    (tmp_path / "m.toml").write_text(mapping.replace("header_line = 2\n", "")
                                     .replace("Lieferantenchage", "Lieferantencharge"))  # fmt: skip
    off = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml"),
                      reject_file=tmp_path / "r.csv")  # fmt: skip
    assert {r.reason for r in off.rejects} == {
        "column 'Artikel' (read for material_id) is not in the header (nor any column the "
        "section reads: is `header_line` the header's line?)"
    }


_RECEIPTS_DECIMAL_COMMA = (
    "Charge;Material;Menge;ME;Temp\nT1;FLOUR;1.250;kg;180,5\nT2;FLOUR;2,5;kg;1.250\n"
    "T3;FLOUR;12;kg;7\n"
)


@pytest.mark.parametrize(
    ("quantity", "temp"),
    [('"Menge"', '"Temp"'), ('{ column = "Menge" }', '{ column = "Temp" }')],
)
def test_a_number_copied_by_name_follows_the_mappings_decimal_comma(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    quantity: str, temp: str,
) -> None:  # fmt: skip
    """Under `decimal = ","`, `quantity = "Menge"` left the cell to validation, which reads
    canonical notation: 1.250 was stored as 1.25 kg (a thousandth of the 1250 kg received), and
    2,5 was rejected "not a number … (a mapping with decimal = "," reads 2,5…)". `{ column =
    "Menge" }` read 1250.0 and 2.5. Both forms now read the number in the mapping's notation;
    so do both forms of an extra column (`{ column = "Temp" }` left 1.250 to validation, 1.25,
    and 180,5 as the text "180,5")."""
    mapping = (f'delimiter = ";"\ndecimal = ","\n[[file]]\nmatch = "Wareneingang*.csv"\n'
               f'table = "lots"\n[file.columns]\nlot_id = "Charge"\nmaterial_id = "Material"\n'
               f'quantity = {quantity}\nuom = "ME"\nx_temp_c = {temp}\n')  # fmt: skip
    code, summary = _import_export(
        runner, tmp_path, {"Wareneingang.csv": _RECEIPTS_DECIMAL_COMMA}, mapping
    )
    assert (code, summary["tables"]["lots"]["rejected"]) == (0, 0)
    stored, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot) RETURN l.lot_id AS lot, l.quantity AS quantity, l.temp_c AS temp "
        "ORDER BY lot", database_=graph.database
    )  # fmt: skip
    assert [(r["lot"], r["quantity"], r["temp"]) for r in stored] == [
        ("T1", 1250.0, 180.5), ("T2", 2.5, "1.250"), ("T3", 12.0, 7)
    ]  # fmt: skip


def test_units_convert_the_number_as_written_without_float_noise(tmp_path: Path) -> None:
    """0.1543 吨 (factor 1000) was 154.29999999999998 kg and 203200 克 (factor 0.001)
    203.20000000000002 kg: the number was a float before it was multiplied (23 of 240 receipts
    of a Chinese MES export). Multiplied as decimals, as `combine` sums, they are 154.3 and
    203.2."""
    mapping = tmp_path / "m.toml"
    mapping.write_text('[units]\n"吨" = { to = "kg", factor = 1000 }\n"克" = { to = "kg", '
                       'factor = 0.001 }\nLB = { to = "kg", factor = 0.45359237 }\n[[file]]\n'
                       'match = "*.csv"\ntable = "lots"\n[file.columns]\nlot_id = "L"\n'
                       'quantity = { column = "Q", unit = "U", negate = { S = "H" } }\n'
                       'uom = { unit = "U" }\n', encoding="utf-8")  # fmt: skip
    rows = [(2, {"L": "A", "Q": "0.1543", "U": "吨", "S": ""}),
            (3, {"L": "B", "Q": "203200", "U": "克", "S": ""}),
            (4, {"L": "C", "Q": "0.3", "U": "吨", "S": "H"}),
            (5, {"L": "D", "Q": "1", "U": "LB", "S": ""}),
            (6, {"L": "E", "Q": StoredValue("0.1543"), "U": "吨", "S": ""})]  # fmt: skip
    raw = RawTable(tmp_path / "in.csv", ("L", "Q", "U", "S"), rows, "utf-8")
    mapped = apply_mapping(load_mapping(mapping), raw)
    assert [(r["lot_id"], r["quantity"], r["uom"]) for _, r in mapped.tables[0][1].rows] == [
        ("A", "154.3", "kg"), ("B", "203.2", "kg"), ("C", "-300.0", "kg"),
        ("D", "0.45359237", "kg"), ("E", "154.3", "kg"),
    ]  # fmt: skip


def test_a_section_decides_how_it_makes_its_columns_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """How a section makes each column was decided again for every cell: the table's column
    looked up (a walk of its columns), a dict made per number cell, a set per extra cell —
    ~24 % of the CPU time of mapping a 98k-row SAP-shape export. 300 rows of 4 columns looked
    the columns up 1,200 times; now 4, once per section. The rows are as they were."""
    mapping = tmp_path / "m.toml"
    mapping.write_text('decimal = ","\n[[file]]\nmatch = "*.csv"\ntable = "lots"\n'
                       '[file.columns]\nlot_id = "L"\nquantity = "Q"\nuom = { value = "kg" }\n'
                       'x_temp = "T"\n', encoding="utf-8")  # fmt: skip
    rows = [(n, {"L": f"A{n}", "Q": "1.250,5", "T": "180,5"}) for n in range(2, 302)]
    raw = RawTable(tmp_path / "in.csv", ("L", "Q", "T"), rows, "utf-8")
    loaded = load_mapping(mapping)
    looked_up: list[str] = []
    column = Table.column

    def counted(self: Table, name: str) -> Column | None:
        looked_up.append(name)
        return column(self, name)

    monkeypatch.setattr(Table, "column", counted)
    mapped = apply_mapping(loaded, raw)
    assert len(looked_up) == 4
    assert mapped.tables[0][1].rows[0] == (
        2, {"lot_id": "A2", "quantity": "1250.5", "uom": "kg", "temp": "180.5"}
    )  # fmt: skip
    assert len(mapped.tables[0][1].rows) == 300 and not mapped.rejects


def test_a_big_export_keeps_one_copy_of_each_repeated_text(tmp_path: Path) -> None:
    """The memory of a big mapped export: 173k rows of an MES production record were 3.3M cell
    strings read (198 MB, for 383k distinct texts), and each section's made texts (a step's
    times and quantities on each of its rows) were new strings per row, beside a renamed copy
    of each section's rows — ~1.5 GB peak at 200k lots. The reader and the mapping now keep one
    str per distinct text, and the rows are made under the table's names (`x_` taken off)."""
    path = tmp_path / "moves.csv"
    path.write_text("lot,at,qty,unit,temp\n" + "".join(
        f"L{n},2026/01/05 14:00,148.96,t,180\n" for n in range(3)), encoding="utf-8")  # fmt: skip
    mapping = tmp_path / "m.toml"
    mapping.write_text('[units]\n"t" = { to = "kg", factor = 1000 }\n[[file]]\n'
                       'match = "*.csv"\ntable = "lots"\n[file.columns]\nlot_id = "lot"\n'
                       'created_at = { column = "at", format = "%Y/%m/%d %H:%M" }\n'
                       'quantity = { column = "qty", unit = "unit" }\nuom = { unit = "unit" }\n'
                       'x_temp = "temp"\n', encoding="utf-8")  # fmt: skip
    raw = read_table(path)
    (_, first), (_, second), _ = raw.rows
    assert [first[c] is second[c] for c in raw.header] == [False, True, True, True, True]
    (_, made), *_ = apply_mapping(load_mapping(mapping), raw).tables
    (_, first), (_, second), _ = made.rows
    assert made.header == ("lot_id", "created_at", "quantity", "uom", "temp")
    assert first == {"lot_id": "L0", "created_at": "2026-01-05T14:00:00",
                     "quantity": "148960.0", "uom": "kg", "temp": "180"}  # fmt: skip
    assert [first[c] is second[c] for c in made.header] == [False, True, True, True, True]


def test_a_unit_tracegraph_knows_needs_no_units_entry(tmp_path: Path) -> None:
    """Without `[units]`, every row was rejected "unit 'kg' is not in the mapping's [units]",
    although kg is tracegraph's own unit. A known unit is now itself (factor 1); a unit it does
    not know is rejected with the entry to add."""
    mapping = tmp_path / "m.toml"
    mapping.write_text('[[file]]\nmatch = "*.csv"\ntable = "lots"\n[file.columns]\n'
                       'lot_id = "L"\nquantity = { column = "Q", unit = "U" }\n'
                       'uom = { unit = "U" }\n', encoding="utf-8")  # fmt: skip
    rows = [(2, {"L": "A", "Q": "1.5", "U": "kg"}), (3, {"L": "B", "Q": "500", "U": "g"}),
            (4, {"L": "C", "Q": "1", "U": "KG"}), (5, {"L": "D", "Q": "1", "U": "Stk"}),
            (6, {"L": "E", "Q": "1", "U": "千克"})]  # fmt: skip
    raw = RawTable(tmp_path / "in.csv", ("L", "Q", "U"), rows, "utf-8")
    mapped = apply_mapping(load_mapping(mapping), raw)
    assert [(r["lot_id"], r["quantity"], r["uom"]) for _, r in mapped.tables[0][1].rows] == [
        ("A", "1.5", "kg"), ("B", "500.0", "g")
    ]  # fmt: skip
    to = "(to: one of g, gal, kg, l, lb, m, mg, ml, oz, pcs, qt, t)"
    assert [(r.line, r.column, r.reason) for _, r in mapped.rejects] == [
        (4, "U (quantity)", "unit 'KG' is not in the mapping's [units]: add KG = { to = \"kg\", "
                            "factor = 1 }"),
        (5, "U (quantity)", f"unit 'Stk' is not in the mapping's [units]: add Stk = {{ to = "
                            f"\"…\", factor = … }} {to}"),
        (6, "U (quantity)", f"unit '千克' is not in the mapping's [units]: add \"千克\" = {{ to = "
                            f"\"…\", factor = … }} {to}"),
    ]  # fmt: skip


_LOTS = '[[file]]\nmatch = "*.csv"\ntable = "lots"\n[file.columns]\nlot_id = "Charge"\n'


@pytest.mark.parametrize(
    ("text", "problem", "hint"),
    [
        # the typo was not named: "[[file]] 1 needs `match`, a file-name pattern"
        (_LOTS.replace("match", "mtach"), "[[file]] 1: unknown key 'mtach' (did you mean "
         "'match'?)",
         "known keys: columns, combine, delimiter, header_line, match, sheet, table, where"),
        (_LOTS.replace('"lots"', '"lot"'), "[[file]] 1 names unknown table 'lot' (did you mean "
         "'lots'?)", "known tables: customers, device_events, devices, inspections, locations, "
         "lot_identifiers, lots, materials, operators, shipment_lines, shipments, step_inputs, "
         "step_outputs, steps, suppliers"),
        ("delimeter = ';'\n" + _LOTS, "unknown setting 'delimeter' (did you mean 'delimiter'?)",
         "known settings: decimal, delimiter, encoding, file, header_line, name, timezone, "
         "units"),
        (_LOTS + 'created_at = { colum = "D", format = "%Y" }\n', "[[file]] 1 (lots), column "
         "'created_at': unknown key 'colum' (did you mean 'column'?)", "known keys: column, "
         "format, map, negate, template, text, unit, unmapped, value"),
        (_LOTS + 'lot_ids = "X"\n', "[[file]] 1 (lots), column 'lot_ids': table lots has no "
         "such column (did you mean 'lot_id'?)", "its columns: lot_id, material_id, quantity, "
         "uom, created_at, expires_at, status, supplier_id, supplier_lot, received_at, "
         "location_id; an extra property is x_lot_ids"),
        # tomllib's own words alone: "not valid TOML (Cannot overwrite a value (at line 6,
        # column 22))"
        (_LOTS + 'lot_id = "LiefCharge"\n', "line 6 maps canonical column 'lot_id' a second "
         "time in its [file.columns]: a column is made one way", "keep one of the two lot_id "
         'lines; a second source column can be kept as an extra column (x_lot_id_note = "COLUMN"), '
         "and one source column may fill several canonical columns"),
        # Neo4j's "not a valid token name" ended the import, exit 2, naming no file or column
        (_LOTS + '"x_a\\u0000b" = "X"\n', "[[file]] 1 (lots), column 'x_a\\x00b': a name "
         "holding a NUL byte, which Neo4j cannot store as a property name",
         "remove the \\u0000 from it"),
        ('[units]\nG = { to = "g", factor = 1 }\nG = { to = "kg", factor = 0.001 }\n' + _LOTS,
         "line 3 sets 'G' a second time in [units]", "keep one of the two lines"),
        ('name = "Werk\n' + _LOTS, "not valid TOML (Illegal character '\\n' (at line 1, column "
         "13))", 'close the quote on the same line ("…")'),
    ],
)  # fmt: skip
def test_a_mapping_error_names_what_to_change(
    runner: CliRunner, tmp_path: Path, text: str, problem: str, hint: str
) -> None:
    """Mapping errors said what was wrong in the words of the check that failed, with one hint
    for all of them ("see importers/README.md for the mapping format"): a typo'd key was "needs
    `match`", an unknown table listed none, a key given twice was TOML's "Cannot overwrite a
    value". Each is still one line and exit 2."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["import", str(SAP), "--mapping", str(mapping), "--dry-run",
                                 "--rejects", str(tmp_path / "r.csv")])  # fmt: skip
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.strip() == f"error: mapping {mapping}: {problem} (hint: {hint})"


def test_a_where_column_missing_suggests_the_header_line(tmp_path: Path) -> None:
    """A section with `where` whose header is on line 2 rejected every row "column 'Charge'
    (read by `where`) is not in the header", without the "is `header_line` the header's line?"
    that a section without `where` says."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Chargen.csv").write_text("Bericht Chargen,,\nCharge,Artikel\nC1,M1\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[[file]]\nmatch = "Chargen*.csv"\ntable = "lots"\n'
                       'where = { Charge = { not = "" } }\n[file.columns]\nlot_id = "Charge"\n'
                       'material_id = "Artikel"\n')  # fmt: skip
    summary = check_paths([folder], mapping=load_mapping(mapping), reject_file=tmp_path / "r.csv")
    assert {r.reason for r in summary.rejects} == {
        "column 'Charge' (read by `where`) is not in the header (nor any column the section "
        "reads: is `header_line` the header's line?)"
    }


@pytest.mark.parametrize(
    ("extra", "canonical"),
    # x_Status and x_Lot-ID too: validation reads such a header as a misspelt status / lot_id
    [
        ("x_lot_id", "lot_id"),
        ("x_status", "status"),
        ("x_Status", "status"),
        ("x_Lot-ID", "lot_id"),
    ],
)
def test_an_extra_column_named_like_a_canonical_one_refuses_the_mapping(
    runner: CliRunner, tmp_path: Path, extra: str, canonical: str
) -> None:
    """`x_NAME` is stored as NAME: with `lot_id = "BATCH"` and `x_lot_id = "NOTE"` (BATCH=MAP4,
    NOTE=F2, 999 kg) the import wrote the material and 999 kg onto the existing lot F2 ("0 new, 1
    changed", exit 0) and never made MAP4; `x_status` overwrote status the same way. Now the
    mapping is refused as it loads, one line, exit 2, nothing read."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "LOTEXP.csv").write_text("BATCH,MAT,QTY,UOM,ST,NOTE\nMAP4,MAT-M,999,kg,released,F2\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[[file]]\nmatch = "LOTEXP*.csv"\ntable = "lots"\n[file.columns]\nlot_id = "BATCH"\n'
        'material_id = "MAT"\nquantity = "QTY"\nuom = "UOM"\nstatus = "ST"\n'
        f'{extra} = "NOTE"\n'
    )
    result = runner.invoke(app, ["import", str(folder), "--mapping", str(mapping), "--dry-run"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.strip() == (
        f"error: mapping {mapping}: [[file]] 1 (lots), column '{extra}': {extra} would be the "
        f"canonical column {canonical} (hint: name it {extra}_note or map {canonical} itself)"
    )


def test_a_mapped_extra_column_is_stored_as_a_canonical_files_column_of_that_name(
    tmp_path: Path,
) -> None:
    """Both paths agree: a canonical lots.csv's extra columns `x_lot_id` and `origin_known` (a
    property the importer keeps for itself) are stored as `x_lot_id` and `export_origin_known`,
    and so are a mapping's `x_x_lot_id` and `x_origin_known`."""
    from zoneinfo import ZoneInfo

    from tracegraph.importing.validate import validate_lazily

    (tmp_path / "lots.csv").write_text("lot_id,material_id,x_lot_id,origin_known\nL1,M1,F2,y\n")
    (tmp_path / "E.csv").write_text("B,M,N,O\nL1,M1,F2,y\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[[file]]\nmatch = "E*.csv"\ntable = "lots"\n[file.columns]\nlot_id = "B"\n'
                       'material_id = "M"\nx_x_lot_id = "N"\nx_origin_known = "O"\n')  # fmt: skip
    [(table, mapped)] = apply_mapping(load_mapping(mapping), read_table(tmp_path / "E.csv")).tables
    canonical = read_table(tmp_path / "lots.csv")
    utc = ZoneInfo("UTC")
    extras = [[r["_extra"] for r in validate_lazily(raw, "lots", utc)[1]]
              for raw in (canonical, mapped)]  # fmt: skip
    assert table == "lots"
    assert extras == [[{"x_lot_id": "F2", "export_origin_known": "y"}]] * 2


def test_an_id_a_template_joins_from_number_cells_is_noted_for_xlsx_and_parquet(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`lot_id = { template = "{WERKS}-{LGORT}" }` over an XLSX number cell 42 (typed 0042 in a
    column not formatted as Text) or a Parquet int64 column made the lot 1000-42, not
    1000-0042: exit 0, not a word — where `lot_id = "CHARG"` over a number cell is noted
    ("read from number cells: leading zeros lost"). Now the template's id is noted too, once
    per file and column: how many (2 of the 3 rows), the number columns, an example."""
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "export"
    folder.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "stock"
    for row in (["WERKS", "LGORT", "MATNR"], ["1000", 42, "FLOUR"], ["1000", 43, "FLOUR"],
                ["1000", "0044", "FLOUR"]):  # fmt: skip
        sheet.append(row)
    book.save(folder / "stock.xlsx")
    pq.write_table(pa.table({
        "WERKS": pa.array([2000, 2000], pa.int64()), "LGORT": ["0001", "0002"],
        "MATNR": ["SALT", "SALT"],
    }), folder / "stock.parquet")  # fmt: skip
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[[file]]\nmatch = "stock.*"\ntable = "lots"\n[file.columns]\n'
        'lot_id = { template = "{WERKS}-{LGORT}" }\nmaterial_id = "MATNR"\n',
        encoding="utf-8",
    )
    code, summary = _import_json(runner, folder, mapping)
    assert code == 0, summary
    joined = [n for n in summary["notes"] if "joined by a template" in n]
    assert joined == [
        f"{folder / 'stock.parquet'}: 2 lots.lot_id ids were joined by a template from number "
        "cells (WERKS; as WERKS 2000 in 2000-0001), read as the numbers' digits: leading zeros "
        "may have been lost — have the export write the column as text (a string column)",
        f"{folder / 'stock.xlsx'} (sheet 'stock'): 2 lots.lot_id ids were joined by a template "
        "from number cells (LGORT; as LGORT 42 in 1000-42), read as the numbers' digits: "
        "leading zeros may have been lost — format the column as Text in Excel and export again",
    ], summary["notes"]


def test_a_template_note_counts_long_numbers_and_leaves_out_padded_fields(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Review of the template note: an XLSX number of 16 digits (1234567890123456, a
    LongNumber, whose last digits Excel may have lost) joined by `{WERKS}-{LGORT}` went in
    without a word — read alone as an id it is rejected; and `{LGORT:0>4}`, which pads the
    number back to four digits, was said to have lost its zeros (1000-0042 quoted)."""
    import openpyxl

    folder = tmp_path / "export"
    folder.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "stock"
    for row in (["WERKS", "LGORT", "MATNR"], ["1000", 1234567890123456, "FLOUR"]):
        sheet.append(row)
    book.save(folder / "stock.xlsx")
    mapping = tmp_path / "mapping.toml"
    text = ('[[file]]\nmatch = "stock.*"\ntable = "lots"\n[file.columns]\n'
            'lot_id = { template = "TEMPLATE" }\nmaterial_id = "MATNR"\n')  # fmt: skip
    mapping.write_text(text.replace("TEMPLATE", "{WERKS}-{LGORT}"), encoding="utf-8")
    code, summary = _import_json(runner, folder, mapping)
    assert code == 0, summary
    joined = [n for n in summary["notes"] if "joined by a template" in n]
    assert len(joined) == 1 and "1 lots.lot_id id was joined" in joined[0], summary["notes"]
    assert "as LGORT 1234567890123456 in 1000-1234567890123456" in joined[0]

    sheet["B2"] = 42
    book.save(folder / "stock.xlsx")
    mapping.write_text(text.replace("TEMPLATE", "{WERKS}-{LGORT:0>4}"), encoding="utf-8")
    code, summary = _import_json(runner, folder, mapping)
    assert code == 0, summary
    assert not [n for n in summary["notes"] if "joined by a template" in n], summary["notes"]


@pytest.mark.parametrize("match", ["5", "true", '{ a = "x*.csv" }'])
def test_a_match_that_is_no_pattern_is_a_mapping_error(
    runner: CliRunner, tmp_path: Path, match: str
) -> None:
    """`match = 5` ended the import "unexpected failure: TypeError" (exit 3), and a table was
    read as its keys (the pattern `a`): a mapping error, one line, exit 2."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(_LOTS.replace('"*.csv"', match), encoding="utf-8")
    result = runner.invoke(app, ["import", str(SAP), "--mapping", str(mapping), "--dry-run",
                                 "--rejects", str(tmp_path / "r.csv")])  # fmt: skip
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert "`match` is a file-name pattern or a list of them" in result.stderr
