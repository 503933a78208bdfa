"""`tracegraph imports RUN --restore DIR`: the rows a full import removed (its removed-RUN.csv:
table, key and the record's values as JSON) written back out as canonical table files — one
per table, its columns those the records had — so that importing DIR puts back rows a cut-off
dump removed by mistake. removed-RUN.csv itself is no table file: the import does not read it.

Values are written as the import reads them back: text as it is (no quote before a formula-like
cell, which the import would keep as part of the value), numbers and ISO 8601 times as text.
An extra column's text that looks like a number (an SAP document number kept as text by a
mapping's `text = true`) comes back a number: no format the import reads keeps it text, so the
restore names such columns (text_read_as_numbers) rather than change them silently.

Only the rows the graph lacks are written (restorable): a row the graph holds again — sent
again since by a later import, or listed but never deleted by a run stopped while removing —
imported from an older file would write its old values over the newer ones.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph
from tracegraph.importing.full import REMOVED_HEADER, Key, key_text, located, row_key
from tracegraph.importing.private_csv import write_private_csv
from tracegraph.importing.reader import table_name
from tracegraph.importing.tables import TABLES
from tracegraph.importing.validate import _extra_value
from tracegraph.importing.writer import (
    BATCH_SIZE,
    RECORD_COLUMNS,
    RELATIONSHIP_PARENT,
    SHAPES,
    SUPPLIER_COLUMNS,
    TOGETHER,
    _held_links,
    _said_again,
    first_columns,
    sent_instant,
    source_shas,
)
from tracegraph.importing.writer import (
    _held as _held_nodes,
)

# A line's values are one record's JSON: several cells, each up to the import's own field limit
# (reader.py's 16 MB), and escaped. csv's default limit (131,072 characters) refused a record
# the import had written without complaint; the largest limit every platform's C long takes.
_FIELD_LIMIT = 2**31 - 1

# full.write_removed's columns before them: `sources` (the row's, space-separated) since rows
# kept them, then `supplier_lots` (a lot's spellings, each with its supplier and sources), then
# `source_shas`, then `taken_off`. A file written before the first has three columns, and its
# rows come back as the restoring source's; one written before the second, four, and a lot
# comes back with its last row's supplier and spelling only; one written before `taken_off`
# lists removed rows alone.
OLDER_HEADERS = (REMOVED_HEADER[:6], REMOVED_HEADER[:5], REMOVED_HEADER[:4], REMOVED_HEADER[:3])

# In each folder a restore writes, the removed rows' senders' last rows (`_source_shas`, from
# removed-RUN.csv's source_shas), which the folder's import puts back once its rows are written
# (put_back_shas): imported, the restored row — the graph's, a mix of the sources' values — was
# each source's last row, and each one's next real export a change (a tester's 546/631/86
# rows "changed", QC's holds released). A dot file: no table file, found by this name only.
RESTORED_SHAS = ".restored-source-shas.csv"

# A source's lots rows that say nothing of the supplier lot (it sent no spelling of the lot),
# as a second part of table lots (reader.table_name): whether a file gives the supplier lot is
# its header's, for all its rows (writer.says_supplier_lot). Written with the last row's
# supplier and number, such a row made QC a sender of the MES's number; with the cells empty,
# it would clear the lot's supplier lot; without the columns, it leaves the spellings alone.
UNSAID_LOTS = "lots_2"

# A row the run's source was only taken off (removed-RUN.csv's `taken_off` 1: another source
# still sends it) comes back in that source's folder alone, as a part of its table holding its
# key, the columns saying which record it is (required ones; an inspection's lot and step, an
# alarm's kind) and, for a lot, that source's supplier-lot spelling: imported, the source sends
# the row again and has its spelling back, and every other column keeps the graph's value. Its
# whole row as the graph held it at the removal would be a change of that source's where
# another source's value had replaced its own, and undo that source's newer change since.
TAKEN_OFF = "_3"
# A lot the source sent no spelling of: without supplier columns (see UNSAID_LOTS).
TAKEN_OFF_UNSAID_LOTS = "lots_4"


@dataclass(frozen=True)
class _Spelling:
    """A lot's supplier-lot spelling: the columns it gives and the sources that sent it."""

    columns: dict[str, Any]
    sources: str

    def __str__(self) -> str:
        named = " ".join(str(v) for v in self.columns.values() if v is not None)
        return f"supplier lot {named} ({self.sources or 'no source recorded'})"


