"""`lot_identifiers`: a lot's FSMA traceability lot code, GS1 GTIN + lot and serial numbers
imported as Identifiers that find it, in every command that takes a lot, and name it on the
recall's FSMA 204 sheet. Against the real test server, on tests/hand_plant.py's plant."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.errors import AmbiguousLot, UnknownLot
from tracegraph.graph import TraceGraph
from tracegraph.identities import IdentityError, gtin14, lookup_key
from tracegraph.importing.run import import_paths
from tracegraph.lots import resolve_lots, show_lot
from tracegraph.recall import code_list, lot_code

HEADER = "lot_id,scheme,value,issuer,label\n"
# P1 and P2 are one GS1 batch (L-2611) of one GTIN, written as GTIN-13 on one line and GTIN-14
# on the other: one identity of both lots.
IDENTIFIERS = HEADER + (
    "P1,tlc,TLC-P1,,case label\n"
    "P1,gtin_lot,L-2611,9506000134352,\n"
    "P2,gtin_lot,L-2611,09506000134352,\n"
    "P2,serial,SN-0001,,\n"
    "B,tlc,0614141-SALT-B,,\n"
)


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lot_identifiers.csv").write_text(text, encoding="utf-8")
    return folder


def _query(graph: TraceGraph, text: str) -> list[dict[str, Any]]:
    records, _, _ = graph.driver.execute_query(text, database_=graph.database)
    return [r.data() for r in records]


def _identities(graph: TraceGraph) -> list[tuple[str, str, str | None, str, str]]:
    return [
        (r["key"], r["scheme"], r["issuer"], r["value"], r["lot"])
        for r in _query(graph, "MATCH (i:Identifier)-[:IDENTIFIES]->(l:Lot) "
                               "WHERE i.scheme <> 'supplier_lot' RETURN i.key AS key, "
                               "i.scheme AS scheme, i.issuer AS issuer, i.value AS value, "
                               "l.lot_id AS lot ORDER BY key, lot")
    ]  # fmt: skip


def test_identifiers_import_and_find_their_lots(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    graph = hand_plant
    summary = import_paths(graph, [_write(tmp_path / "ids", IDENTIFIERS)])
    counts = summary.tables["lot_identifiers"]
    assert (counts.read, counts.written, counts.rejected, counts.changed) == (5, 5, 0, 5)
    assert summary.rejects == [] and summary.stubs_created == 0
    assert _identities(graph) == [
        ("gtin_lot|09506000134352|L-2611", "gtin_lot", "09506000134352", "L-2611", "P1"),
        ("gtin_lot|09506000134352|L-2611", "gtin_lot", "09506000134352", "L-2611", "P2"),
        ("serial||SN-0001", "serial", None, "SN-0001", "P2"),
        ("tlc||0614141-SALT-B", "tlc", None, "0614141-SALT-B", "B"),
        ("tlc||TLC-P1", "tlc", None, "TLC-P1", "P1"),
    ]
    # the extra column is the row's, on its edge (the Identifier may name other lots)
    assert _query(graph, "MATCH (:Identifier {key: 'tlc||TLC-P1'})-[r:IDENTIFIES]->() "
                         "RETURN r.label AS label") == [{"label": "case label"}]  # fmt: skip
    # one identity naming two lots is allowed, and said
    assert [n for n in summary.notes if "more than one lot" in n] == [
        "1 identity of lot_identifiers name more than one lot: gtin_lot|09506000134352|L-2611 "
        "(P1, P2) (one TLC received as several lots is expected; a serial number on two lots is "
        "a typo or a relabel). A trace or recall by such a name takes every lot it names"
    ]

    # by bare TLC, by key, by GTIN + lot (GTIN-14 or -13 key, GS1 element string), by serial
    assert resolve_lots(graph, ["TLC-P1"]) == ["P1"]
    assert resolve_lots(graph, ["tlc||TLC-P1"]) == ["P1"]
    assert resolve_lots(graph, ["0614141-SALT-B"]) == ["B"]
    assert resolve_lots(graph, ["gtin_lot|09506000134352|L-2611"]) == ["P1", "P2"]
    assert resolve_lots(graph, ["gtin_lot|9506000134352|L-2611"]) == ["P1", "P2"]
    assert resolve_lots(graph, ["(01)09506000134352(10)L-2611"]) == ["P1", "P2"]
    assert resolve_lots(graph, ["SN-0001"]) == ["P2"]
    with pytest.raises(AmbiguousLot, match="names all 2"):
        resolve_lots(graph, ["L-2611"])  # the bare lot number: both lots, said, never one
    with pytest.raises(UnknownLot):
        resolve_lots(graph, ["tlc||TLC-P9"])

    # every command that takes a lot takes them
    forward = runner.invoke(app, ["trace", "forward", "0614141-SALT-B", "--format", "json"])
    assert forward.exit_code == 0, forward.output
    assert [s["lot_id"] for s in json.loads(forward.stdout)["sources"]] == ["B"]
    backward = runner.invoke(app, ["trace", "backward", "tlc||TLC-P1", "--format", "json"])
    assert backward.exit_code == 0, backward.output
    assert [s["lot_id"] for s in json.loads(backward.stdout)["sources"]] == ["P1"]
    gs1 = runner.invoke(app, ["trace", "forward", "(01)09506000134352(10)L-2611",
                              "--format", "json"])  # fmt: skip
    assert sorted(s["lot_id"] for s in json.loads(gs1.stdout)["sources"]) == ["P1", "P2"]
    cause = runner.invoke(app, ["rootcause", "TLC-P1", "--controls", "SN-0001",
                                "--format", "json"])  # fmt: skip
    assert cause.exit_code == 0, cause.output
    assert json.loads(cause.stdout)["complaints"] == ["P1"]
    shown = runner.invoke(app, ["lot", "show", "TLC-P1"])
    assert shown.exit_code == 0, shown.output
    assert "also known as: gtin_lot 09506000134352 L-2611; tlc TLC-P1" in shown.stdout
    assert [a["key"] for a in show_lot(graph, "SN-0001")["aliases"]] == [
        "gtin_lot|09506000134352|L-2611", "serial||SN-0001",
    ]  # fmt: skip


def test_recall_names_lots_by_their_traceability_lot_code(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    assert import_paths(hand_plant, [_write(tmp_path / "ids", IDENTIFIERS)]).rejects == []
    out = tmp_path / "recall"
    result = runner.invoke(app, ["recall", "0614141-SALT-B", "--out", str(out)])
    assert result.exit_code == 0, result.output
    events = list(csv.DictReader((out / "tracking_events.csv").read_text("utf-8-sig").splitlines()))
    got = [(e["event_type"], e["traceability_lot_code"], e["lot_id"]) for e in events]
    # a lot with a TLC is named by it, one without by its lot id as before; lot_id says which
    assert got == [
        ("receiving", "0614141-SALT-B", "B"),
        ("transformation (mix)", "M", "M"),
        ("transformation (pack)", "P2", "P2"),
        ("transformation (pack)", "TLC-P1", "P1"),
        ("shipping", "TLC-P1", "P1"),
        ("shipping", "P2", "P2"),
        ("return", "P2", "P2"),
    ]
    # a transformation lists its inputs by their codes too
    assert events[1]["input_lot_codes"] == "0614141-SALT-B; A"
    assert events[1]["input_quantities"] == "0614141-SALT-B 500 g; A 40 kg"
    # several TLCs (FSMA expects one): all of them, sorted, separated by "; ", and a code with
    # a space (or ; , ") in double quotes — `TLC-P1 TLC-P1 BIS` was one code, two or three
    more = 'P1,tlc,TLC-P1 BIS,,\nM,tlc,M2,,\nM,tlc,M 1,,\nM,tlc,"M;3",,\n'
    assert import_paths(hand_plant, [_write(tmp_path / "more", HEADER + more)]).rejects == []
    again = tmp_path / "recall-2"
    assert runner.invoke(app, ["recall", "B", "--out", str(again)]).exit_code == 0
    rows = list(csv.DictReader((again / "tracking_events.csv").read_text("utf-8-sig").splitlines()))
    # the workbook says the same
    sheet = openpyxl.load_workbook(again / "tracking_events.xlsx", read_only=True).worksheets[0]
    header, *cells = list(sheet.iter_rows(values_only=True))
    for events in (rows, [dict(zip(header, row, strict=True)) for row in cells]):
        assert [(e["traceability_lot_code"], e["input_lot_codes"], e["input_quantities"])
                for e in events if e["lot_id"] == "P1" and e["event_type"] != "shipping"] == [
            ('TLC-P1; "TLC-P1 BIS"', '"M 1"; M2; "M;3"', '"M 1", M2, "M;3" 40.5 kg'),
        ]  # fmt: skip


def test_a_lots_code_is_written_as_the_input_columns_write_it() -> None:
    """One code is written as the input columns write one alone: `TLC 7` as the lot's own code
    and `"TLC 7"` in the input_lot_codes of the step that used it did not match. A code with a
    space alone is as it is (`"LOT A"`, quotes and all, was no lot's code); one holding `;`,
    `,` or `"` is quoted, as a single code `A; B` read as the two codes A and B."""
    assert lot_code("L1", [["tlc", "", "TLC 7"]]) == "TLC 7" == code_list({"TLC 7"})
    assert lot_code("L1", [["tlc", "", "A; B"]]) == '"A; B"'
    assert lot_code("LOT A", [["gtin_lot", "09506000134352", "X"]]) == "LOT A"
    assert lot_code("L1", []) == "L1" == code_list(["L1"])


# UPC-A 036000291452 as Excel keeps it when it reads it as a number: said, not padded back
LOST_ZEROS = (
    "a GTIN has 8, 12, 13 or 14 digits, not '36000291452' (a spreadsheet may have dropped its "
    "leading zeros: format the column as text and export it again)"
)


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [
        ("P1,TLC-X,TLC-1,,", "scheme", "one of"),  # no free-form schemes
        ("P1,gtin_lot,L1,,", "issuer", "a gtin_lot identity needs its GTIN as issuer"),
        ("P1,gtin_lot,L1,9506000134353,", "issuer", "GTIN 9506000134353 has a wrong check digit"),
        ("P1,gtin_lot,L1,36000291452,", "issuer", LOST_ZEROS),
        # a serial's issuer of a GTIN's length is its GTIN, checked as a gtin_lot's is
        ("P1,serial,SN-1,9506000134353,", "issuer", "GTIN 9506000134353 has a wrong check digit"),
        # an issuer with a | made the key of another issuer's value (tlc|A|B|C, two lots' TLCs)
        ("P1,tlc,C,A|B,", "issuer", "an issuer cannot hold a | ('A|B')"),
        ("P1,tlc,,,", "value", "required"),
        (",tlc,TLC-1,,", "lot_id", "required"),
    ],
)
def test_bad_identifier_rows_are_rejected(
    graph: TraceGraph, tmp_path: Path, line: str, column: str, reason: str
) -> None:
    summary = import_paths(graph, [_write(tmp_path / "ids", HEADER + line + "\n")])
    assert summary.tables["lot_identifiers"].written == 0
    assert [(r.line, r.column) for r in summary.rejects] == [(2, column)]
    assert reason in summary.rejects[0].reason
    assert _identities(graph) == []


def test_element_strings_and_serial_numbers_find_their_lots(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    graph = hand_plant
    # a serial issued under a GTIN-13 is stored under its GTIN-14, as a gtin_lot's GTIN is;
    # another issuer (a system) stays as it is; a | in a value is no issuer's
    more = "P1,serial,SN-13,9506000134352,\nP2,serial,SN-13,WMS,\nP2,tlc,B|C,A,\n"
    assert import_paths(graph, [_write(tmp_path / "ids", IDENTIFIERS + more)]).rejects == []
    keys = {key for key, *_ in _identities(graph)}
    assert {"serial|09506000134352|SN-13", "serial|WMS|SN-13", "tlc|A|B|C"} <= keys
    assert resolve_lots(graph, ["(01)09506000134352(21)SN-13"]) == ["P1"]
    assert resolve_lots(graph, ["serial|9506000134352|SN-13"]) == ["P1"]
    assert resolve_lots(graph, ["B|C"]) == ["P2"]
    # the lot with an expiry date before or after it (the date was read as part of the lot
    # number), in another order, and as a scanner sends it
    for label in ("(01)09506000134352(17)261231(10)L-2611",
                  "(01)09506000134352(10)L-2611(17)261231", "(10)L-2611(01)09506000134352",
                  "]d20109506000134352" + "10L-2611\x1d17261231"):  # fmt: skip
        assert resolve_lots(graph, [label]) == ["P1", "P2"], label
    # one that is no valid element string: said in one line, exit 2, not "no lot is known"
    bad = runner.invoke(app, ["lot", "show", "(01)09506000134353(10)L-2611"])
    assert bad.exit_code == 2 and bad.stdout == ""
    assert "(01) 09506000134353 has a wrong check digit" in bad.stderr
    assert "Traceback" not in bad.stderr and "no lot is known" not in bad.stderr


def test_a_supplier_id_with_a_pipe_is_rejected(graph: TraceGraph, tmp_path: Path) -> None:
    """supplier_lot|V|1|X was supplier V's lot 1|X or supplier V|1's lot X: a | in the supplier
    id of a lot with a supplier lot number is refused (in the lot number it is not)."""
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,supplier_id,supplier_lot\nA,FLOUR,V|1,X\nB,FLOUR,V,1|X\nC,FLOUR,V|2,\n"
    )
    summary = import_paths(graph, [tmp_path])
    assert [(r.line, r.column, r.value) for r in summary.rejects] == [(2, "supplier_id", "V|1")]
    assert "an issuer cannot hold a |" in summary.rejects[0].reason
    assert resolve_lots(graph, ["supplier_lot|V|1|X"]) == ["B"]


def test_reimport_is_a_no_op_and_a_changed_row_is_recorded(
    hand_plant: TraceGraph, runner: CliRunner, tmp_path: Path
) -> None:
    graph = hand_plant
    folder = _write(tmp_path / "ids", IDENTIFIERS)
    import_paths(graph, [folder])
    again = import_paths(graph, [folder], force=True).tables["lot_identifiers"]
    assert (again.written, again.changed, again.updated) == (5, 0, 0)
    # a duplicate row spelling the GTIN otherwise is the same row; a different label is not
    dup = HEADER + "P1,gtin_lot,L-2611,9506000134352,\nP1,gtin_lot,L-2611,09506000134352,\n"
    counts = import_paths(graph, [_write(tmp_path / "dup", dup)]).tables["lot_identifiers"]
    assert (counts.written, counts.duplicates, counts.changed) == (2, 1, 0)  # written once
    clash = HEADER + "P1,tlc,TLC-P1,,one\nP1,tlc,TLC-P1,,two\n"
    summary = import_paths(graph, [_write(tmp_path / "clash", clash)])
    assert [(r.line, r.column) for r in summary.rejects] == [(3, "label")]
    # the label changes: one changed row, in the ledger, column by column
    changed = import_paths(graph, [_write(tmp_path / "next", HEADER + "P1,tlc,TLC-P1,,pallet\n")])
    assert changed.tables["lot_identifiers"].updated == 1
    rows = _query(graph, "MATCH (c:RowChange {table: 'lot_identifiers'}) RETURN c.key AS key, "
                         "c.columns AS columns, c.before AS before, c.after AS after "
                         "ORDER BY c.line, c.after")  # fmt: skip
    # the clashing file's first row was written (a change too), its second rejected
    assert rows == [
        {"key": "tlc||TLC-P1|P1", "columns": ["label"], "before": ["case label"], "after": ["one"]},
        {"key": "tlc||TLC-P1|P1", "columns": ["label"], "before": ["one"], "after": ["pallet"]},
    ]
    # a changed lots row keeps the lot's identifiers (only its supplier lot is the row's)
    (tmp_path / "lots").mkdir()
    (tmp_path / "lots" / "lots.csv").write_text("lot_id,material_id,status\nP1,BREAD,hold\n")
    assert import_paths(graph, [tmp_path / "lots"]).tables["lots"].updated == 1
    assert resolve_lots(graph, ["TLC-P1"]) == ["P1"]


def test_unknown_lot_becomes_a_stub_and_full_dump_removes_rows(
    hand_plant: TraceGraph, tmp_path: Path
) -> None:
    graph = hand_plant
    ids = IDENTIFIERS + "OLD-7,customer_lot,CL-9,C1,\n"
    summary = import_paths(graph, [_write(tmp_path / "ids", ids)])
    assert summary.stub_lots == ["OLD-7"]  # as a step input naming an unknown lot does
    assert any("lot identifiers but given no row" in n for n in summary.notes)
    assert _query(graph, "MATCH (l:Lot {lot_id: 'OLD-7'}) RETURN l.origin_known AS known") == [
        {"known": False}
    ]
    # the full dump lacks P2's serial and OLD-7's customer lot: both go, with the Identifiers
    # only they had and the stub nothing names any more; the shared GTIN + lot stays for P1
    kept = HEADER + "P1,tlc,TLC-P1,,case label\nP1,gtin_lot,L-2611,9506000134352,\n" \
        "B,tlc,0614141-SALT-B,,\n"  # fmt: skip
    full = import_paths(graph, [_write(tmp_path / "full", kept)], full=True,
                        reject_file=tmp_path / "rejects.csv", max_removals="100%")  # fmt: skip
    assert full.removed == {"lot_identifiers": 3}
    assert _identities(graph) == [
        ("gtin_lot|09506000134352|L-2611", "gtin_lot", "09506000134352", "L-2611", "P1"),
        ("tlc||0614141-SALT-B", "tlc", None, "0614141-SALT-B", "B"),
        ("tlc||TLC-P1", "tlc", None, "TLC-P1", "P1"),
    ]
    assert _query(graph, "MATCH (i:Identifier) WHERE NOT (i)-->() RETURN i.key AS key") == []
    assert _query(graph, "MATCH (l:Lot {lot_id: 'OLD-7'}) RETURN l") == []
    assert full.removed_file is not None
    removed = full.removed_file.read_text("utf-8-sig")
    assert "serial||SN-0001|P2" in removed and "customer_lot|C1|CL-9|OLD-7" in removed
    # the same dump again removes nothing more
    assert import_paths(
        graph, [tmp_path / "full"], full=True, reject_file=tmp_path / "rejects.csv", force=True
    ).removed == {"lot_identifiers": 0}


def test_gtin_and_gs1_element_strings() -> None:
    assert gtin14("9506000134352") == "09506000134352"
    assert gtin14("96385074") == "00000096385074"  # GTIN-8
    with pytest.raises(IdentityError, match="check digit"):
        gtin14("09506000134353")
    assert lookup_key("(01)09506000134352(10)L 1") == "gtin_lot|09506000134352|L 1"
    assert lookup_key("(01)09506000134352(21)SN-1") == "serial|09506000134352|SN-1"
    assert lookup_key("gtin_lot|9506000134352|L1") == "gtin_lot|09506000134352|L1"
    assert lookup_key("TLC-1") is None and lookup_key("tlc||TLC-1") is None


def test_a_lot_its_identifiers_still_name_is_kept_as_a_stub(
    hand_plant: TraceGraph, tmp_path: Path
) -> None:
    """A full lots dump that lacks a lot its lot_identifiers rows still name keeps it as a stub
    (found by its TLC, as steps keep a lot they name); once those rows go too, so does the lot."""
    graph = hand_plant
    lots = "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "lots.csv").write_text(lots + "Z,BREAD,5,pcs,,\n")
    assert import_paths(graph, [tmp_path / "z"]).rejects == []
    import_paths(graph, [_write(tmp_path / "ids", HEADER + "Z,tlc,TLC-Z,,\n")])
    (tmp_path / "full").mkdir()
    kept = "".join(line + "\n" for line in (tmp_path / "z" / "lots.csv").read_text().splitlines()
                   if not line.startswith("Z,"))  # fmt: skip
    full_lots = kept + "A,FLOUR,100,kg,V1,000123\nB,SALT,10,kg,V2,000123\nM,DOUGH,40.5,kg,,\n" \
        "P1,BREAD,300,pcs,,\nP2,BREAD,100,pcs,,\n"  # fmt: skip
    (tmp_path / "full" / "lots.csv").write_text(full_lots)
    summary = import_paths(
        graph,
        [tmp_path / "full"],
        full=True,
        reject_file=tmp_path / "rejects.csv",
        max_removals="100%",
        accept_older=True,  # the hand plant's lots.csv again, byte for byte: meant
    )
    assert summary.removed == {"lots": 1}
    assert any("lot identifiers or a recall still name them: Z" in n for n in summary.notes)
    assert resolve_lots(graph, ["TLC-Z"]) == ["Z"]
    assert _query(graph, "MATCH (l:Lot {lot_id: 'Z'}) RETURN l.origin_known AS known") == [
        {"known": False}
    ]
    gone = import_paths(graph, [_write(tmp_path / "none", HEADER)], full=True,
                        reject_file=tmp_path / "rejects.csv", max_removals="100%")  # fmt: skip
    assert gone.removed == {"lot_identifiers": 1}
    assert _query(graph, "MATCH (l:Lot {lot_id: 'Z'}) RETURN l") == []
    with pytest.raises(UnknownLot):
        resolve_lots(graph, ["TLC-Z"])


def test_a_full_dump_removes_identifiers_whose_rows_changed_and_their_stub_lots(
    hand_plant: TraceGraph, tmp_path: Path
) -> None:
    """TLC-X's row (on P1) and TLC-Q's (on the stub Q9) changed their label, so the ledger has
    a RowChange ABOUT each Identifier and lot. A full dump without them deleted the edges and
    then failed on the Identifier ("still has relationships"), on every re-run; the stub Q9
    stayed. The ledger keeps its changes as text, as it does for other removed rows."""
    graph = hand_plant
    rows = "P1,tlc,TLC-X,,{0}\nQ9,tlc,TLC-Q,,{0}\nP2,tlc,TLC-Y,,P1\n"
    import_paths(graph, [_write(tmp_path / "a", HEADER + rows.format("P1"))])
    changed = import_paths(graph, [_write(tmp_path / "b", HEADER + rows.format("P2"))])
    assert changed.tables["lot_identifiers"].updated == 2
    full = import_paths(graph, [_write(tmp_path / "c", HEADER + "P2,tlc,TLC-Y,,P1\n")],
                        full=True, reject_file=tmp_path / "rejects.csv",
                        max_removals="100%")  # fmt: skip
    assert full.removed == {"lot_identifiers": 2}
    assert _identities(graph) == [("tlc||TLC-Y", "tlc", None, "TLC-Y", "P2")]
    assert _query(graph, "MATCH (i:Identifier {scheme: 'tlc'}) RETURN i.key AS key") == [
        {"key": "tlc||TLC-Y"}
    ]
    assert _query(graph, "MATCH (l:Lot {lot_id: 'Q9'}) RETURN l") == []
    assert any("stub lot known only from references" in n and "Q9" in n for n in full.notes)
    # the changes stay, by table and key; only P1, which stays, is still linked to its own
    # (each row's change, and its removal by the full dump)
    assert _query(graph, "MATCH (c:RowChange {table: 'lot_identifiers'}) RETURN c.key AS key, "
                         "[(c)-[:ABOUT]->(n) | n.lot_id] AS about ORDER BY key") == [
        {"key": "tlc||TLC-Q|Q9", "about": []}, {"key": "tlc||TLC-Q|Q9", "about": []},
        {"key": "tlc||TLC-X|P1", "about": ["P1"]}, {"key": "tlc||TLC-X|P1", "about": ["P1"]},
    ]  # fmt: skip
    again = import_paths(graph, [tmp_path / "c"], full=True, force=True,
                         reject_file=tmp_path / "rejects.csv")  # fmt: skip
    assert again.removed == {"lot_identifiers": 0}
