"""Finding lots by any name they are known by, and suggesting close ones when none matches."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from tracegraph import flow
from tracegraph.check import lot_beyond_tolerance, lot_tolerance
from tracegraph.errors import AmbiguousLot, UnknownLot
from tracegraph.graph import TraceGraph
from tracegraph.identities import lookup_key
from tracegraph.idtext import normal_id
from tracegraph.importing.changes import column_changes
from tracegraph.values import STEP_FIELDS, first_ids, instant_key, iso, public_props

# Characters with a meaning in Lucene's query syntax: escaped so that user text is only text.
_RUNS = re.compile(r"[^\W\d_]+|\d+")
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/]|&&|\|\|)')


_LOT_KEYS = ("lot_id", "material_id", "quantity", "uom", "status", "created_at", "expires_at",
             "origin_known")  # fmt: skip


def id_list(ids: str | Iterable[str]) -> list[str]:
    """Ids as a list; one id given as a plain string is one id (it was read letter by letter:
    `trace_forward(graph, "R0000001")` said no lot is known as 'R')."""
    return [ids] if isinstance(ids, str) else list(ids)


def resolve_lots(
    graph: TraceGraph, ids: Iterable[str], named_by: dict[str, list[str]] | None = None
) -> list[str]:
    """The lot ids the given ids name, in the order given, each once (`named_by` gets the ids
    given for each lot two or more of them named: `R0003909` and `supplier_lot|V12|746882`).

    An id may be a lot id, an identity key (`supplier_lot|V07|000123`, `tlc||TLC-1`,
    `gtin_lot|09506000134352|L1`, or the GS1 element string `(01)09506000134352(10)L1`) or an
    identity value that names exactly one lot (a supplier lot number only one supplier used).
    A unit's serial, `(01)09506000134352(21)SN` or `serial|09506000134352|SN`, is its key
    first; only when no identity has that key, the one lot serial SN imported without a GTIN
    (`serial||SN`) names, unless that lot is known under another GTIN — two such lots, or one
    of another GTIN, raise AmbiguousLot or UnknownLot naming them, never a pick;
    `lot_id|X` names the lot whose id is X and nothing else. An id naming no lot raises
    UnknownLot, with close candidates in the hint; one naming several lots raises AmbiguousLot
    listing them — also a lot id that is another lot's supplier lot number (a supplier's bad
    batch 000123 traced as the plant's lot 000123 recalled the wrong lot, without a word).
    """
    asked = AskedLots.of(ids)
    return asked.decided(graph, graph.read("lot/resolve", ids=asked.asked)[0]["ids"], named_by)


@dataclass(frozen=True)
class AskedLots:
    """Ids as resolve_lots reads them, before the graph is asked: `wanted`, the ids given
    (stripped, each once); `asked`, what the graph is asked for (cypher/lot/resolve.cypher's
    $ids, and a trace's $asked: the same look-ups)."""

    wanted: list[str]
    by_id_only: frozenset[str]  # `lot_id|X`: the lot X, nothing else
    asked_as: dict[str, str]

    @classmethod
    def of(cls, ids: Iterable[str]) -> AskedLots:
        # Ids are stored without surrounding spaces (the import strips them), so an id pasted
        # from a padded export column (' R0000003') names the lot it shows.
        wanted = list(dict.fromkeys(t for t in (normal_id(i) for i in id_list(ids)) if t))
        if not wanted:
            raise UnknownLot("no lot given", hint="name at least one lot id")
        by_id_only = frozenset(text for text in wanted if text.startswith(LOT_ID_KEY))
        # what each is asked as: `lot_id|X` as X; `shipment|X` as itself (the look-up names
        # its lots), X stripped; a GS1 element string as printed under a barcode,
        # `(01)GTIN(10)LOT`, as the key of its identity, as is `gtin_lot|GTIN|LOT` with a GTIN-13
        # (the import keeps GTIN-14s)
        asked_as = {
            text: normal_id(text[len(LOT_ID_KEY):]) if text in by_id_only
            else SHIPMENT_KEY + normal_id(text[len(SHIPMENT_KEY):])
            if text.startswith(SHIPMENT_KEY) else lookup_key(text) or text
            for text in wanted
        }  # fmt: skip
        return cls(wanted, by_id_only, asked_as)

    @property
    def asked(self) -> list[str]:
        return list(dict.fromkeys(self.asked_as.values()))

    def decided(
        self, graph: TraceGraph, resolution: list[dict[str, Any]],
        named_by: dict[str, list[str]] | None = None,
    ) -> list[str]:  # fmt: skip
        """The lots, from what the graph said of each asked id (resolve.cypher's maps); raises
        UnknownLot or AmbiguousLot as resolve_lots says. The trace queries trace the same
        decision (cypher/trace/forward.cypher's `traced`): a rule changed here is changed there.
        `named_by` gets the ids given for each lot that two or more of them named."""
        rows = {row["id"]: row for row in resolution}
        found: list[str] = []
        given_as: dict[str, list[str]] = {}

        def take(text: str, lots: list[str]) -> None:
            found.extend(lots)
            if named_by is not None:  # rootcause's alone: a 30k-lot recall keeps no lists
                for lot in lots:
                    given_as.setdefault(lot, []).append(text)

        # every unknown id, named together: a list of 35 with two typos said the first alone,
        # and the second was found on the next run (id as given, as asked, the message)
        unknown: list[tuple[str, str, str]] = []
        for text in self.wanted:
            row = rows[self.asked_as[text]]
            if text.startswith(SHIPMENT_KEY):  # as given: `lot_id|shipment|X` is a lot id
                shipment = row["id"][len(SHIPMENT_KEY) :]
                if not row["by_shipment"]:
                    raise UnknownLot(
                        f"no shipment {shipment!r} with a lot on it",
                        hint="give a shipment id as the shipments export has it "
                        "(shipment|0084000001): its lines name the lots",
                    )
                take(text, sorted(row["by_shipment"]))  # not in the store's order
                continue
            if text in self.by_id_only:
                if not row["by_lot_id"]:
                    unknown.append((text, row["id"], f"no lot has the id {row['id']!r}"))
                take(text, row["by_lot_id"])
                continue
            others = sorted({v["lot_id"] for v in row["by_value"]} - set(row["by_lot_id"]))
            if row["by_lot_id"] and others:
                raise AmbiguousLot(
                    f"{row['id']!r} names {len(others) + 1} lots: {row['id']} (lot id); "
                    + "; ".join(_named_by_value(v, row["id"]) for v in row["by_value"]
                                if v["lot_id"] in others),
                    hint=f"give {LOT_ID_KEY}{row['id']} for the lot with that id, or "
                    + _keys_text([v for v in row["by_value"] if v["lot_id"] in others]),
                )  # fmt: skip
            lots = row["by_lot_id"] or sorted(row["by_key"])  # not in the store's order
            if not lots and row["by_serial"]:
                lots = [_serial_without_gtin(row)]
            if not lots:
                lots = sorted({v["lot_id"] for v in row["by_value"]})
                if len(lots) > 1:
                    options = "; ".join(
                        _named_by_value(v, row["id"])
                        for v in sorted(row["by_value"], key=lambda v: v["lot_id"])
                    )
                    raise AmbiguousLot(
                        f"{row['id']!r} names {len(lots)} lots: {options}",
                        hint=_ambiguity_hint(row["by_value"]),
                    )
            if not lots:
                unknown.append((text, row["id"], f"no lot is known as {row['id']!r}"))
            take(text, lots)
        if unknown:
            raise _unknown(graph, unknown)
        if named_by is not None:
            named_by.update((lot, texts) for lot, texts in given_as.items() if len(texts) > 1)
        return list(dict.fromkeys(found))


# `lot_id|000123`: the lot whose id is 000123, where that is also another lot's supplier lot
LOT_ID_KEY = "lot_id|"
# `shipment|0084000001`: the lots a shipment carried — a complaint names its delivery, not lots
SHIPMENT_KEY = "shipment|"


def _serial_without_gtin(row: dict[str, Any]) -> str:
    """The lot a unit's `serial|GTIN|SN` names when no identity has that key: the one lot of
    serial SN imported without its GTIN (`serial||SN`, resolve.cypher's `by_serial`), unless
    that lot is known under other GTINs only (its gtin_lot identities, its GTIN-issued serials)
    — then it is another product's unit. Two lots are an error too: never a pick."""
    _, gtin, serial = row["id"].split("|", 2)
    named = row["by_serial"]
    if len(named) > 1:
        raise AmbiguousLot(
            f"no lot is known as {row['id']!r}, and serial {serial!r} without a GTIN names "
            f"{len(named)} lots: {', '.join(sorted(n['lot_id'] for n in named))}",
            hint="give the unit's lot id, or import its serial with its GTIN as issuer (a "
            f"lot_identifiers row of scheme serial, value {serial}, issuer {gtin})",
        )
    lot, gtins = named[0]["lot_id"], sorted(named[0]["gtins"])
    if gtins and gtin not in gtins:
        raise UnknownLot(
            f"no lot is known as {row['id']!r}: serial {serial!r} without a GTIN is lot {lot}'s, "
            f"which is known under GTIN {', '.join(gtins)}, not {gtin}",
            hint=f"check the label's GTIN; give {LOT_ID_KEY}{lot} if the unit is of that lot",
        )
    return str(lot)


def _named_by_value(named: dict[str, Any], value: str) -> str:
    """`R-2024-0815 (supplier_lot V7 000123)`: a lot an identity value names, and as what."""
    return f"{named['lot_id']} ({named['scheme']} {named['issuer'] or ''} {value})".replace(
        "  ", " "
    )


def _keys_text(named: list[dict[str, Any]]) -> str:
    """`supplier_lot|V1|R6 (R11); supplier_lot|V2|R6 (R13, R14)`: keys and the lots they name."""
    keys: dict[str, list[str]] = {}
    for v in named:
        keys.setdefault(v["key"], []).append(v["lot_id"])
    return "; ".join(f"{key} ({', '.join(sorted(lots))})" for key, lots in sorted(keys.items()))


def _ambiguity_hint(named: list[dict[str, Any]]) -> str:
    """What to give instead of a value several lots carry. One supplier's lot received twice
    (two trucks, two internal lots) is one identity key naming both — in a recall, both must
    go: the hint said "give the internal lot id", and a coordinator recalled one of them."""
    keys = {v["key"] for v in named}
    if len(keys) == 1:
        return (f"{keys.pop()} names all {len(named)} (one identity carried by several lots); "
                "a lot id names one")  # fmt: skip
    return "give a lot id, or the identity key of one issuer: " + _keys_text(named)


def candidates(graph: TraceGraph, text: str, limit: int = 8) -> list[dict[str, Any]]:
    """Lots whose id or an alias is close to `text` (typos, missing leading zeros, prefixes)."""
    terms = [t for t in re.split(r"\s+", text.strip()) if t]
    if not terms:
        return []
    # The index splits ids at hyphens and dots (PST-001 is "pst" and "001"), so a whole term
    # with one (PST-01) matched nothing and PST001 nothing either: each term is also asked as
    # its runs of letters and of digits (one-character runs would match nearly every lot).
    # A run is sought as a term (fuzzy, or as a prefix), never with a leading wildcard: *01*
    # would match most of a million lots' index, on every mistyped id.
    whole = [t.lower() for t in terms]
    parts = [p for t in whole for p in _RUNS.findall(t) if len(p) > 1 and p not in whole]
    clauses = []
    for term in whole:
        escaped = _LUCENE_SPECIAL.sub(r"\\\1", term)
        clauses.append(f"{escaped}~ OR *{escaped}* OR {escaped}*")
    for part in dict.fromkeys(parts):
        escaped = _LUCENE_SPECIAL.sub(r"\\\1", part)
        clauses.append(f"{escaped}~ OR {escaped}*")
    search = " OR ".join(f"({c})" for c in clauses)
    found = graph.read("lot/candidates", search=search, limit=max(4 * limit, 20))
    same = {row["lot_id"]: row for row in graph.read("lot/same_number", ids=same_number(text))}
    # Lucene's score ranks a fuzzy hit by term statistics, not by likeness: `R000001` put
    # R0000001 fourth, and `X` got five unrelated lots. Ranked by how alike the names are, and
    # only names at least half alike.
    wanted = text.strip().casefold()

    def likeness(row: Any) -> float:
        names = [row["lot_id"], *(alias.rsplit(" ", 1)[-1] for alias in row["aliases"])]
        return max(SequenceMatcher(None, wanted, n.casefold()).ratio() for n in names)

    # The same id but for leading zeros or case first, in lot id order; then the likest.
    ranked = [(1.0, same[lot_id]) for lot_id in sorted(same)] + sorted(
        ((likeness(row), row) for row in found if row["lot_id"] not in same),
        key=lambda item: -item[0],  # stable: Lucene's order among equally alike names
    )
    return [dict(row) for alike, row in ranked if alike >= 0.5][:limit]


# A typed id's digit runs are padded to every width up to this one (lot ids and supplier lot
# numbers are rarely longer than 12 digits)...
_PAD_WIDTH = 12
# ... and to the fixed lengths of GS1's numbers, which scanners and labels print with their
# leading zeros and people type without: GTIN-13 and -14, the GSIN (17), the SSCC of a pallet
# (18), and 20, the longest lot or serial number (AI 10, 21). A 17-digit run got no variant at
# all (the widths ended at 12), so an SSCC typed as 12345678901234567 found nothing. Bounded:
# at most 17 widths per run, each run padded alone (not every combination of runs).
_GS1_WIDTHS = (13, 14, 17, 18, 20)


def same_number(text: str) -> list[str]:
    """`text` with each run of digits given other leading zeros (R19, R000019 and R00000019 are
    all R0000019 typed otherwise; 123 is supplier lot 000123), and in capitals: the exact ids
    `lot/same_number` looks for. Not `text` itself: it matched nothing."""
    text = normal_id(text)
    runs = re.split(r"(\d+)", text)
    variants = [text]
    for i in range(1, len(runs), 2):  # split's odd places are the digit runs
        number = runs[i].lstrip("0") or "0"
        before, after = "".join(runs[:i]), "".join(runs[i + 1 :])
        widths = [*range(len(number), _PAD_WIDTH + 1), *_GS1_WIDTHS]
        variants += [before + number.zfill(width) + after
                     for width in widths if width >= len(number)]  # fmt: skip
    variants += [v.upper() for v in variants]
    return [v for v in dict.fromkeys(variants) if v != text]


# Where each id of a lots file was ("typos.txt line 34"), set by the command that read the file:
# an unknown id is named with its line
ID_LINES: ContextVar[dict[str, str] | None] = ContextVar("id_lines", default=None)
UNKNOWN_NAMED = 5  # the unknown ids named, each with its close matches, before "and N more"


def _unknown(graph: TraceGraph, unknown: list[tuple[str, str, str]]) -> UnknownLot:
    """One error for every unknown id: one alone as it always was (its close matches the
    hint), several named with theirs — the first UNKNOWN_NAMED, then how many more."""
    lines = ID_LINES.get() or {}

    def where(text: str) -> str:
        return f" ({lines[text]})" if text in lines else ""

    if len(unknown) == 1:
        text, asked, message = unknown[0]
        return UnknownLot(message + where(text), hint=_suggest(graph, asked))
    named = [f"{asked!r}{where(text)}: {_suggest(graph, asked)}"
             for text, asked, _ in unknown[:UNKNOWN_NAMED]]  # fmt: skip
    more = len(unknown) - UNKNOWN_NAMED
    return UnknownLot(
        f"{len(unknown):,} ids name no lot — " + "; ".join(named)
        + (f"; and {more:,} more" if more > 0 else ""),
        hint="correct them and run again (`tracegraph lot show ID` checks one)",
    )  # fmt: skip


def _suggest(graph: TraceGraph, text: str) -> str:
    close = candidates(graph, text, limit=5)
    if not close:
        if not graph.read("lot/any_lot")[0]["found"]:
            return "the database holds no lots: import exports first, or check NEO4J_URI"
        return "check the id; `tracegraph lot show` accepts lot ids and supplier lot numbers"
    names = ", ".join(
        row["lot_id"] + (f" ({'; '.join(row['aliases'])})" if row["aliases"] else "")
        for row in close
    )
    return f"close matches: {names}"


def show_lot(graph: TraceGraph, text: str) -> dict[str, Any]:
    """The dossier of the lot `text` names: identity, origin, process, inspections, where it
    went. `text` may be any identity of the lot; close candidates are suggested if none fits."""
    started = time.perf_counter()
    found = resolve_lots(graph, [text])
    if len(found) > 1:
        # an identity key two lots carry (one supplier batch delivered twice): a trace takes
        # both, a dossier is of one lot — it showed the first alone, without a word
        raise AmbiguousLot(
            f"{text!r} names {len(found)} lots: {', '.join(found)}",
            hint="show each by its lot id (trace and recall take the key for all of them)",
        )
    lot_id = found[0]
    row = graph.read("lot/show", lot_id=lot_id)[0]
    # the same keys for every lot (null where a stub has none), for scripts that read them
    lot = {**dict.fromkeys(_LOT_KEYS), **public_props(row["lot"])}

    def step_entry(entry: dict[str, Any]) -> dict[str, Any]:
        step = public_props(entry["step"])
        return {
            "step_id": step["step_id"],
            "operation": step.get("operation"),
            "started_at": step.get("started_at"),
            "ended_at": step.get("ended_at"),
            "device_id": entry["device_id"],
            "operator_id": entry["operator_id"],
            "parameters": {k: v for k, v in step.items() if k not in STEP_FIELDS},
            "quantity": entry["quantity"],
            "uom": entry["uom"],
            "lots": sorted(entry["lots"], key=lambda e: e["lot_id"]),
        }

    receipts = [{**r, "received_at": iso(r["received_at"])} for r in row["supplied_by"]]
    made_by = [step_entry(e) for e in row["made_by"]]
    used_in = [step_entry(e) for e in row["used_in"]]
    origin = "received" if receipts else "produced" if made(made_by, used_in) else "unknown"
    loop = graph.read("lot/closed_loop", lot_id=lot_id) if origin == "produced" else []
    if loop:
        # made from lots made from it alone, none received (X1 -> X2 -> X3 -> X1): where it
        # came from is not known, as `check` and a backward trace say (it said "produced")
        origin = "unknown"
    if lot.get("origin_known") is False:
        origin = _stub_origin(origin, loop[0]["loop"] if loop else [])
    return {
        "lot": {**lot, "material": public_props(row["material"]) or None,
                "location": public_props(row["location"]) or None},
        "asked_as": text,
        # the sources whose imports sent the lot's row (import --source): none for a stub, and
        # None for a row imported before rows kept their sources
        "sources": _sources(row["lot"]),
        # each with the sources that sent it (`sources`; None: written before they were kept):
        # two sources' spellings of one supplier lot (the ERP's 000123, the MES's 123) both stay
        "aliases": sorted((_alias(a) for a in row["aliases"]), key=lambda a: a["key"]),
        "origin": origin,
        "received": receipts,
        "made_by": made_by,
        "inspections": sorted(
            (public_props(i) for i in row["inspections"]),
            key=lambda i: (instant_key(i.get("inspected_at")), i["inspection_id"]),
        ),
        # as instants: an SAP receipt's +01:00 and the MES's +08:00 meet in one lot's lists
        "used_in": sorted(used_in, key=lambda s: (instant_key(s["started_at"]), s["step_id"])),
        "shipments": sorted(({**s, "shipped_at": iso(s["shipped_at"])} for s in row["shipped"]),
                            key=lambda s: (instant_key(s["shipped_at"]), s["shipment_id"])),
        "balance": checked_balance(lot, used_in, row["shipped"], made_by),
        "recalls": sorted(row["recalls"]),
        # Rows of imports that changed the lot or one of its links (the import ledger).
        "changes": sorted(({
            "at": iso(c["at"]), "run_id": c["run_id"], "user": c["user"],
            # an interrupted run recorded the change before making it: its re-run records the
            # same change again, and only one of the two was made
            "run_status": c["run_status"], "table": c["table"],
            "key": c["key"], "file": c["file"], "line": c["line"],
            "columns": column_changes(c),
            # a row or link a full import (--full) removed: each column it held, to none
            "removed": bool(c.get("removed")),
        } for c in row["changes"]), key=lambda c: (instant_key(c["at"]), c["table"], c["key"])),
        "seconds": round(time.perf_counter() - started, 4),
    }  # fmt: skip


def _sources(lot: dict[str, Any]) -> list[str] | None:
    """The sources that sent a lot's row (its `_sources`): [] for a stub (no row), None for a
    row imported before rows kept their sources."""
    if lot.get("_sources") is not None:
        return sorted(lot["_sources"].split(" "))  # one string, see writer.source_names
    return None if lot.get("_row_sha") is not None else []


def _alias(alias: dict[str, Any]) -> dict[str, Any]:
    """A lot's identity with the sources that sent it, as a list (None: written before
    identities kept their sources)."""
    sources = alias.get("sources")
    return {**alias, "sources": sorted(sources.split(" ")) if sources else None}


def _stub_origin(origin: str, loop: list[str]) -> str:
    """The origin of a stub (origin_known = false: a later record named it, the lots table
    never listed it). One a step_outputs row made is produced: only its own lots row is
    missing (the dossier said "never received or produced" above the step that produced it).
    One in a loop with nothing coming in (`loop`, its lots) was made, from lots made from it
    alone: it said "never received or produced" there too, where `check` lists it
    `in_closed_loop`."""
    if origin != "unknown":
        return (f"{origin} (no row of its own in the lots table: its quantity and material are "
                "not known)")  # fmt: skip
    if loop:
        return (
            f"unknown (stub in a closed loop: lots {first_ids(loop, 5)} are made only from "
            "each other and none was received; no row of its own in the lots table)"
        )
    return "unknown (stub: named by a later record, never received or produced)"


def made(made_by: list[dict[str, Any]], used_in: list[dict[str, Any]]) -> bool:
    """Whether a step made the lot: one that lists it among its outputs without taking it in.
    A rework in place takes the lot in and gives it back: it does not make it, and a stub only
    such a step names is of unknown origin (`lot show` said "origin produced" of it while
    `check` listed it). cypher/check/unknown_origin.cypher applies the same rule (and calls
    the lots of a loop with nothing coming in unknown too: cypher/lot/closed_loop.cypher)."""
    reworked = {s["step_id"] for s in used_in}
    return any(s["step_id"] not in reworked for s in made_by)


def checked_balance(
    lot: dict[str, Any],
    used_in: list[dict[str, Any]],
    shipped: list[dict[str, Any]],
    made_by: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The balance, with what `tracegraph check` makes of it at its default tolerance:
    `tolerance` (none for pieces, null for a unit the check does not weigh) and
    `beyond_tolerance` (true when the check lists the lot as used and shipped beyond its
    quantity), so that a remark pointing to the check points to a finding."""
    left = balance(lot, used_in, shipped, made_by)
    if left is None:
        return None
    return {**left, "tolerance": lot_tolerance(left["uom"]),
            "beyond_tolerance": lot_beyond_tolerance(left)}  # fmt: skip


def balance(
    lot: dict[str, Any],
    used_in: list[dict[str, Any]],
    shipped: list[dict[str, Any]],
    made_by: Sequence[dict[str, Any]] = (),
) -> dict[str, Any] | None:
    """What is left of the lot by its records, in its own unit (see flow.balance); None for a
    lot of no quantity. `used_in`, `shipped` and `made_by` are the dossier's entries."""
    lot_id = lot["lot_id"]
    # every output of the steps the lot went into, once per step: a sort that gives the lot
    # back beside another lot (A 10 kg in, A 5 + M 5 out) used 5 kg of it, not nothing. A step
    # the lot went into by two lines (a hand edit: 6 kg + 4 kg) is two entries of `used_in`,
    # each with all the step's outputs: taken twice, A came back 10 kg and used nothing, while
    # `check` (all lines of a step together) counted 5 kg used
    steps = {s["step_id"]: s for s in used_in}
    return flow.balance(
        lot.get("quantity"), lot.get("uom"),
        [flow.Edge(lot_id, s["step_id"], s["quantity"], s["uom"]) for s in used_in],
        [flow.Edge(o["lot_id"], step_id, o["quantity"], o["uom"])
         for step_id, s in steps.items() for o in s["lots"]],
        [(s["quantity"], s["uom"]) for s in shipped],
        # what the steps that made it booked into it (a rework loop's return beside its making)
        [(s["step_id"], s["quantity"], s["uom"]) for s in made_by
         if s["step_id"] not in steps],
    )  # fmt: skip


# What separates ids in a lots file: line ends, commas, semicolons and any whitespace — a column
# pasted from Excel, a CSV row, a list from another command. `#` begins a comment only at the
# start of a line: an id may hold one (LOT#12).
# Python's whitespace includes the ASCII separators 0x1C-0x1F: a scanned GS1 string's GS (0x1D,
# between its fields) is part of the id, not a break between two ids, nor a line break.
_ID_SEPARATORS = re.compile(r"(?:[^\S\x1c-\x1f]|[,;])+")
# A line ends at CR LF, CR or LF alone — not at the GS (0x1d) str.splitlines would split at
LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def ids_in_text(text: str) -> list[str]:
    """The ids a lots file lists: one per line or separated by commas or whitespace; blank
    lines and lines beginning with `#` left out, and a byte order mark (Excel's "CSV UTF-8"
    writes one) stripped — it made the first id unknown — as are invisible characters;
    full-width letters and digits are read as ASCII (idtext.normal_id)."""
    return [i for _, i in ids_by_line(text)]


def ids_by_line(text: str) -> list[tuple[int, str]]:
    """(line number, id) of each id a lots file lists, as ids_in_text reads them."""
    ids: list[tuple[int, str]] = []
    # one spelling first (idtext), so a full-width comma (，) separates as a comma does
    for number, line in enumerate(LINE_BREAKS.split(normal_id(text)), 1):
        if line.strip().startswith("#"):
            continue
        ids += [(number, i) for i in _ID_SEPARATORS.split(line) if i]
    return ids