@dataclass(frozen=True)
class _Removed:
    """A line of a removed-RUN.csv: its table, its values, its sources ("": none) and, for a
    lot, its supplier-lot spellings ([]: not known)."""

    table: str
    values: dict[str, Any]
    senders: str
    spellings: list[_Spelling]
    shas: str = ""  # its source_shas cell: `[key, "_source_shas"]` as JSON, or ""
    taken_off: bool = False  # only the run's source taken off it (another still sends it)

    def key(self) -> Key:
        """Its key as the graph holds it (full.row_key), from its values: a device event's
        time read back from its ISO 8601 text, a key column it has no value of (a lot
        identifier's issuer) as none."""
        values = {**{name: None for name in TABLES[self.table].key}, **self.values}
        if self.table == "device_events":
            values["at"] = datetime.fromisoformat(str(values["at"]))
        return row_key(self.table, values)

    def _says(self) -> set[str]:
        """The columns a taken-off row comes back with besides a lot's spelling (TAKEN_OFF)."""
        spec = TABLES[self.table]
        says = {*spec.key, *(c.name for c in spec.columns if c.required),
                *RECORD_COLUMNS.get(self.table, ())}  # fmt: skip
        if self.table == "device_events" and self.values.get("event") == "alarm":
            says.add("result")  # an alarm's kind is in its key (full.raw_key)
        return says

    def not_its_own(self) -> list[str]:
        """The columns a taken-off row (TAKEN_OFF) comes back with whose value at the removal
        was not its source's last (its `source_shas` entry): another source had changed it,
        and importing the row writes it as that source's change, over any newer value — with
        the columns written together with it (TOGETHER: a unit with its quantity). Every such
        column where the entry holds no column hashes (kept before them, or none): the import
        writes the row whole. [] for a removed row."""
        if not self.taken_off:
            return []
        spec = TABLES[self.table]
        back = {name for name in self._says() if name in self.values and name not in spec.key}
        stored = json.loads(self.shas)[1] if self.shas else ""
        source, _, entry = stored.partition(":")
        if ":" not in entry:  # a row hash alone, or none: not known to be its own
            return sorted(back)
        key = {name: self.values.get(name) for name in spec.key}
        given = first_columns(self.table, {**key, "props": {}}, self.values)
        said = _said_again(given, stored, source, None)  # compared as the import compares them
        times = SHAPES[self.table].times
        # only the columns the row comes back with: one its file never had (an inspection's
        # step_id) is hashed as empty, which its entry never held; nor a time its source sent
        # as the same instant with another offset (the import's keep_instants: no change)
        changed = {
            name
            for name in back
            if name in given
            and name not in said
            and not (name in times and sent_instant(stored, source, name, str(self.values[name])))
        }
        for group in TOGETHER.get(self.table, ()):
            if changed & group:
                changed |= group & back
        return sorted(changed)

    def differs(self, now: dict[str, Any] | None) -> set[str]:
        """The columns whose value the row comes back with is not the graph's `now` (its
        stored values; None: it holds no row), hashed as the import hashes them."""
        key = {name: self.values.get(name) for name in TABLES[self.table].key}
        back = first_columns(self.table, {**key, "props": {}}, self.values)
        if now is None:
            return set(back)
        held = first_columns(self.table, {**key, "props": {}}, now)
        return {name for name, item in back.items() if held.get(name) != item}

    def taken_back(self, source: str) -> tuple[str, dict[str, Any]]:
        """The table file and values of a taken-off row as `source` sends it again (see
        TAKEN_OFF): no column whose value another source may have changed since."""
        says = self._says()
        row = {k: v for k, v in self.values.items() if k in says}
        if self.table != "lots":
            return f"{self.table}{TAKEN_OFF}", row
        own = next((s for s in self.spellings if source in s.sources.split()), None)
        if own is None:
            return TAKEN_OFF_UNSAID_LOTS, row
        return f"lots{TAKEN_OFF}", {**row, **own.columns}

    def sent_by(self, source: str) -> tuple[str, dict[str, Any]]:
        """The table file and values of the row as `source` sent it: a lot with its own supplier
        and number (the ERP's V7 `00201384`, the MES's V8 `201384`), where the values hold the
        last row's only; one that sent no spelling of it, without them (UNSAID_LOTS)."""
        if not any(s.sources for s in self.spellings):  # not known by source: as the row holds
            return self.table, self.values
        own = next((s for s in self.spellings if source in s.sources.split()), None)
        if own is None:  # nor the receipt's time, which lives on the link to the supplier
            unsaid = {*SUPPLIER_COLUMNS, "received_at"}  # (validate: a receipt needs one)
            return UNSAID_LOTS, {k: v for k, v in self.values.items() if k not in unsaid}
        merged = {**self.values, **own.columns}
        return self.table, {k: v for k, v in merged.items() if v is not None}

    def sent_by_none(self, sources: list[str]) -> list[str]:
        """The lot's spellings none of `sources` (those its row is restored under) sent, named:
        no folder gets them."""
        if not any(s.sources for s in self.spellings):
            return []
        return [f"lot {self.values.get('lot_id')}: {spelling}" for spelling in self.spellings
                if not set(spelling.sources.split()) & set(sources)]  # fmt: skip


