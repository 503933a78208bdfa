"""Serials an older version imported under a GTIN-8, -12 or -13 issuer (kept as given, before
issuers of a GTIN's length were stored as GTIN-14) are re-keyed to their GTIN-14 by
cypher/migrate/serial_gtin14.cypher, at `db init` and by the next import: a label's scan finds
them, and importing the same rows again adds no second identity. One imported both ways is
merged, its lots, edge properties and ledger links kept. Against the real test server, the old
state written with the Cypher the older version ran."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tracegraph import queries
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.importing.writer import cypher_row
from tracegraph.lots import resolve_lots

from test_import import _import  # isort: skip

# (lot, issuer as the older version stored it — as the file gave it —, serial, label)
OLD_ROWS = [
    ("P1", "9506000134352", "SN-13", "a"),  # a GTIN-13
    ("P1", "036000291452", "SN-U", "b"),  # a UPC-A (GTIN-12)
    ("P1", "96385074", "SN-8", "c"),  # a GTIN-8
    # SN-B imported both ways: the GTIN-13 identity names P1 and P2, the GTIN-14 one P2
    ("P1", "9506000134352", "SN-B", "old"),
    ("P2", "9506000134352", "SN-B", "old"),
    ("P2", "09506000134352", "SN-B", "new"),
    # two old spellings of one GTIN (12 and 13 digits), no GTIN-14 identity yet
    ("P1", "036000291452", "SN-D", "d"),
    ("P2", "0036000291452", "SN-D", "d"),
    ("P2", "WMS", "SN-W", "e"),  # a system's code: no GTIN
    ("M", None, "SN-N", "f"),  # no issuer
]
# the older version's lot_identifiers.cypher: the key and row hash made of the issuer as given
OLD_WRITE = """
UNWIND $rows AS row
MERGE (lot:Lot {lot_id: row.lot_id})
MERGE (identity:Identifier {key: row.identity_key})
  ON CREATE SET identity.scheme = row.scheme, identity.issuer = row.issuer,
                identity.value = row.value
CREATE (identity)-[r:IDENTIFIES]->(lot)
SET r = row.props
"""
# a ledger change of the old SN-B row of P1, ABOUT its identity and lot
OLD_CHANGE = """
MATCH (identity:Identifier {key: 'serial|9506000134352|SN-B'})
      -[:IDENTIFIES]->(lot:Lot {lot_id: 'P1'})
CREATE (change:RowChange {change_id: 'old-1', run_id: 'old', table: 'lot_identifiers',
                          key: 'serial|9506000134352|SN-B|P1', columns: ['label'],
                          before: ['x'], after: ['old']})
