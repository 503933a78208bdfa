"""Parquet files as real producers write them: pandas (NaN for missing, its index beside the
columns, float ids), Spark (INT96 timestamps, part-00000-….snappy.parquet in a table's folder),
Hive and Impala (text as BINARY), DuckDB (.pq, infinity dates), and exports whose "never
expires" is the largest timestamp. Found by an exploratory tester's Parquet zoo; each test
says what the import did before. The files are written with pyarrow here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph
from tracegraph.importing.reader import read_table, table_name
from tracegraph.importing.run import check_paths, find_files, import_paths
from tracegraph.importing.validate import Reject, ValidatedTable, validate_lazily

UTC = ZoneInfo("UTC")
NAN = float("nan")
INT64_MAX = 2**63 - 1


def _parquet(path: Path, columns: dict[str, Any], **options: Any) -> Path:
    """A Parquet file of `columns` (pyarrow arrays, or lists pyarrow types itself)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path, **options)
    return path


def _validated(
    path: Path, zone: ZoneInfo = UTC, key: str = "lot_id"
) -> tuple[ValidatedTable, dict[str, dict[str, Any]]]:
    """`path` read and validated as the import does (no graph): the table and its rows by
    their `key`."""
    raw = read_table(path)
    out, rows = validate_lazily(raw, table_name(path), zone)
    written = list(rows)
    assert out.read == len(written) + len(out.rejects) + out.duplicates  # counts reconcile
    return out, {r[key]: r for r in written}


def _reasons(out: ValidatedTable) -> dict[tuple[int, str], Reject]:
    return {(r.line, r.column): r for r in out.rejects}


def _floats(values: list[float]) -> pa.Array:
    return pa.array(values, pa.float64(), from_pandas=False)  # NaN as NaN, not null


# --- 1. dates beyond Python's ---------------------------------------------------------------