def _spellings(cell: str) -> list[_Spelling]:
    """A supplier_lots cell's spellings. The form first merged (`{"000123": "erp"}`, never
    released) named no supplier: its spellings keep the row's."""
    found = _json(cell, "supplier_lots") if cell else []
    if isinstance(found, dict) and all(isinstance(s, str) for s in found.values()):
        return [_Spelling({"supplier_lot": v}, s) for v, s in found.items()]
    if not isinstance(found, list) or not all(_is_spelling(s) for s in found):
        raise ValueError(f"column supplier_lots: {cell[:40]} is not a list of spellings")
    return [_Spelling({c: s.get(c) for c in SUPPLIER_COLUMNS}, s.get("sources") or "")
            for s in found]  # fmt: skip


def _is_spelling(found: Any) -> bool:
    """Whether a supplier_lots item is a spelling as full.write_removed writes it: its columns
    and sources text or null (a number as sources failed later, a traceback)."""
    return isinstance(found, dict) and all(
        isinstance(found.get(name), str | None) for name in (*SUPPLIER_COLUMNS, "sources")
    )


def _json(cell: str, column: str) -> Any:
    """A cell's JSON; not JSON, a ValueError naming the column (json's own "line 1 column 2"
    is the cell's, not the file's)."""
    try:
        return json.loads(cell)
    except json.JSONDecodeError as exc:
        raise ValueError(f"column {column}: not JSON ({exc.msg} at character {exc.pos + 1} "
                         "of the cell)") from None  # fmt: skip


