"""Parquet files as real producers write them: pandas (NaN for missing, its index beside the
columns, float ids), Spark (INT96 timestamps, part-00000-….snappy.parquet in a table's folder),
Hive and Impala (text as BINARY), DuckDB (.pq, infinity dates), and exports whose "never
expires" is the largest timestamp. Found by an exploratory tester's Parquet zoo; each test
says what the import did before. The files are written with pyarrow here."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
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
        "material_id": pa.array([b"FLOUR", b"FLOUR", b"\xff\xfe"], pa.binary()),
        "tags": pa.array([["a", "b"], [], None], pa.list_(pa.string())),
        "dims": pa.array([{"w": 1.5}, None, None], pa.struct([("w", pa.float64())])),
        "soak": pa.array([300, 1, None], pa.duration("s")),
        "blob": pa.array([b"ok", b"ok", b"ok"], pa.binary()),
    })  # fmt: skip
    out, rows = _validated(path)
    assert sorted(rows) == ["Q1", "Q2"] and rows["Q1"]["material_id"] == "FLOUR"
    assert rows["Q1"]["_extra"] == {
        "tags": '["a", "b"]', "dims": '{"w": 1.5}', "soak": "PT300S", "blob": "ok",
    }  # fmt: skip
    assert rows["Q2"]["_extra"] == {"tags": "[]", "soak": "PT1S", "blob": "ok"}
    (reject,) = out.rejects
    assert (reject.line, reject.column, reject.value) == (3, "material_id", "fffe")
    assert reject.reason.startswith("bytes that are not UTF-8 text")
    assert "columns 'tags', 'dims': lists and structs kept as JSON text" in read_table(path).notes


# --- 5. Spark's INT96 -----------------------------------------------------------------------


def _written_by(path: Path, writer: str) -> Path:
    """`path` as if `writer` had written it: its footer's created_by replaced by one as long
    (pyarrow cannot be told another; a Thrift string is its length and bytes)."""
    ours = pq.ParquetFile(path).metadata.created_by.encode()
    data = path.read_bytes()
    assert data.count(ours) == 1 and len(writer) <= len(ours)
    path.write_bytes(data.replace(ours, writer.ljust(len(ours)).encode()))
    return path


def test_spark_int96_timestamps_are_read_as_utc(tmp_path: Path) -> None:
    """Spark and Hive (parquet-mr) write INT96 timestamps in UTC; pyarrow reads them without a
    zone, so --timezone Europe/Berlin shifted 08:00 UTC to 07:00 UTC (06:00 in July). Now an
    INT96 column parquet-mr wrote is UTC, with a note."""
    times = [dt.datetime(2026, 1, 10, 8, 0), dt.datetime(2026, 7, 10, 8, 0)]
    path = _written_by(_parquet(tmp_path / "lots.parquet", {
        "lot_id": ["J1", "J2"], "material_id": ["FLOUR"] * 2,
        "created_at": pa.array(times, pa.timestamp("us", tz="UTC")),
    }, use_deprecated_int96_timestamps=True), "parquet-mr version 1.13.1")  # fmt: skip
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


# --- 11. after review: unread columns, nested dates, the current folder ----------------------


def test_a_mapping_rejects_no_row_for_an_unreadable_cell_in_a_column_it_does_not_read(
    tmp_path: Path,
) -> None:
    """A mapped moves.parquet with columns CHARGE, MAT (mapped) and ROWHASH (binary(16), not
    UTF-8), VALID_TO (int64's largest microsecond) and SCORE (inf), which no rule reads: both
    rows were rejected ("ROWHASH … bytes that are not UTF-8 text") and 0 written; before the
    Parquet work they were written. Now an unreadable cell rejects its row only for a section
    that reads its column (here an x_ column reads VALID_TO: that row, naming it)."""
    from tracegraph.importing.mappings import load_mapping

    folder = tmp_path / "export"
    _parquet(folder / "moves.parquet", {
        "CHARGE": ["R-1", "R-2"], "MAT": ["FLOUR"] * 2,
        "ROWHASH": pa.array([b"\xff" * 16, b"\x00\xfe" * 8], pa.binary(16)),
        "VALID_TO": pa.array([INT64_MAX, 0], pa.int64()).cast(pa.timestamp("us")),
        "SCORE": _floats([float("inf"), 1.0]),
    })  # fmt: skip
    rule = '[[file]]\nmatch = "moves.parquet"\ntable = "lots"\n[file.columns]\n' \
        'lot_id = "CHARGE"\nmaterial_id = "MAT"\n'  # fmt: skip
    (tmp_path / "m.toml").write_text(rule, encoding="utf-8")
    summary = check_paths([folder], mapping=load_mapping(tmp_path / "m.toml"))
    assert summary.rejects == [] and (summary.read, summary.written) == (2, 2)
    (tmp_path / "x.toml").write_text(rule + 'x_valid = "VALID_TO"\n', encoding="utf-8")
    summary = check_paths([folder], mapping=load_mapping(tmp_path / "x.toml"))
    (reject,) = summary.rejects
    assert (reject.line, reject.value) == (1, f"{INT64_MAX} (us since 1970-01-01)")
    assert "VALID_TO" in reject.column and reject.reason.startswith("a date beyond year 9999")
    assert summary.written == 1


def test_a_date_beyond_year_9999_in_a_list_or_struct_rejects_its_row(tmp_path: Path) -> None:
    """A list<timestamp[us]> cell [2**63-1] (or a struct's) ended the import:
    "OverflowError: date value out of range", exit 3. Now its row is rejected, the cell shown
    with its dates as the numbers stored; the other rows are read."""
    ts = pa.timestamp("us")
    path = _parquet(tmp_path / "lots.parquet", {
        "lot_id": ["N1", "N2", "N3"], "material_id": ["FLOUR"] * 3,
        "s": pa.array([[0], [0, INT64_MAX], None], pa.list_(pa.int64())).cast(pa.list_(ts)),
        "w": pa.array([{"t": 0}, {"t": 0}, {"t": INT64_MAX}], pa.struct([("t", pa.int64())]))
        .cast(pa.struct([("t", ts)])),
    })  # fmt: skip
    out, rows = _validated(path)
    assert sorted(rows) == ["N1"] and rows["N1"]["_extra"]["s"] == '["1970-01-01T00:00:00"]'
    assert {(r.line, r.column, r.value) for r in out.rejects} == {
        (2, "s", f"[0, {INT64_MAX}]"), (3, "w", f'{{"t": {INT64_MAX}}}'),
    }  # fmt: skip
    assert check_paths([tmp_path]).read == 3


def test_a_file_in_a_form_not_read_is_not_a_table_by_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in a folder named lots, archive/part-00000-abc.csv.gz was "lots in a form not read"
    (its name alone was given to table_name, which took the current folder's): read and
    rejected as an unread lots file. Now it is skipped as no table file (in a folder steps it
    is steps); `import .` in a Spark job's lots folder still reads its part files as lots."""
    from tracegraph.importing.run import _named_as_table

    (tmp_path / "lots").mkdir()
    monkeypatch.chdir(tmp_path / "lots")
    assert not _named_as_table(Path("/elsewhere/archive/part-00000-abc.csv.gz"), None)
    assert _named_as_table(Path("/elsewhere/steps/part-00000-abc.csv.gz"), None)
    _parquet(tmp_path / "lots" / "part-00000-abc.snappy.parquet", LOTS)
    files, _ = find_files([Path(".")])
    assert [table_name(f) for f in files] == ["lots"]


def test_impalas_int96_timestamps_are_local_times_not_utc(tmp_path: Path) -> None:
    """Impala stores INT96 timestamps as written, with no zone (only Hive and Spark normalise
    them to UTC), but every INT96 column was read as UTC: Impala's 08:00 in Berlin was stored
    as 08:00 UTC, an hour late. Now only parquet-mr's (the file's created_by) are UTC; Impala's,
    and an unknown writer's, are times without an offset, read in --timezone, with a note."""
    berlin = ZoneInfo("Europe/Berlin")
    for writer in ("impala version 4.0.0 (build 9a)", ""):
        path = _parquet(tmp_path / (writer[:6] or "other") / "lots.parquet", {
            "lot_id": ["J1"], "material_id": ["FLOUR"],
            "created_at": pa.array([dt.datetime(2026, 1, 10, 8, 0)], pa.timestamp("us")),
        }, use_deprecated_int96_timestamps=True)  # fmt: skip
        if writer:
            _written_by(path, writer)
        out, rows = _validated(path, berlin)
        assert out.rejects == []
        assert rows["J1"]["created_at"] == dt.datetime(2026, 1, 10, 8, 0, tzinfo=berlin), writer
        (note,) = [n for n in read_table(path).notes if "INT96" in n]
        assert "kept as written" in note and "read as times without an offset" in note


def _extension(name: str, about: str = "") -> dict[bytes, bytes]:
    """A field's metadata naming an Arrow extension type, as pandas writes it."""
    return {b"ARROW:extension:name": name.encode(), b"ARROW:extension:metadata": about.encode()}


def test_pandas_periods_uuids_and_other_extension_types_are_read_as_what_they_hold(
    tmp_path: Path,
) -> None:
    """A pandas period[M] column's 2026-01 was stored as '672' (its ordinal, no note) and an
    interval as "{'left': 0, 'right': 1}" (Python's repr) when pandas was loaded. Now a period
    is its text (2026-01, 2026-Q1, 2026, a day, an hour), a UUID its text, and another
    extension type its stored values as JSON, with a note naming the type."""
    import uuid

    interval = '{"subtype": "int64", "closed": "right"}'  # as pandas writes it
    moment = uuid.UUID("12345678-1234-5678-1234-567812345678")
    periods = {"M": 672, "Q-DEC": 224, "Y-DEC": 56, "D": 20454, "h": 490_901}
    schema = pa.schema(
        [pa.field("lot_id", pa.string()), pa.field("material_id", pa.string())]
        + [pa.field(f"p_{f[0]}", pa.int64(), metadata=_extension("pandas.period",
                    f'{{"freq": "{f}"}}')) for f in periods]
        + [pa.field("iv", pa.struct([("left", pa.int64()), ("right", pa.int64())]),
                    metadata=_extension("pandas.interval", interval)),
           pa.field("u", pa.uuid())]
    )  # fmt: skip
    table = pa.Table.from_pylist([{
        "lot_id": "E1", "material_id": "FLOUR", **{f"p_{f[0]}": n for f, n in periods.items()},
        "iv": {"left": 0, "right": 1}, "u": moment.bytes,
    }], schema)  # fmt: skip
    pq.write_table(table, tmp_path / "lots.parquet")
    out, rows = _validated(tmp_path / "lots.parquet")
    assert out.rejects == []
    assert rows["E1"]["_extra"] == {
        "p_M": "2026-01", "p_Q": "2026-Q1", "p_Y": 2026, "p_D": "2026-01-01",
        "p_h": "2026-01-01T05:00:00", "iv": '{"left": 0, "right": 1}', "u": str(moment),
    }  # fmt: skip
    assert any("Arrow extension type pandas.interval read as the struct<" in note
               for note in read_table(tmp_path / "lots.parquet").notes)  # fmt: skip


def test_float16_nested_json_and_binary_extras_are_written_cleanly(tmp_path: Path) -> None:
    """A float16 0.1 was 0.099975586 (formatted as a float32); inside a list, bytes were
    "b'ab'", a datetime '2026-01-01 08:00:00' (str, not ISO 8601 as a top-level cell) and NaN
    the invalid JSON NaN; a binary extra column that is not UTF-8 (a row hash) rejected its row
    (nearly every row of the file). Now 0.1, ["ab"], "2026-01-01T08:00:00", null, and the
    hash as hex text, with a note; bytes in an id column still reject the row."""
    path = _parquet(tmp_path / "lots.parquet", {
        "lot_id": ["H1", "H2"], "material_id": ["FLOUR"] * 2,
        "quantity": pa.array([0.1, None], pa.float16()),
        "bits": pa.array([[b"ab"], None], pa.list_(pa.binary())),
        "when": pa.array([[dt.datetime(2026, 1, 1, 8, 0)], None], pa.list_(pa.timestamp("us"))),
        "vals": pa.array([[NAN, 1.5, float("inf")], None], pa.list_(pa.float64())),
        "rowhash": pa.array([b"\xff\x12" * 8, b"ok"], pa.binary()),
    })  # fmt: skip
    out, rows = _validated(path)
    assert out.rejects == []
    assert rows["H1"]["quantity"] == 0.1
    assert rows["H1"]["_extra"] == {
        "bits": '["ab"]', "when": '["2026-01-01T08:00:00"]', "vals": "[null, 1.5, null]",
        "rowhash": "ff12" * 8,
    }  # fmt: skip
    assert rows["H2"]["_extra"] == {"rowhash": "ok"}
    assert "column 'rowhash': bytes that are not UTF-8 text kept as hex (a hash, a UUID?)" \
        in read_table(path).notes  # fmt: skip


def test_a_hive_partition_folders_part_files_are_the_table_above_it(tmp_path: Path) -> None:
    """lots/dt=2026-12-01/part-0.parquet: the hint "name the folder that holds them:
    …/dt=2026-12-01" led to every row rejected as an unknown table 'dt=2026-12-01'. Now the
    table is the first folder above that is no key=value partition folder, said in the note."""
    partition = tmp_path / "lots" / "dt=2026-12-01"
    _parquet(partition / "part-0.parquet", LOTS)
    with pytest.raises(ConfigurationError) as refused:
        find_files([tmp_path / "lots"])
    assert refused.value.hint == f"name the folder that holds them: {partition}"
    files, notes = find_files([partition])
    assert [table_name(f) for f in files] == ["lots"]
    assert (
        f"read 1 part file in {partition} as table 'lots', as the folder is named (a Spark "
        "or Hive job's output); dt=2026-12-01 is a Hive partition folder, not the table" in notes
    )
    summary = check_paths([partition])
    assert summary.rejects == [] and summary.tables["lots"].read == 1


def test_a_spark_jobs_success_and_checksum_files_are_skipped_without_a_note(
    tmp_path: Path,
) -> None:
    """A Spark job's output folder of 2 part files holds _SUCCESS and a .crc checksum of every
    file beside them (Databricks adds _started_N and _committed_N): 6 "skipped …: not a table
    file" notes around the one that said what was read. Now the job's own files are skipped
    silently; a file of another kind (notes.txt) still gets its note."""
    folder = tmp_path / "spark" / "lots"
    parts = [f"part-0000{n}-7f3c2a1e-1b2c-4d5e-8f90-123456789abc-c000.snappy.parquet"
             for n in (0, 1)]  # fmt: skip
    for part in parts:
        _parquet(folder / part, LOTS)
        (folder / f".{part}.crc").write_bytes(b"crc\x00")
    for marker in ("_SUCCESS", "._SUCCESS.crc", "_committed_2718281828", "_started_2718281828"):
        (folder / marker).write_bytes(b"")
    (folder / "notes.txt").write_text("written by the nightly job\n", encoding="utf-8")
    files, notes = find_files([folder])
    assert [f.name for f in files] == parts
    assert notes == [
        f"skipped {folder / 'notes.txt'}: not a table file (.csv, .xlsx, .parquet)",
        f"read 2 part files in {folder} as table 'lots', as the folder is named (a Spark or Hive "
        "job's output)",
    ]


def test_a_pandas_interval_without_closed_says_what_cannot_read_it(tmp_path: Path) -> None:
    """An interval column whose extension metadata lacks "closed" (`{"subtype": "int64"}`, as
    a writer other than pandas may leave it) cannot be read once pandas registered its interval
    type: pandas' reader raises KeyError 'closed'. The import said "not a readable Parquet file
    (KeyError: 'closed')" with the hint "check that the export finished writing it", which sent
    the user to re-export a whole file. Now the message names pandas' type and what to do."""
    import importlib

    importlib.import_module("pandas.core.arrays.arrow.extension_types")  # pandas.interval

    schema = pa.schema([
        pa.field("lot_id", pa.string()), pa.field("material_id", pa.string()),
        pa.field("iv", pa.struct([("left", pa.int64()), ("right", pa.int64())]),
                 metadata=_extension("pandas.interval", '{"subtype": "int64"}')),
    ])  # fmt: skip
    table = pa.Table.from_pylist(
        [{"lot_id": "E1", "material_id": "FLOUR", "iv": {"left": 0, "right": 1}}], schema
    )
    pq.write_table(table, tmp_path / "lots.parquet")
    summary = check_paths([tmp_path / "lots.parquet"])
    (reject,) = summary.rejects
    assert reject.reason == (
        f"{tmp_path / 'lots.parquet'}: a column's type is pandas' ArrowIntervalType, written "
        "without what pandas needs to read it (KeyError: 'closed'), and pandas is loaded "
        "(hint: read the file where pandas is not loaded (the tracegraph command does not load "
        "it), or have the export write the column as plain values)"
    ), reject.reason


def test_a_parquet_file_read_batch_by_batch_keeps_its_lines_rejects_and_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader held the whole Arrow table beside its rows as Python text: a 1M-lot
    lots.parquet took a dry run to 2.1 GB. It now converts the file batch by batch; read in
    batches of 2 rows, the rows keep their lines (1-5), a date beyond year 9999 in the third
    batch rejects line 5, and a binary extra that is hex in the second batch only is noted once
    (its first batch's text stays text)."""
    import tracegraph.importing.reader as reader

    monkeypatch.setattr(reader, "_PARQUET_BATCH", 2)
    expires = pa.array([0, 0, 0, 0, INT64_MAX], pa.int64()).cast(pa.timestamp("us"))
    path = _parquet(tmp_path / "lots.parquet", {
        "lot_id": [f"B{n}" for n in range(1, 6)], "material_id": ["FLOUR"] * 5,
        "expires_at": expires, "x_hash": [b"ok", b"ok", b"\xff\xfe", b"ok", b"ok"],
    }, row_group_size=3)  # fmt: skip
    raw = read_table(path)
    assert [line for line, _ in raw.rows] == [1, 2, 3, 4, 5]
    assert [cells["x_hash"] for _, cells in raw.rows] == ["ok", "ok", "fffe", "ok", "ok"]
    assert raw.notes == ("column 'x_hash': bytes that are not UTF-8 text kept as hex (a hash, a "
                         "UUID?)",)  # fmt: skip
    out, rows = _validated(path)
    assert [(r.line, r.column) for r in out.rejects] == [(5, "expires_at")]
    assert sorted(rows) == ["B1", "B2", "B3", "B4"]


def test_an_empty_parquet_file_does_not_load_pandas(tmp_path: Path) -> None:
    """An empty Parquet file (a Spark job's empty part, a quiet night's delta) was read as
    Schema.empty_table(), which imports pandas: 1.4 s and 43 MB more per run, and the hint on
    pandas' interval type ("the tracegraph command does not load it") untrue."""
    path = tmp_path / "lots.parquet"
    pq.write_table(pa.table({"lot_id": pa.array([], pa.string()),
                             "material_id": pa.array([], pa.string())}), path)  # fmt: skip
    script = ("import sys; from pathlib import Path; "
              "from tracegraph.importing.reader import read_table; "
              f"table = read_table(Path({str(path)!r})); "
              "print(len(table.rows), 'pandas' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout.split() == ["0", "False"], done.stdout + done.stderr
