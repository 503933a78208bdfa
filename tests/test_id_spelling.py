"""Identifiers that look the same are the same id (tracegraph.idtext): full-width ASCII typed by
a Chinese input method and invisible characters pasted along are folded by the import, in every
id column of every table, and by everything that reads ids people type. Against the real test
server."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing import validate
from tracegraph.importing.mappings import load_mapping
from tracegraph.importing.run import check_paths, import_paths
from tracegraph.importing.tables import TABLES, Kind
from tracegraph.importing.validate import CellError, convert
from tracegraph.lots import ids_in_text, resolve_lots
from tracegraph.trace import trace_forward


def wide(text: str) -> str:
    """`text` as an input method in full-width mode types it: LOT00129 as ＬＯＴ００１２９."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


FOLD_NOTE = "folded to one spelling of the id (full-width letters and digits read as ASCII, "


def _mes_export(folder: Path, wide_lot: str) -> None:
    """A small MES export in GB18030 (as c/生产记录.csv of the tester's plant): a receipt of
    LOT00129 in 来料记录.csv, a mix step that takes it written as `wide_lot`, the dough it made,
    and a shipment of the dough."""
    folder.mkdir()
    (folder / "来料记录.csv").write_bytes(
        "批次号,物料编码,数量,单位\nLOT00129,FLOUR,500,千克\n".encode("gb18030")
    )
    (folder / "生产记录.csv").write_bytes(
        "工序单号,工序,开始时间,类型,批次号,物料编码,数量,单位\n"
        f"MX0003,和面,2026-11-13 09:00:00,投入,{wide_lot},FLOUR,１２.７,千克\n"
        "MX0003,和面,2026-11-13 09:00:00,产出,D0003,DOUGH,100,千克\n".encode("gb18030")
    )
    (folder / "发货记录.csv").write_bytes(
        "发货单号,客户编码,发货时间,批次号,数量,单位\n"
        "SH0039,C5,2026-11-17 21:00:00,D0003,100,千克\n".encode("gb18030")
    )


def _links(table: str, parent: str, source: str, where: str = "") -> str:
    """A mapping section of a link table: the parent's id, the lot and its quantity in a unit."""
    return (
        f'[[file]]\nmatch = "{source}*.csv"\ntable = "{table}"\n{where}[file.columns]\n'
        f'{parent} = "{"工序单号" if parent == "step_id" else "发货单号"}"\nlot_id = "批次号"\n'
        'quantity = { column = "数量", unit = "单位" }\nuom = { unit = "单位" }\n'
    )


MES_MAPPING = (
    """
encoding = "gb18030"
timezone = "Asia/Shanghai"
[units]
"千克" = { to = "kg", factor = 1 }
[[file]]
match = "来料记录*.csv"
table = "lots"
[file.columns]
lot_id = "批次号"
material_id = "物料编码"
quantity = { column = "数量", unit = "单位" }
uom = { unit = "单位" }
[[file]]
match = "生产记录*.csv"
table = "steps"
[file.columns]
step_id = "工序单号"
operation = { column = "工序", map = { "和面" = "mix" } }
started_at = { column = "开始时间", format = "%Y-%m-%d %H:%M:%S" }
[[file]]
match = "发货记录*.csv"
table = "shipments"
[file.columns]
shipment_id = "发货单号"
customer_id = "客户编码"
shipped_at = { column = "发货时间", format = "%Y-%m-%d %H:%M:%S" }
"""
    + _links("step_inputs", "step_id", "生产记录", 'where = { "类型" = "投入" }\n')
    + _links("step_outputs", "step_id", "生产记录", 'where = { "类型" = "产出" }\n')
    + _links("shipment_lines", "shipment_id", "发货记录")
)