def read_removed(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Per table, the records of a removed-RUN.csv, in its order."""
    records: dict[str, list[dict[str, Any]]] = {}
    for removed in _removed_rows(path):
        records.setdefault(removed.table, []).append(removed.values)
    return records


def read_removed_by_source(
    path: Path, source: str, renamed: dict[str, str] | None = None
) -> tuple[dict[str, dict[str, list[dict[str, Any]]]], list[str]]:
    """Every row of a removed-RUN.csv per source and table file (see rows_by_source), without
    asking the graph which it holds; its sources under their names now (`renamed`: the
    sources renamed since, _renamed)."""
    return rows_by_source(_removed_rows(path, renamed), source)


def rows_by_source(
    rows: Sequence[_Removed], source: str
) -> tuple[dict[str, dict[str, list[dict[str, Any]]]], list[str]]:
    """The records of a removed-RUN.csv per source that sent them, then per table file (a
    table, or UNSAID_LOTS): a record under each of its sources (a row the ERP and the MES sent,
    removed by a --full run with --remove-other-sources, under both: imported once under each,
    it has both again), a lot with that source's own supplier-lot spelling (each keeps its
    sources when imported), under `source` (the run's) when the file names none (a row written
    before rows kept their sources, or a file written before the column). `source` first. And
    the spellings no folder gets (sent by no source the lot's row is restored under), named."""
    by_source: dict[str, dict[str, list[dict[str, Any]]]] = {source: {}}
    unsent: list[str] = []
    for removed in rows:
        if removed.taken_off:  # the run's source's alone: the others still send it
            table, values = removed.taken_back(source)
            by_source.setdefault(source, {}).setdefault(table, []).append(values)
            continue
        names = removed.senders.split() or [source]
        for name in names:
            table, values = removed.sent_by(name)
            by_source.setdefault(name, {}).setdefault(table, []).append(values)
        unsent.extend(removed.sent_by_none(names))
    return {name: tables for name, tables in by_source.items() if tables}, unsent


def not_their_own(rows: Sequence[_Removed], graph: TraceGraph | None = None) -> list[str]:
    """The taken-off rows holding a column another source had changed (_Removed.not_its_own),
    each `table key: columns`; with `graph`, only the columns whose value differs from the
    graph's now (_Removed.differs): one it holds already changes nothing on import (15
    inspections' test were named, and importing the folder changed 0 rows)."""
    named = [(r, names) for r in rows if (names := r.not_its_own())]
    if graph is not None:
        now = _values_now(graph, [r for r, _ in named])
        differs = {id(r): r.differs(now[r.table].get(r.key())) for r, _ in named}
        named = [(r, kept) for r, names in named
                 if (kept := [n for n in names if n in differs[id(r)]])]  # fmt: skip
    return [f"{r.table} {key_text(tuple(k) if isinstance(k, list) else k)}: {', '.join(names)}"
            for r, names in named for k in (json.loads(r.shas)[0],)]  # fmt: skip


def _values_now(graph: TraceGraph, rows: Sequence[_Removed]) -> dict[str, dict[Key, Any]]:
    """Per table of `rows`, the graph's stored values per key it holds (the import's own
    *_before queries, in batches)."""
    keys: dict[str, list[Key]] = {r.table: [] for r in rows}
    for r in rows:
        keys[r.table].append(r.key())
    now: dict[str, dict[Key, Any]] = {}
    for table, wanted in keys.items():
        parent = RELATIONSHIP_PARENT.get(table)
        now[table] = {}
        for start in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[start : start + BATCH_SIZE]
            held = (_held_nodes(graph, table, batch) if parent is None else
                    _held_links(graph, table, [{parent: p, "lot_id": lot}
                                               for p, lot in batch]))  # fmt: skip
            now[table].update({key: found[0] for key, found in held.items()})
    return now


def removed_shas(rows: Sequence[_Removed]) -> list[list[str]]:
    """The lines of a restore's RESTORED_SHAS file: per row written with `_source_shas`, its
    table, key (JSON), `_source_shas` and the sources that sent it (`_sources`). Not those of
    rows left out: put back, a row the graph holds again would get its senders' entries of the
    removal back over those of the rows they sent since (their next export a change again)."""
    return [[r.table, json.dumps(key), shas, r.senders] for r in rows if r.shas
            for key, shas in (json.loads(r.shas),)]  # fmt: skip


# Why a restore leaves a row of the file out (Restorable.left_out), by a short stable code: the
# graph holds it with the senders it had; the run's source sends a row it was taken off again;
# a later --full run removed it again (its own file holds the newer values).
HELD = "held"
SOURCE_BACK = "source_back"
REMOVED_AGAIN = "removed_again"
SENT_AGAIN = "the run's source sends the row again"


def held_again(sources: str) -> str:
    """HELD's reason, naming who sends the row now."""
    named = ", ".join(sources.split()) or "no source recorded: never deleted, or sent again"
    return f"the graph holds the row again (sent again since by {named})"


def removed_again(run_id: str) -> str:
    """REMOVED_AGAIN's reason, naming the later run."""
    return (f"removed again by the later run {run_id}, whose file holds the newer values: "
            "restore that run, import it, then restore this one again")  # fmt: skip


@dataclass
class Restorable:
    """The rows of a removed-RUN.csv a restore writes — those the graph lacks — and per table
    how many the file lists and how many are left out, per code and reason (HELD, SOURCE_BACK,
    REMOVED_AGAIN)."""

    rows: list[_Removed] = field(default_factory=list)
    listed: Counter[str] = field(default_factory=Counter)
    left_out: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)

    def written(self) -> Counter[str]:
        """Per table, the rows of the file written (each once, whatever its folders)."""
        return Counter(r.table for r in self.rows)