CREATE (change)-[:ABOUT]->(identity), (change)-[:ABOUT]->(lot)
"""
MIGRATED = [
    ("serial|00000096385074|SN-8", "00000096385074", "P1", "c"),
    ("serial|00036000291452|SN-D", "00036000291452", "P1", "d"),
    ("serial|00036000291452|SN-D", "00036000291452", "P2", "d"),
    ("serial|00036000291452|SN-U", "00036000291452", "P1", "b"),
    ("serial|09506000134352|SN-13", "09506000134352", "P1", "a"),
    ("serial|09506000134352|SN-B", "09506000134352", "P1", "old"),  # moved, as it was
    ("serial|09506000134352|SN-B", "09506000134352", "P2", "new"),  # the GTIN-14 edge stays
    ("serial|WMS|SN-W", "WMS", "P2", "e"),
    ("serial||SN-N", None, "M", "f"),
]


def _query(graph: TraceGraph, text: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = graph.driver.execute_query(text, params, database_=graph.database)
    return [r.data() for r in records]


def _as_an_older_version_left_them(graph: TraceGraph) -> None:
    """The serial identities as OLD_ROWS, with the older version's keys and row hashes, and
    no Migration node."""
    _query(graph, "MATCH (i:Identifier {scheme: 'serial'}) DETACH DELETE i")
    _query(graph, "MATCH (c:RowChange {run_id: 'old'}) DETACH DELETE c")
    _query(graph, "MATCH (m:Migration) DELETE m")
    rows = [
        cypher_row("lot_identifiers", {"lot_id": lot, "scheme": "serial", "issuer": issuer,
                                       "value": serial, "_extra": {"label": label}})
        for lot, issuer, serial, label in OLD_ROWS
    ]  # fmt: skip
    _query(graph, OLD_WRITE, rows=rows)
    _query(graph, OLD_CHANGE)


def _serials(graph: TraceGraph) -> list[tuple[str, str | None, str, str]]:
    return [
        (r["key"], r["issuer"], r["lot"], r["label"])
        for r in _query(graph, "MATCH (i:Identifier {scheme: 'serial'})-[r:IDENTIFIES]->(l:Lot) "
                               "RETURN i.key AS key, i.issuer AS issuer, l.lot_id AS lot, "
                               "r.label AS label ORDER BY key, lot")
    ]  # fmt: skip


def _export(folder: Path) -> Path:
    """The plant's lot_identifiers export as it still is, GTINs as the plant writes them (P2's
    SN-B row is the GTIN-14 one: two rows of one identity and lot would be duplicates)."""
    folder.mkdir()
    lines = [f"{lot},serial,{serial},{issuer or ''},{label}"
             for lot, issuer, serial, label in OLD_ROWS
             if (lot, label) != ("P2", "old")]  # fmt: skip
    (folder / "lot_identifiers.csv").write_text(
        "lot_id,scheme,value,issuer,label\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    return folder


def test_the_next_import_rekeys_old_serials_and_merges_one_imported_both_ways(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    graph = hand_plant
    _as_an_older_version_left_them(graph)
    folder = _export(tmp_path / "ids")
    # a dry run of a full dump, which migrates nothing, finds nothing gone
    dry = _import(runner, str(folder), "--full", "--dry-run", "--force")[1]
    assert dry["removed"] == 0, dry
    assert import_paths(graph, [folder]).rejects == []
    # no second identity beside an old one: each old one has its GTIN-14 key
    assert _serials(graph) == MIGRATED
    assert _query(graph, "MATCH (m:Migration {name: 'serial_gtin14'}) RETURN count(m) AS n") == [
        {"n": 1}
    ]
    # the merged identity's ledger change is ABOUT it (and its lot) still, its key as written
    assert _query(graph, "MATCH (c:RowChange {change_id: 'old-1'})-[:ABOUT]->(n) RETURN c.key "
                         "AS key, coalesce(n.key, n.lot_id) AS about ORDER BY about") == [
        {"key": "serial|9506000134352|SN-B|P1", "about": "P1"},
        {"key": "serial|9506000134352|SN-B|P1", "about": "serial|09506000134352|SN-B"},
    ]  # fmt: skip
    # a label's scan finds them
    assert resolve_lots(graph, ["(01)09506000134352(21)SN-13"]) == ["P1"]
    assert resolve_lots(graph, ["]d20100036000291452" + "21SN-D"]) == ["P1", "P2"]
    assert resolve_lots(graph, ["(01)96385074(21)SN-8"]) == ["P1"]
    # the same export again, and as a full dump: nothing changes, nothing is removed
    again = import_paths(graph, [folder], force=True).tables["lot_identifiers"]
    assert (again.changed, again.updated) == (0, 0)
    full = import_paths(graph, [folder], full=True, force=True,
                        reject_file=tmp_path / "rejects.csv")  # fmt: skip
    assert full.removed == {"lot_identifiers": 0}
    assert _serials(graph) == MIGRATED


def test_db_init_rekeys_old_serials_and_runs_again_as_a_no_op(hand_plant: TraceGraph) -> None:
    graph = hand_plant
    _as_an_older_version_left_them(graph)
    graph.init_schema()  # `db init`: the schema, then the data migrations
    assert _serials(graph) == MIGRATED
    graph.migrate_data()
    assert _serials(graph) == MIGRATED
    assert _query(graph, "MATCH (i:Identifier {scheme: 'serial'}) RETURN count(i) AS n") == [
        {"n": 7}
    ]


def test_the_first_import_after_the_migration_finds_the_rekeyed_rows_unchanged(
    hand_plant: TraceGraph, tmp_path: Path
) -> None:
    """A re-keyed edge keeps the row hash the older version made of the unpadded issuer (Cypher
    has no SHA-256): the first import of the same export afterwards wrote each such row once
    more and called it changed, with a RowChange of no column in the ledger. The graph held
    that content already: the rows are unchanged, and the import stores their hash."""
    graph = hand_plant
    _as_an_older_version_left_them(graph)
    graph.init_schema()  # `db init` migrates them
    folder = _export(tmp_path / "ids")
    first = import_paths(graph, [folder])
    counts = first.tables["lot_identifiers"]
    assert (counts.written, counts.changed, counts.updated) == (9, 0, 0)
    assert _query(graph, "MATCH (c:RowChange {run_id: $run}) RETURN count(c) AS n",
                  run=first.run_id) == [{"n": 0}]  # fmt: skip
    assert _serials(graph) == MIGRATED
    # each row's hash now the one this version makes: read and skipped without a comparison
    stale = _query(graph, "MATCH (:Identifier {scheme: 'serial'})-[r:IDENTIFIES]->(l:Lot) "
                          "RETURN l.lot_id AS lot, r._row_sha AS sha")  # fmt: skip
    rows = [
        cypher_row("lot_identifiers", {"lot_id": lot, "scheme": "serial",
                                       "issuer": issuer, "value": serial,
                                       "_extra": {"label": label}})
        for key, issuer, lot, label in MIGRATED
        for serial in [key.rsplit("|", 1)[1]]
    ]  # fmt: skip
    assert sorted(r["sha"] for r in stale) == sorted(r["props"]["_row_sha"] for r in rows)


def test_the_migration_buffers_only_the_serials_it_rekeys(graph: TraceGraph) -> None:
    """Neo4j 5.26 plans an Eager between the seek of the keys and the batches that change them
    (and before any delete): unavoidable for a re-keying, so it holds only the serials left to
    migrate, found by the key index's prefix and filtered below it — none on a migrated graph,
    never every identity."""
    with graph.driver.session(database=graph.database) as session:
        summary = session.run("EXPLAIN " + queries.load("migrate/serial_gtin14")).consume()
    assert summary.plan is not None
    batches = summary.plan["children"][0]["children"][0]
    # TransactionApply: the batches return what they merged (db init reports it)
    assert batches["operatorType"].startswith(("TransactionForeach", "TransactionApply"))
    rows = batches["children"][0]
    chain = []
    while rows:
        chain.append(str(rows["operatorType"]).split("@")[0])
        rows = rows["children"][0] if rows.get("children") else None
    assert chain == ["Eager", "Filter", "NodeUniqueIndexSeekByRange"]