def test_a_date_beyond_year_9999_rejects_its_row_not_the_whole_import(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """An export's "never expires" written as int64's largest microsecond, and a date32 of
    2^31-1 days in an extra column, ended the import: "unexpected failure: OverflowError: date
    value out of range", exit 3, no reject, after materials.csv was written. Now each such row
    is rejected naming its column and the number stored; the other lot and the materials are
    written."""
    folder = tmp_path / "night"
    folder.mkdir()
    (folder / "materials.csv").write_text("material_id,name\nFLOUR,Flour\n", encoding="utf-8")
    expires = pa.array([0, INT64_MAX, 0], pa.int64()).cast(pa.timestamp("us"))
    _parquet(folder / "lots.parquet", {
        "lot_id": ["NX-1", "NX-2", "NX-3"], "material_id": ["FLOUR"] * 3,
        "expires_at": expires,
        "best_before": pa.array([20_000, 20_000, 2**31 - 1], pa.date32()),
    })  # fmt: skip
    summary = import_paths(graph, [folder], timezone="UTC", max_rejects=10)
    rejects = {(r.line, r.column): r for r in summary.rejects}
    assert sorted(rejects) == [(2, "expires_at"), (3, "best_before")]
    assert rejects[(2, "expires_at")].value == f"{INT64_MAX} (us since 1970-01-01)"
    assert rejects[(3, "best_before")].value == f"{2**31 - 1} (days since 1970-01-01)"
    assert rejects[(2, "expires_at")].reason.startswith("a date beyond year 9999")
    assert summary.tables["lots"].written == 1 and summary.tables["materials"].written == 1
    found, _, _ = graph.driver.execute_query(
        "MATCH (l:Lot) RETURN l.lot_id AS lot, toString(l.expires_at) AS expires",
        database_=graph.database,
    )
    assert [(r["lot"], r["expires"]) for r in found] == [("NX-1", "1970-01-01T00:00:00Z")]


# --- 2. integer and float ids ---------------------------------------------------------------


def test_a_parquet_integer_lot_id_is_noted_as_a_workbooks_number_cell_is(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """lots.csv wrote 000200; a Parquet export (pandas' read_csv made the column int64) sent
    it as 200: a second lot, exit 0, nothing said — where an XLSX number cell gets a note naming
    the zero-padded lot the graph holds. Now a Parquet integer id gets that note too, with the
    export's hint."""
    (tmp_path / "lots.csv").write_text("lot_id,material_id\n000200,FLOUR\n", encoding="utf-8")
    assert import_paths(graph, [tmp_path / "lots.csv"]).rejects == []
    path = _parquet(tmp_path / "pq" / "lots.parquet", {
        "lot_id": pa.array([200, 201], pa.int64()), "material_id": ["FLOUR"] * 2,
    })  # fmt: skip
    done = import_paths(graph, [path])
    notes = [n for n in done.notes if n.startswith(f"{path}: 2 lots.lot_id ids were number")]
    assert done.rejects == [] and len(notes) == 1, done.notes
    assert notes[0].endswith(
        "(as 200), read as the number's digits: leading zeros may have been lost — have the "
        "export write the column as text (a string column); the graph holds 1 lot under the "
        "zero-padded id: 000200 (here 200) — this file's rows were written to other lots than "
        "those"
    )


def test_a_parquet_decimal_boolean_or_list_id_is_rejected(tmp_path: Path) -> None:
    """A float64 lot id 1.5 was stored as the lot "1.5", a boolean one as "True", a list one as
    "['a']" (Python's repr). Now they are rejected, as an XLSX decimal or TRUE cell is; a whole
    float 1.0 is the id 1 and a decimal 200.00 the id 200 (noted as number cells)."""
    out, rows = _validated(_parquet(tmp_path / "f" / "lots.parquet", {
        "lot_id": _floats([1.0, 1.5]), "material_id": ["FLOUR"] * 2,
    }))  # fmt: skip
    assert list(rows) == ["1"] and out.number_ids == {"lot_id": 1}
    assert _reasons(out)[(2, "lot_id")].reason.startswith("a decimal number cell (1.5)")
    out, rows = _validated(_parquet(tmp_path / "d" / "lots.parquet", {
        "lot_id": pa.array([Decimal("200"), Decimal("2.50")], pa.decimal128(18, 2)),
        "material_id": ["FLOUR"] * 2,
    }))  # fmt: skip
    assert list(rows) == ["200"] and out.number_ids == {"lot_id": 1}
    assert _reasons(out)[(2, "lot_id")].reason.startswith("a decimal number cell (2.50)")
    out, rows = _validated(_parquet(tmp_path / "b" / "lots.parquet", {
        "lot_id": [True], "material_id": ["FLOUR"],
    }))  # fmt: skip
    assert rows == {}
    assert _reasons(out)[(1, "lot_id")].reason.startswith("a TRUE/FALSE cell, not an id")
    out, rows = _validated(_parquet(tmp_path / "l" / "lots.parquet", {
        "lot_id": pa.array([["a"]], pa.list_(pa.string())), "material_id": ["FLOUR"],
    }))  # fmt: skip
    assert rows == {}
    assert _reasons(out)[(1, "lot_id")].reason.startswith("a list, struct or map cell, not an id")


# --- 3. NaN ---------------------------------------------------------------------------------


def test_nan_is_an_empty_cell_not_the_text_nan(tmp_path: Path) -> None:
    """pandas writes a missing value of a float column as NaN: it became the text "nan" — a lot
    `nan`, a supplier `nan`, an identity `supplier_lot|nan|456`, an extra param 'nan'. Now NaN
    is an empty cell: the required lot_id rejects its row, an optional supplier is none, an
    extra column has no value; an infinite extra number rejects its row."""
    out, rows = _validated(_parquet(tmp_path / "lots.parquet", {
        "lot_id": _floats([1.0, 2.0, NAN, 4.0]), "material_id": ["FLOUR"] * 4,
        "supplier_id": _floats([7.0, NAN, 7.0, 7.0]),
        "supplier_lot": _floats([NAN, 456.0, 1.0, 5.0]),
        "param": _floats([NAN, 2.5, 1.0, float("inf")]),
    }))  # fmt: skip
    assert sorted(rows) == ["1", "2"]
    assert rows["1"]["supplier_id"] == "7" and rows["1"]["supplier_lot"] is None
    assert rows["1"]["_extra"] == {}
    assert rows["2"]["supplier_id"] is None and rows["2"]["_extra"] == {"param": 2.5}
    rejects = _reasons(out)
    assert rejects[(3, "lot_id")].reason == "required value is empty"
    assert rejects[(4, "param")].reason.startswith("an infinite number, not a value")


def test_nan_in_an_inspections_value_is_no_value(tmp_path: Path) -> None:
    """An inspection's value NaN was stored as the text 'nan'. Now it is no value (the
    inspection and its result stand)."""
    out, rows = _validated(_parquet(tmp_path / "inspections.parquet", {
        "inspection_id": ["I1", "I2"], "test": ["moisture"] * 2, "result": ["pass"] * 2,
        "inspected_at": ["2026-12-01T08:00:00Z"] * 2, "value": _floats([NAN, 12.5]),
    }), key="inspection_id")  # fmt: skip
    assert out.rejects == []
    assert {k: r["value"] for k, r in rows.items()} == {"I1": None, "I2": "12.5"}


# --- 4. binary, list, struct, duration ------------------------------------------------------


def test_binary_text_is_decoded_and_nested_cells_are_json(tmp_path: Path) -> None:
    """Older Hive and Impala write text as BINARY: the lot was stored as b'Q1'. Lists, structs
    and durations of extra columns were Python's repr: "['a', 'b']", "{'w': 1.5}", '0:05:00'.
    Now BINARY is its UTF-8 text (bytes that are not are rejected), lists and structs are JSON
    text and durations ISO 8601 seconds, with a note."""
    path = _parquet(tmp_path / "lots.parquet", {
        "lot_id": pa.array([b"Q1", b"Q2", b"Q3"], pa.binary()),
        "material_id": pa.array([b"FLOUR"] * 3, pa.binary()),
        "tags": pa.array([["a", "b"], [], None], pa.list_(pa.string())),
        "dims": pa.array([{"w": 1.5}, None, None], pa.struct([("w", pa.float64())])),
        "soak": pa.array([300, 1, None], pa.duration("s")),
        "blob": pa.array([b"ok", b"ok", b"\xff\xfe"], pa.binary()),
    })  # fmt: skip
    out, rows = _validated(path)
    assert sorted(rows) == ["Q1", "Q2"] and rows["Q1"]["material_id"] == "FLOUR"
    assert rows["Q1"]["_extra"] == {
        "tags": '["a", "b"]', "dims": '{"w": 1.5}', "soak": "PT300S", "blob": "ok",
    }  # fmt: skip
    assert rows["Q2"]["_extra"] == {"tags": "[]", "soak": "PT1S", "blob": "ok"}
    (reject,) = out.rejects
    assert (reject.line, reject.column, reject.value) == (3, "blob", "fffe")
    assert reject.reason.startswith("bytes that are not UTF-8 text")
    assert "columns 'tags', 'dims': lists and structs kept as JSON text" in read_table(path).notes


# --- 5. Spark's INT96 -----------------------------------------------------------------------


def test_spark_int96_timestamps_are_read_as_utc(tmp_path: Path) -> None:
    """Spark, Hive and Impala write INT96 timestamps in UTC; pyarrow reads them without a zone,
    so --timezone Europe/Berlin shifted 08:00 UTC to 07:00 UTC (06:00 in July). Now an INT96
    column is UTC, with a note."""
    times = [dt.datetime(2026, 1, 10, 8, 0), dt.datetime(2026, 7, 10, 8, 0)]
    path = _parquet(tmp_path / "lots.parquet", {
        "lot_id": ["J1", "J2"], "material_id": ["FLOUR"] * 2,
        "created_at": pa.array(times, pa.timestamp("us", tz="UTC")),
    }, use_deprecated_int96_timestamps=True)  # fmt: skip
    out, rows = _validated(path, ZoneInfo("Europe/Berlin"))
    assert out.rejects == []
    utc = [t.replace(tzinfo=dt.UTC) for t in times]
    assert [rows[k]["created_at"] for k in ("J1", "J2")] == utc
    assert any("INT96" in note for note in read_table(path).notes)


# --- 6. float32, booleans -------------------------------------------------------------------


def test_float32_is_its_shortest_decimal_and_booleans_are_true_false(tmp_path: Path) -> None:
    """A float32 quantity 0.1 was stored 0.10000000149011612 (CSV gives 0.1: "changed" when
    formats switched), a boolean 'True' where XLSX and CSV give 'TRUE'. Now 0.1 and TRUE."""
    out, rows = _validated(_parquet(tmp_path / "lots.parquet", {
        "lot_id": ["F1", "F2"], "material_id": ["FLOUR"] * 2,
        "quantity": pa.array([0.1, 1.3], pa.float32()), "uom": ["kg"] * 2,
        "ratio": pa.array([12.7, 3.0], pa.float32()), "organic": [True, False],
    }))  # fmt: skip
    assert out.rejects == []
    assert [rows[k]["quantity"] for k in ("F1", "F2")] == [0.1, 1.3]
    assert rows["F1"]["_extra"] == {"ratio": 12.7, "organic": "TRUE"}
    assert rows["F2"]["_extra"] == {"ratio": 3, "organic": "FALSE"}


# --- 7. pandas' index -----------------------------------------------------------------------


def test_the_pandas_index_is_left_out_with_a_note(tmp_path: Path) -> None:
    """pandas' to_parquet of a filtered frame writes its index as `__index_level_0__`: imported
    as an extra column `export___index_level_0__`. Now an index column is left out, named in a
    note; a frame indexed by lot_id keeps its lot_id."""
    import pandas as pd

    frame = pd.DataFrame({"lot_id": ["K1", "K2", "K3"], "material_id": ["FLOUR"] * 3,
                          "quantity": [1.0, 2.0, 3.0]})  # fmt: skip
    frame.index = pd.Index([3, 5, 9])  # as filtering leaves it: pandas writes it too
    frame.to_parquet(tmp_path / "lots.parquet")
    raw = read_table(tmp_path / "lots.parquet")
    assert raw.header == ("lot_id", "material_id", "quantity")
    assert any("left out the pandas index __index_level_0__" in n for n in raw.notes)
    (tmp_path / "by_lot").mkdir()
    by_lot = frame.reset_index(drop=True).set_index("lot_id")
    by_lot.to_parquet(tmp_path / "by_lot" / "lots.parquet")
    assert read_table(tmp_path / "by_lot" / "lots.parquet").header == (
        "material_id", "quantity", "lot_id"
    )  # fmt: skip


# --- 8. file names --------------------------------------------------------------------------

LOTS = {"lot_id": ["P1"], "material_id": ["FLOUR"]}


def test_pq_snappy_and_spark_part_files_are_read_as_their_table(tmp_path: Path) -> None:
    """lots.pq and lots.parq were skipped with a note (exit 0; alone: "no table files", exit 2),
    lots.snappy.parquet was an unknown table 'lots.snappy', and a Spark job's
    spark/lots/part-00000-….snappy.parquet rejected every row as an unknown table 'part-00000-…'
    ("no table files" when `spark` was named). Now they are lots, the part files said so."""
    for name in ("lots.pq", "lots.parq", "lots.snappy.parquet"):
        _parquet(tmp_path / name.replace(".", "_") / name, LOTS)
        summary = check_paths([tmp_path / name.replace(".", "_")])
        assert summary.rejects == [] and summary.tables["lots"].read == 1, name
    spark = tmp_path / "spark"
    part = "part-00000-7f3c2a1e-1b2c-4d5e-8f90-123456789abc-c000.snappy.parquet"
    _parquet(spark / "lots" / part, LOTS)
    (spark / "lots" / "_SUCCESS").write_bytes(b"")
    with pytest.raises(ConfigurationError) as refused:
        find_files([spark])
    assert refused.value.hint == f"name the folder that holds them: {spark / 'lots'}"
    files, notes = find_files([spark / "lots"])
    assert [table_name(f) for f in files] == ["lots"]
    assert f"read 1 part file in {spark / 'lots'} as table 'lots', as the folder is named " \
        "(a Spark or Hive job's output)" in notes  # fmt: skip
    summary = check_paths([spark / "lots"])
    assert summary.rejects == [] and summary.tables["lots"].read == 1


# --- 9. messages ----------------------------------------------------------------------------


def test_a_parquet_file_named_csv_and_a_damaged_one_say_what_they_are(tmp_path: Path) -> None:
    """A Parquet file renamed .csv said "cannot decode the file as utf-8 or gb18030 … pass
    --encoding"; a truncated one "not a readable Parquet file (ArrowInvalid)", pyarrow's
    reason dropped; a file with a column named twice was that (ArrowInvalid) too; a file of no
    columns said "its columns: )". Now each says what it is, the repeated column as a CSV's."""
    data = _parquet(tmp_path / "a" / "lots.parquet", LOTS).read_bytes()
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "lots.csv").write_bytes(data)
    (reject,) = check_paths([tmp_path / "csv"]).rejects
    assert "a Parquet file named .csv (its bytes start as Parquet's, PAR1)" in reject.reason
    assert "name it lots.parquet" in reject.reason
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "lots.parquet").write_bytes(data[: len(data) // 2])
    (reject,) = check_paths([tmp_path / "cut"]).rejects
    assert "not a readable Parquet file (ArrowInvalid: Parquet magic bytes not found in footer" \
        in reject.reason  # fmt: skip
    twice = pa.Table.from_arrays(
        [pa.array(["D1"]), pa.array(["FLOUR"]), pa.array(["SALT"])],
        names=["lot_id", "material_id", "material_id"],
    )  # pyarrow's read_table refused it: "Multiple matches for FieldRef"
    _parquet(tmp_path / "twice" / "lots.parquet", {})
    pq.write_table(twice, tmp_path / "twice" / "lots.parquet")
    (reject,) = check_paths([tmp_path / "twice"]).rejects
    assert reject.reason == "column 'material_id' appears twice in the header"
    (tmp_path / "none").mkdir()
    pq.write_table(pa.table({}), tmp_path / "none" / "lots.parquet")
    (reject,) = check_paths([tmp_path / "none"]).rejects
    assert "(its columns: none)" in reject.reason


# --- 10. a mapping's header_line ------------------------------------------------------------


def test_a_mappings_header_line_is_refused_for_a_parquet_file(tmp_path: Path) -> None:
    """A mapping's `header_line = 3` was silently ignored for a Parquet file (its column names
    are the schema's), where a `sheet` for one is refused. Now it is refused too."""
    from tracegraph.importing.mappings import load_mapping

    folder = tmp_path / "export"
    _parquet(folder / "moves.parquet", {"CHARGE": ["R-1"], "MAT": ["FLOUR"]})
    (tmp_path / "m.toml").write_text(
        'header_line = 3\n[[file]]\nmatch = "moves.parquet"\ntable = "lots"\n'
        '[file.columns]\nlot_id = "CHARGE"\nmaterial_id = "MAT"\n',
        encoding="utf-8",
    )
    (reject,) = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml")).rejects
    assert "a Parquet file's column names are its schema's, not a line of it, and the mapping " \
        "reads them from line 3" in reject.reason  # fmt: skip
    assert "give its [[file]] section header_line = 1" in reject.reason