# Per table, the keys later --full runs removed (not only took a source off), and the last run.
Later = dict[str, dict[Key, str]]


def removed_later(files: Sequence[tuple[str, Path]]) -> Later:
    """The rows the runs' removed-RUN.csv files (run id and file, oldest first) removed: a row
    a later run removed again is that run's to restore, with the values it held then."""
    later: Later = {}
    for run_id, path in files:
        for removed in _removed_rows(path):
            if not removed.taken_off:
                later.setdefault(removed.table, {})[removed.key()] = run_id
    return later


def restorable(
    graph: TraceGraph, path: Path, source: str, later: Later, names: dict[str, str] | None = None
) -> Restorable:
    """The rows of run `source`'s removed-RUN.csv the graph lacks (see _restored). A row
    the graph holds again — a later import sent it again, with values newer than the file's,
    or a run stopped while removing listed it and never deleted it — is left out: importing
    it would write the file's values over the graph's; so is one a `later` run removed again."""
    found = Restorable()
    rows = _removed_rows(path, names)
    held = _held(graph, rows)
    for removed in rows:
        found.listed[removed.table] += 1
        key = removed.key()
        again = later.get(removed.table, {}).get(key)
        restored, why = _restored(removed, held[removed.table].get(key), source, again)
        if restored is not None:
            found.rows.append(restored)
        else:
            found.left_out.setdefault(removed.table, Counter())[why] += 1
    return found


def _restored(
    removed: _Removed, sources: str | None, source: str, again: str | None
) -> tuple[_Removed | None, tuple[str, str]]:
    """A row as a restore writes it, or None and why it is left out (code, reason), given the
    `_sources` of the row the graph holds under its key (None: it holds none) and the later
    run that removed it again (`again`). A row the graph lacks that a later run removed again
    is left out: restored first, its older values were written, and the later run's restore
    then left its newer row out as held. A removed row the graph holds is left out, naming who
    sends it; a row the run's source was only taken off comes back as a partial row (TAKEN_OFF)
    while the row lacks that source, and is left out once it sends it again. A taken-off row
    comes back whole as the
    source's removed row when the graph no longer holds it (the other sources' full dumps
    removed it since: their own restores give it back to them)."""
    if sources is None:
        if again is not None:
            return None, (REMOVED_AGAIN, removed_again(again))
        if removed.taken_off:
            return replace(removed, taken_off=False, senders=source), ("", "")
        return removed, ("", "")
    if removed.taken_off:
        if source not in sources.split():
            return removed, ("", "")
        return None, (SOURCE_BACK, SENT_AGAIN)
    # A removed row the graph holds again (sent since, or listed and never deleted): left out.
    # Given back as a partial row to its senders that no longer send it, its required columns
    # (a shipment line's quantity) went over the newer ones on import (5 over the MES's 7:
    # review of saferestore2); their next export makes them its senders again.
    return None, (HELD, held_again(sources))


