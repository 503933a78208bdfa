"""`tracegraph imports RUN --restore DIR`: the rows a full import removed (its removed-RUN.csv:
table, key and the record's values as JSON) written back out as canonical table files — one
per table, its columns those the records had — so that importing DIR puts back rows a cut-off
dump removed by mistake. removed-RUN.csv itself is no table file: the import does not read it.

Values are written as the import reads them back: text as it is (no quote before a formula-like
cell, which the import would keep as part of the value), numbers and ISO 8601 times as text.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tracegraph.errors import ConfigurationError
from tracegraph.importing.private_csv import write_private_csv
from tracegraph.importing.tables import TABLES

REMOVED_HEADER = ["table", "key", "values"]  # full.write_removed's


def read_removed(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Per table, the records of a removed-RUN.csv, in its order."""
    records: dict[str, list[dict[str, Any]]] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows = csv.reader(file)
            if next(rows, None) != REMOVED_HEADER:
                raise ValueError("its first line is not table,key,values")
            for line, row in enumerate(rows, start=2):
                if len(row) != 3 or row[0] not in TABLES:
                    raise ValueError(f"line {line} is not a removed row of a table")
                values = json.loads(row[2])
                if not isinstance(values, dict):
                    raise ValueError(f"line {line}'s values are not a record")
                records.setdefault(row[0], []).append(values)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the file of removed rows {path}: {exc.strerror or exc}",
            hint="the run's ledger entry names where it was written; was it moved?",
        ) from None
    except ValueError as exc:  # json's errors are ValueErrors too
        raise ConfigurationError(
            f"{path} is not a file of removed rows as import --full writes it: {exc}",
            hint="restore from the removed-RUN.csv the run wrote, as it was written",
        ) from None
    return records


def write_tables(records: dict[str, list[dict[str, Any]]], folder: Path) -> dict[str, Path]:
    """Each table's records as FOLDER/TABLE.csv, in import order: the table's columns in their
    order, then its extra columns by name. An existing file is not overwritten (it may be
    tonight's dump)."""
    targets = {table: folder / f"{table}.csv" for table in TABLES if table in records}
    for path in targets.values():
        if path.exists():
            raise ConfigurationError(
                f"{path} exists: the restored rows are not written over it",
                hint="give --restore an empty folder (or a new one)",
            )
    for table, path in targets.items():
        rows = records[table]
        known = [c.name for c in TABLES[table].columns]
        present = {name for row in rows for name in row}
        columns = [c for c in known if c in present] + sorted(present - set(known))
        cells = ([_cell(row.get(c)) for c in columns] for row in rows)
        write_private_csv(path, [columns, *cells], "the restored rows",
                          "free space, or give --restore a folder on another disk")  # fmt: skip
    return targets


def _cell(value: Any) -> str:
    """A value as the import reads it back: no value an empty cell (the record had none)."""
    return "" if value is None else str(value)