def _import_json(runner: CliRunner, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["import", *args, "--format", "json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    return dict(json.loads(result.stdout))


def _lots(graph: TraceGraph) -> list[str]:
    records, _, _ = graph.driver.execute_query(
        "MATCH (lot:Lot) RETURN lot.lot_id AS id ORDER BY id",
        database_=graph.database,
    )
    return [r["id"] for r in records]


def test_full_width_lot_numbers_of_a_mapped_export_name_the_lot_the_receipt_names(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The tester's MES export wrote 26 step inputs as ＬＯＴ００１２９ where the receipts wrote
    LOT00129: the import made 25 stub lots beside the received ones, exit 0, and a forward
    trace of LOT00129 missed dough D0003 and its shipment SH0039 to customer C5 — while the
    full-width quantity １２.７ was read as 12.7. Now the id is folded, the link goes to
    LOT00129, the note counts it with an example, and `trace forward ＬＯＴ００１２９` (typed
    in the same input method) finds LOT00129."""
    _mes_export(tmp_path / "mes", wide("LOT00129"))
    (tmp_path / "mes.toml").write_text(MES_MAPPING, encoding="utf-8")
    summary = _import_json(runner, str(tmp_path / "mes"), "--mapping", str(tmp_path / "mes.toml"))
    assert _lots(graph) == ["D0003", "LOT00129"]
    assert (
        f"{tmp_path / 'mes' / '生产记录.csv'}: 1 step_inputs lot_id was {FOLD_NOTE}"
        "invisible characters and quotes around it dropped) and written so: "
        "'ＬＯＴ００１２９' as LOT00129"
    ) in summary["notes"]
    for typed in ("LOT00129", wide("LOT00129"), f" {wide('LOT00129')}\u3000"):
        result = runner.invoke(app, ["trace", "forward", typed, "--format", "json"])
        assert result.exit_code == 0, result.stderr
        traced = json.loads(result.stdout)
        assert [s["lot_id"] for s in traced["sources"]] == ["LOT00129"]
        assert [lot["lot_id"] for lot in traced["lots"]] == ["D0003"]
        assert [(s["shipment_id"], s["customer_id"]) for s in traced["shipments"]] == [
            ("SH0039", "C5")
        ]


def test_a_zero_width_space_in_an_id_makes_no_invisible_stub_lot(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """One row of the tester's export named `LOT00002\\u200b`: a stub lot of 9 characters was
    made, printed in the note as if it were LOT00002, which no one could type to find. Now the
    zero-width space is dropped (the note shows it escaped), and an id of nothing but invisible
    characters is rejected rather than stored as an empty id."""
    _mes_export(tmp_path / "mes", "LOT00129\u200b")
    (tmp_path / "mes.toml").write_text(MES_MAPPING, encoding="utf-8")
    summary = _import_json(runner, str(tmp_path / "mes"), "--mapping", str(tmp_path / "mes.toml"))
    assert _lots(graph) == ["D0003", "LOT00129"]
    assert any("'LOT00129\\u200b' as LOT00129" in note for note in summary["notes"])
    assert trace_forward(graph, ["LOT00129"]).lots[0]["lot_id"] == "D0003"
    with pytest.raises(CellError, match="invisible characters only"):
        convert(TABLES["lots"].columns[0], "\u200b\u2060", ZoneInfo("UTC"))


@pytest.mark.parametrize(
    ("table", "column"),
    [(t.name, c.name) for t in TABLES.values() for c in t.columns if c.kind is Kind.ID],
)
def test_every_id_column_folds_full_width_and_invisible_characters(table: str, column: str) -> None:
    """Every id column of every canonical table (lots, steps, shipments, customers, suppliers,
    devices, operators, materials, locations, identifiers' values…) reads one spelling:
    full-width ASCII as ASCII, U+3000 as a space, zero-width space, joiners, U+2060 and a stray
    U+FEFF dropped; ligatures, superscripts and Roman numerals stay (not NFKC). Before, only
    surrounding spaces were stripped."""
    spec = TABLES[table].column(column)
    assert spec is not None
    zone = ZoneInfo("UTC")
    assert convert(spec, f"\u3000{wide('LOT-0012/a')}\u200b", zone) == "LOT-0012/a"
    assert convert(spec, "A\u200cB\u200dC\u2060D\ufeffE", zone) == "ABCDE"
    assert convert(spec, f"LOT{wide(' ')}1\u30001", zone) == "LOT 1 1"
    assert convert(spec, "ﬁ-x²-Ⅻ", zone) == "ﬁ-x²-Ⅻ"


def test_canonical_files_with_full_width_ids_link_the_ascii_records(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Canonical files whose references are typed full-width (a supplier, a device, an operator,
    a step, a shipment, a customer, a lot, a material, a location, an identifier's value) make
    no stub and no second node: 0 stubs, one node per id, the notes count the folded cells per
    table and column."""
    folder = tmp_path / "plant"
    folder.mkdir()
    files = {
        "materials.csv": "material_id,name\nFLOUR,Flour\nDOUGH,Dough\n",
        "suppliers.csv": "supplier_id,name\nV1,Mill\n",
        "customers.csv": "customer_id,name\nC1,Shop\n",
        "locations.csv": "location_id,name\nW1,Store\n",
        "devices.csv": f"device_id,name,location_id\nMIX-1,Mixer,{wide('W1')}\n",
        "operators.csv": "operator_id,name\nOP1,Ann\n",
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,location_id\n"
        f"A1,{wide('FLOUR')},10,kg,{wide('V1')},{wide('000123')},W1\n"
        "D1,DOUGH,10,kg,,,\n",
        "steps.csv": "step_id,operation,started_at,device_id,operator_id\n"
        f"S1,mix,2026-11-03T08:00:00+00:00,{wide('MIX-1')},{wide('OP1')}\n",
        "step_inputs.csv": f"step_id,lot_id,quantity,uom\n{wide('S1')},{wide('A1')},10,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nS1,D1,10,kg\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\n"
        f"SH1,{wide('C1')},2026-11-04T08:00:00+00:00\n",
        "shipment_lines.csv": f"shipment_id,lot_id,quantity,uom\n{wide('SH1')},D1,10,kg\n",
        "lot_identifiers.csv": f"lot_id,scheme,value,issuer\nD1,tlc,{wide('TLC-7')},\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    summary = import_paths(graph, [folder])
    assert summary.rejects == [] and summary.stubs_created == 0
    records, _, _ = graph.driver.execute_query(
        "MATCH (n) WHERE NOT n:ImportRun AND NOT n:ImportedFile AND NOT n:RowChange "
        "AND NOT n:Migration "
        "UNWIND keys(n) AS key WITH n, key WHERE key ENDS WITH '_id' OR key = 'value' "
        "RETURN labels(n)[0] + '.' + key + '=' + toString(n[key]) AS id ORDER BY id",
        database_=graph.database,
    )
    ids = [r["id"] for r in records]
    assert all(i.isascii() for i in ids), ids
    assert len(ids) == len(set(ids))
    folded = sorted(note.split(": ")[1].split(" were ")[0].split(" was ")[0]
                    for note in summary.notes if FOLD_NOTE in note)  # fmt: skip
    assert folded == [
        "1 devices location_id", "1 lot_identifiers value", "1 lots material_id",
        "1 lots supplier_id", "1 lots supplier_lot", "1 shipment_lines shipment_id",
        "1 shipments customer_id", "1 step_inputs lot_id", "1 step_inputs step_id",
        "1 steps device_id", "1 steps operator_id",
    ]  # fmt: skip
    assert resolve_lots(graph, [f"tlc||{wide('TLC-7')}", "supplier_lot|V1|000123"]) == ["D1", "A1"]


def test_ids_people_type_are_read_in_the_spelling_the_import_stores(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`lot show ＡＢ１`, a lots file listing `ＡＢ１，ＣＤ２` (a full-width comma) and a pasted
    `AB1\\u200b` name the lots AB1 and CD2: a full-width id was an unknown lot (exit 2)."""
    (tmp_path / "lots.csv").write_text("lot_id,material_id\nAB1,FLOUR\nCD2,FLOUR\n")
    assert import_paths(graph, [tmp_path / "lots.csv"]).rejects == []
    shown = runner.invoke(app, ["lot", "show", wide("AB1"), "--format", "json"])
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["lot"]["lot_id"] == "AB1"
    assert ids_in_text(f"# {wide('comment')}\n{wide('AB1，CD2')}\nAB1\u200b\n") == [
        "AB1", "CD2", "AB1"
    ]  # fmt: skip
    (tmp_path / "ids.txt").write_text(f"{wide('AB1')}，{wide('CD2')}\n", encoding="utf-8")
    traced = runner.invoke(
        app, ["trace", "forward", "--lots-file", str(tmp_path / "ids.txt"), "--format", "json"]
    )
    assert traced.exit_code == 0, traced.stderr
    assert [s["lot_id"] for s in json.loads(traced.stdout)["sources"]] == ["AB1", "CD2"]


def test_a_graph_an_earlier_version_imported_with_full_width_ids_is_mended_by_a_reimport(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """An earlier version stored ＬＯＴ００１２９ as written: a stub lot with the link, and the
    ledger's fingerprint of the file, so importing the same file again skipped it as
    unchanged and the trace stayed incomplete. Now the file is read again (the id spelling
    rules are part of its fingerprint), the link goes to LOT00129 (1 new step_inputs row, no
    new lot), a note names the old lot still in the graph, and a --full import removes its
    link and the stub."""
    _mes_export(tmp_path / "mes", wide("LOT00129"))
    (tmp_path / "mes.toml").write_text(MES_MAPPING, encoding="utf-8")
    args = (str(tmp_path / "mes"), "--mapping", str(tmp_path / "mes.toml"))
    with monkeypatch.context() as older:  # the id spelling of the version before
        older.setattr(validate, "normal_id", lambda t: unicodedata.normalize("NFC", t.strip()))
        older.setattr(validate, "folds", lambda _: False)
        older.setattr("tracegraph.importing.run.SPELLING", "1")
        _import_json(runner, *args)
    assert _lots(graph) == ["D0003", "LOT00129", wide("LOT00129")]
    assert trace_forward(graph, ["LOT00129"]).lots == []
    summary = _import_json(runner, *args)
    tables = summary["tables"]
    assert (tables["step_inputs"]["changed"], tables["step_inputs"]["updated"]) == (1, 0)  # new
    assert tables["lots"]["changed"] == 0
    assert [lot["lot_id"] for lot in trace_forward(graph, ["LOT00129"]).lots] == ["D0003"]
    assert any(
        "the graph still holds 1 lot under the id as written before this version folded it "
        f"({wide('LOT00129')})" in note
        for note in summary["notes"]
    )
    full = _import_json(runner, *args, "--full")
    assert full["tables"]["step_inputs"]["removed"] == 1
    assert _lots(graph) == ["D0003", "LOT00129"]


def test_an_xlsx_id_of_16_digits_stored_as_an_integer_is_rejected_as_the_readme_says(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """README: an XLSX id of 16 or more digits stored as a number is rejected (Excel keeps 15
    significant digits: 1234567890123456 shows as 1234567890123450 once Excel opens the file).
    Only a float cell was: a cell written as an integer (<v>1234567890123456</v>, by a program
    other than Excel) was taken as the id. Both are rejected now; 15 digits are kept, as is a
    Parquet int64 of 16 digits (exact)."""
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "parquet").mkdir()

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "shipments"
    sheet.append(["shipment_id", "customer_id", "shipped_at"])
    sheet.append([1234567890123456, "C1", "2026-11-04T08:00:00+00:00"])  # an int cell
    sheet.append([123456789012345.0, "C1", "2026-11-04T08:00:00+00:00"])  # 15 digits: kept
    book.save(tmp_path / "shipments.xlsx")
    result = runner.invoke(app, ["import", str(tmp_path / "shipments.xlsx"), "--dry-run",
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 1, result.stdout
    summary = json.loads(result.stdout)
    assert summary["tables"]["shipments"]["rejected"] == 1
    # a Parquet int64 keeps every digit: the same id from Parquet is taken as it is
    pq.write_table(pa.table({"shipment_id": pa.array([1234567890123456], pa.int64()),
                             "customer_id": ["C1"], "shipped_at": ["2026-11-04T08:00:00Z"]}),
                   tmp_path / "parquet" / "shipments.parquet")  # fmt: skip
    with open(summary["reject_file"], encoding="utf-8-sig") as rejects:
        assert rejects.read().splitlines()[1:] == [
            f'{tmp_path / "shipments.xlsx"},2,shipment_id,1234567890123456,"an identifier of 16 '
            "or more digits stored as a number: spreadsheets keep 15, so its last digits may be "
            'lost (store the column as text and export again)",shipments,shipments'
        ]  # the last two: the sheet and the table
    kept = runner.invoke(app, ["import", str(tmp_path / "parquet"), "--dry-run",
                               "--format", "json"])  # fmt: skip
    assert kept.exit_code == 0, kept.stdout
    assert json.loads(kept.stdout)["tables"]["shipments"]["written"] == 1


def test_a_links_parts_in_two_spellings_of_its_lot_are_summed_as_one_link(
    neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """`combine = "sum"` adds up the parts of one link: an ERP posting 2 kg of R-1 and then
    0.5 kg of ＲＯ１ (the same lot typed full-width) to order 4711 kept two rows, which
    validation then rejected as a duplicate link with another quantity (1 reject, 2 kg written
    instead of 2.5). The sum is the rows read."""
    (tmp_path / "issues.csv").write_text(
        f"AUFTRAG,CHARGE,MENGE\n4711,R-1,2\n4711,{wide('R-1')}\u200b,0.5\n", encoding="utf-8"
    )
    (tmp_path / "m.toml").write_text(
        '[units]\nKG = { to = "kg", factor = 1 }\n[[file]]\nmatch = "issues.csv"\n'
        'table = "step_inputs"\ncombine = "sum"\n[file.columns]\nstep_id = "AUFTRAG"\n'
        'lot_id = "CHARGE"\nuom = { value = "kg" }\nquantity = "MENGE"\n',
        encoding="utf-8",
    )
    summary = check_paths([tmp_path / "issues.csv"], mapping=load_mapping(tmp_path / "m.toml"),
                          reject_file=tmp_path / "r.csv")  # fmt: skip
    assert summary.rejects == []
    counts = summary.table_counts()["step_inputs"]
    assert counts == {**counts, "read": 1, "written": 1, "rejected": 0}  # the parts summed
    assert any("1 step_inputs row was added to an earlier row" in n for n in summary.notes)