def _held(graph: TraceGraph, rows: Sequence[_Removed]) -> dict[str, dict[Key, str]]:
    """Per table of `rows`, the keys among theirs whose row the graph holds — one with its row
    hash: not a stub nor a node known only from references, whose row is gone — with its
    `_sources` ("": none kept). Read in batches by key on the table's index with the import's
    own *_shas queries (hashes and sources alone, where the *_before queries read each row
    whole): no query per row."""
    keys: dict[str, list[Key]] = {}
    for removed in rows:
        keys.setdefault(removed.table, []).append(removed.key())
    held: dict[str, dict[Key, str]] = {table: {} for table in keys}
    for table, wanted in keys.items():
        parent = RELATIONSHIP_PARENT.get(table)
        for start in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[start : start + BATCH_SIZE]
            if parent is None:
                found = graph.read(f"import/{table}_shas", keys=batch, source=None, spells=False)
            else:
                rows_of = [{parent: p, "lot_id": lot} for p, lot in batch]
                found = graph.read(f"import/{table}_shas", rows=rows_of, source=None)
            for r in found:
                key = r["key"] if parent is None else (r["parent"], r["lot_id"])
                if r["sha"] is not None:
                    held[table][key] = r["sources"] or ""
    return held


def write_restored_shas(rows: list[list[str]], folder: Path) -> Path | None:
    """RESTORED_SHAS in `folder` (see removed_shas); none without such rows."""
    if not rows:
        return None
    header = ["table", "key", "source_shas", "sources"]
    return write_private_csv(folder / RESTORED_SHAS, [header, *rows],
                             "the restored rows' sources",
                             "free space, or give --restore a folder on another disk")  # fmt: skip


def put_back_shas(
    graph: TraceGraph, paths: Sequence[Path], source: str | None, imported: Sequence[Path]
) -> bool:
    """Once a restore's folder is imported, its rows' senders' last rows as the removed rows
    held them (RESTORED_SHAS): each source's last row its own again, not the restored (mixed)
    row its folder's import recorded — the ERP's next unchanged export is no news, QC's hold
    stays. Never over a newer entry: only the run's `source`'s, and only for the tables whose
    files in the folder this run `imported` (its entry is then the one this run recorded), and
    the entries of sources a --full took off before where the row has none. A folder whose
    files were all skipped as unchanged puts back nothing: imported again after QC released
    the lot for real, it put QC's old entry (its hold) back over the release, and QC's next
    hold was no news, lost. Every folder of a restore holds them all: imported in any order,
    each puts back its own source's. A folder's files given one by one (`DIR/lots.csv
    DIR/lot_identifiers.csv`) are its import too, and so is the folder through a symlink or a
    relative path: paths are compared resolved, and each file imported counts for its own
    folder. Returns whether a folder given (or a given file's) was a restore's."""
    restoring = False
    for folder in dict.fromkeys(p.resolve() if p.is_dir() else p.resolve().parent for p in paths):
        found = folder / RESTORED_SHAS
        if not found.is_file():
            continue
        restoring = True
        written = {table_name(f) for f in imported if f.resolve().parent == folder}
        for table, removed in _restored_shas(found).items():
            mine = source if table in written else None
            kind = "link" if table in RELATIONSHIP_PARENT else "node"
            ids = {element: key for key, (element, _, _)
                   in located(graph, table, list(removed), None).items() if element}  # fmt: skip
            rows = [{"id": r["id"], "shas": _shas_back(mine, r["shas"], *removed[ids[r["id"]]])}
                    for r in graph.read(f"import/{kind}_source_shas", ids=list(ids))]  # fmt: skip
            rows = [r for r in rows if r["shas"] is not None]
            if rows:
                graph.write(f"import/set_{kind}_shas", rows=rows)
    return restoring


def _restored_shas(path: Path) -> dict[str, dict[Key, tuple[str, str]]]:
    """Per table, per key, the `_source_shas` and senders a RESTORED_SHAS file holds; one
    edited or cut off is a ConfigurationError naming its line, not a crash after the writes."""
    by_table: dict[str, dict[Key, tuple[str, str]]] = {}
    line = 1
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:  # written with a BOM
            for line, row in enumerate(csv.reader(file), start=1):
                if line == 1:
                    continue
                table, key, shas, senders = row
                typed = json.loads(key)
                if table not in TABLES or not isinstance(typed, str | int | float | list):
                    raise ValueError(table)
                by_table.setdefault(table, {})[tuple(typed) if isinstance(typed, list)
                                               else typed] = (shas, senders)  # fmt: skip
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read {path}: {exc.strerror or exc}",
            hint="it is the restore's record of the sources' last rows: run the restore again",
        ) from None
    except (ValueError, csv.Error):  # json's errors are ValueErrors too, and so is a short row
        raise ConfigurationError(
            f"{path} line {line} is not a restored row's table, key, hashes and sources",
            hint="the file is written by `imports RUN --restore` and read as written: run the "
            "restore again into an empty folder",
        ) from None
    return by_table


def _shas_back(mine: str | None, now: str | None, removed: str, senders: str) -> str | None:
    """A restored row's `_source_shas` (None: leave it as it is): the removed row's entry of
    the run's source (`mine`; None: its folder's file was not imported), and those of the
    sources it had besides its senders (`senders`: a --full took them off before) that the
    row has none of now; every other entry as the row has it now (another source's may be
    newer than the removed row's: its real export since)."""
    sent, entries = set(senders.split()), source_shas(now)
    back = {
        name: entry
        for name, entry in source_shas(removed).items()
        if (name == mine and name in sent) or (name not in sent and name not in entries)
    }
    if all(entries.get(name) == entry for name, entry in back.items()):
        return None
    entries.update(back)
    return " ".join(f"{name}:{entries[name]}" for name in sorted(entries))


def _removed_rows(path: Path, names: dict[str, str] | None = None) -> list[_Removed]:
    """Each line of a removed-RUN.csv, in its order, its sources under `names` (_renamed)."""
    found: list[_Removed] = []
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows = csv.reader(file, strict=True)  # a quote left open is an error, not text
            header = next(rows, None)
            if header != REMOVED_HEADER and header not in OLDER_HEADERS:
                raise ValueError(f"its first line is not {','.join(REMOVED_HEADER)}")
            assert header is not None
            for line, row in enumerate(rows, start=2):
                try:
                    found.append(_renamed(_removed(row, header), names or {}))
                except ValueError as exc:
                    raise ValueError(f"line {line}, {exc}") from None
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the file of removed rows {path}: {exc.strerror or exc}",
            hint="the run's ledger entry names where it was written; was it moved?",
        ) from None
    except (ValueError, csv.Error) as exc:  # json's errors are ValueErrors too
        raise ConfigurationError(
            f"{path} is not a file of removed rows as import --full writes it: {exc}",
            hint="restore from the removed-RUN.csv the run wrote, as it was written",
        ) from None
    return found


def _renamed(removed: _Removed, names: dict[str, str]) -> _Removed:
    """`removed` with the sources it names (its senders, a lot's spellings' and its senders'
    last rows) under their names now (`names`: old → new, rename.current_names): a source
    renamed since the run got back no spelling of a lot it was taken off (its spelling named
    the old name), and a removed row came back in a folder of a source no run has."""
    if not names:
        return removed

    def now(sources: str) -> str:
        return " ".join(sorted({names.get(name, name) for name in sources.split()}))

    shas = removed.shas
    if shas:
        key, stored = json.loads(shas)
        entries = {names.get(name, name): entry for name, entry in source_shas(stored).items()}
        shas = json.dumps([key, " ".join(f"{n}:{entries[n]}" for n in sorted(entries))])
    spellings = [_Spelling(s.columns, now(s.sources)) for s in removed.spellings]
    return replace(removed, senders=now(removed.senders), spellings=spellings, shas=shas)


def _removed(row: list[str], header: list[str]) -> _Removed:
    """One line's removed row; a ValueError naming the column where it is not one."""
    if len(row) != len(header) or row[0] not in TABLES:
        raise ValueError(f"column table: not a removed row of a table ({len(row)} columns)")
    values = _json(row[2], "values")
    if not isinstance(values, dict):
        raise ValueError("column values: not a record")
    # a lot's supplier_lots; empty for other tables and in older files
    spellings = _spellings(row[4] if len(row) > 4 else "")
    shas = row[5] if len(row) > 5 else ""  # in older files none
    if shas:
        found = _json(shas, "source_shas")
        if not (isinstance(found, list) and len(found) == 2 and isinstance(found[1], str)):
            raise ValueError(f"column source_shas: {shas[:40]} is not a key and its hashes")
    taken = row[6] if len(row) > 6 else ""  # in older files none: every row removed
    if taken not in ("", "0", "1"):
        raise ValueError(f"column taken_off: {taken[:40]} is neither 1 nor empty")
    removed = _Removed(row[0], values, row[3] if len(row) > 3 else "", spellings, shas,
                       taken == "1")  # fmt: skip
    try:  # looked up in the graph by it (restorable): an edited record is told here, by line
        hash(removed.key())
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"column values: the record holds no key of {row[0]}") from None
    return removed


def write_tables(records: dict[str, list[dict[str, Any]]], folder: Path) -> dict[str, Path]:
    """Each table's records as FOLDER/TABLE.csv (a part of one, `lots_2`, as FOLDER/lots_2.csv),
    in import order: the table's columns in their order, then its extra columns by name. An
    existing file is not overwritten (it may be tonight's dump). Each file is written under a
    temporary name and all are renamed at the end: a write that fails (a full disk) removes
    what was written, so that running it again does not refuse for the files of the first
    attempt."""
    order = list(TABLES)
    parts = sorted(records, key=lambda part: (order.index(_table(part)), part))
    targets = {part: folder / f"{part}.csv" for part in parts}
    for path in targets.values():
        if path.exists():
            raise ConfigurationError(
                f"{path} exists: the restored rows are not written over it",
                hint="give --restore an empty folder (or a new one)",
            )
    # not *.csv: an import of the folder meanwhile does not read a half-written table
    partial = {table: path.with_name(f".{path.name}.restoring") for table, path in targets.items()}
    renamed: list[Path] = []
    try:
        for table, path in partial.items():
            rows = records[table]
            columns = _columns(_table(table), rows)
            cells = ([_cell(row.get(c)) for c in columns] for row in rows)
            write_private_csv(path, [columns, *cells], "the restored rows",
                              "free space, or give --restore a folder on another disk")  # fmt: skip
        for table, path in partial.items():
            os.replace(path, targets[table])
            renamed.append(targets[table])  # ours: the check above found no file by its name
    except BaseException:
        for path in [*partial.values(), *renamed]:
            with contextlib.suppress(OSError):  # the error that brought us here is the one to tell
                path.unlink(missing_ok=True)
        raise
    return targets


def text_read_as_numbers(records: dict[str, list[dict[str, Any]]]) -> dict[str, Counter[str]]:
    """Per table, its extra columns' text values that the import reads back as numbers, and
    how many: an extra column's cell that looks like a number is one on import (validate's
    _extra_value) in every file format it reads — CSV, and XLSX text cells and Parquet string
    columns alike — so an SAP document number kept as the text "4900000001" comes back as the
    number 4900000001, and "1.250" as 1.25. Canonical columns are typed by their column."""
    found: dict[str, Counter[str]] = {}
    for part, rows in records.items():
        table = _table(part)  # lots_2's with lots'
        known = {c.name for c in TABLES[table].columns} if table in TABLES else set()
        counts: Counter[str] = Counter(
            name
            for row in rows
            for name, value in row.items()
            if name not in known and isinstance(value, str) and value.strip()
            and not isinstance(_extra_value(value), str)
        )  # fmt: skip
        if counts:
            found[table] = found.get(table, Counter()) + counts
    return found


def _table(part: str) -> str:
    """The table a table file's name is a part of (`lots_2`: lots)."""
    return table_name(Path(part))


def _columns(table: str, rows: list[dict[str, Any]]) -> list[str]:
    known = [c.name for c in TABLES[table].columns]
    present = {name for row in rows for name in row}
    return [c for c in known if c in present] + sorted(present - set(known))


def _cell(value: Any) -> str:
    """A value as the import reads it back: no value an empty cell (the record had none)."""
    return "" if value is None else str(value)
