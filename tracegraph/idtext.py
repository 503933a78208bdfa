"""One spelling of identifier text, for the import that stores ids and for the people who type
them (trace, lot show, recall, rootcause, lots files): an id that looks the same is the same id.

A Chinese input method types `ＬＯＴ００１２９` in full-width mode, and the MES keeps it so, while
the ERP's receipt says `LOT00129`: stored as typed, they were two lots, and a forward trace of
LOT00129 missed everything the full-width rows linked (26 step inputs of one export). A pasted
zero-width space (`LOT00002\u200b`) made a lot that prints as LOT00002 and that no one can type.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from tracegraph.values import counted, first_ids, were

if TYPE_CHECKING:
    from tracegraph.graph import TraceGraph

# Which spelling rules the import read ids by: part of a file's fingerprint, so a file an
# earlier version imported is read again (not skipped as unchanged) once after an upgrade, and
# its rows are written under the ids as now spelled. "1": stripped and NFC; "2": also folded;
# "3": typographic quotes around an id dropped, a workbook's TRUE cell written TRUE (not True).
SPELLING = "3"

# Full-width ASCII (U+FF01-U+FF5E: ！ to ～) as the ASCII it is a wide form of, the ideographic
# space U+3000 and the no-break spaces (U+00A0, U+2007, U+202F) as a space (at either end they
# are then stripped, as the import always did), and invisible format characters dropped: zero-
# width space, non-joiner and joiner, the bidi marks and embeddings a copy from a right-to-left
# text brings along, the word joiner and invisible operators (U+2060-U+2064), bidi isolates,
# a soft hyphen, the Mongolian vowel separator and a stray byte order mark (U+FEFF) inside a
# cell. Not full NFKC: that also folds what is a different id to the eye — ligatures
# (ﬁ -> fi), superscripts (x² -> x2), circled and Roman numerals (① -> 1, Ⅻ -> XII), the
# compatibility ideographs and half-width katakana — a fold no one expects from an id that is
# the same character drawn wider. Ids are still NFC (one spelling of ü, typed decomposed on a
# Mac), as before.
_FOLDS: dict[int, int | None] = {
    **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)},
    **dict.fromkeys((0x3000, 0x00A0, 0x2007, 0x202F), ord(" ")),
    **dict.fromkeys(
        (0x00AD, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
         *range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF)
    ),
}  # fmt: skip


# Typographic quotes around an id, as Word, Outlook or a Mac's smart quotes put them when an id
# is typed or pasted quoted (“VAL-0007”, „VAL-0007“, «VAL-0007», ‘VAL-0007’): a plain `"` pair is
# the CSV's quoting and never reached the id, these were part of it — another lot, no note. The
# pair is dropped (and the spaces inside it), as a plain quote's would be, and the import notes
# it with the other folded ids: rejecting the row would lose a lot for what the eye reads as
# punctuation, and the quotes are what no one types when looking the lot up.
_QUOTE_PAIRS = frozenset({
    ("\u201c", "\u201d"), ("\u201e", "\u201c"), ("\u201e", "\u201d"), ("\u201d", "\u201d"),
    ("\u2018", "\u2019"), ("\u201a", "\u2018"), ("\u201a", "\u2019"), ("\u2019", "\u2019"),
    ("\u00ab", "\u00bb"), ("\u00bb", "\u00ab"), ("\u2039", "\u203a"), ("\u203a", "\u2039"),
})  # fmt: skip


def _unquoted(text: str) -> str:
    """`text` without one pair of typographic quotes around it (_QUOTE_PAIRS)."""
    if len(text) > 2 and (text[0], text[-1]) in _QUOTE_PAIRS:
        return text[1:-1].strip()
    return text


def normal_id(text: str) -> str:
    """`text` as an id is stored and looked up: without surrounding spaces, full-width ASCII as
    ASCII, without invisible format characters or typographic quotes around it, in NFC. ASCII
    (nearly every id) only stripped: the import does this to every id cell of a nightly file."""
    stripped = text.strip()
    if stripped.isascii():
        return stripped
    return _unquoted(unicodedata.normalize("NFC", stripped.translate(_FOLDS)).strip())


def folds(text: str) -> bool:
    """Whether normal_id changes `text` by more than the import always did (stripping it and
    NFC): a full-width letter, an ideographic space inside it, an invisible character, quotes
    around it. The import counts such cells in a note, so that no id is changed without a
    word."""
    if text.isascii():
        return False
    stripped = text.strip()
    translated = stripped.translate(_FOLDS)
    return translated != stripped or _unquoted(translated.strip()) != translated.strip()


def folded_note(
    path: Path, table: str, column: str, count: int, examples: list[tuple[str, str]]
) -> str:
    """The import's note on the id cells of one file's column that normal_id folded, with the
    first few as written (escaped where invisible) and as stored."""
    shown = ", ".join(f"{written.strip()!r} as {stored}" for written, stored in examples)
    more = " …" if count > len(examples) else ""
    return (
        f"{path}: {counted(count, f'{table} {column}')} {were(count)} folded to one spelling of "
        f"the id (full-width letters and digits read as ASCII, invisible characters and quotes "
        f"around it dropped) and written so: {shown}{more}"
    )


# The widths a zero-padded id is looked for at: an ERP's lot and batch numbers are 6 to 12
# digits, SAP's material numbers 18.
_PADDED_WIDTH = 18


def number_ids_hint(path: Path) -> str:
    """What to do about an id column of `path` stored as numbers: a workbook's is formatted as
    Text, another export (Parquet) writes it as text."""
    if path.suffix.lower() == ".xlsx":
        return "format the column as Text in Excel and export again"
    return "have the export write the column as text (a string column)"


def number_ids_note(
    graph: TraceGraph | None, path: Path, table: str, column: str, count: int, ids: list[str]
) -> str:
    """The import's note on the id cells of one workbook column stored as whole numbers (an id
    typed 000200 into a column not formatted as Text is the number 200), read as their digits;
    for lot ids, which lots the graph holds under the zero-padded form (000200 beside 200, now
    two lots: a CSV of the same lot wrote 000200), found by one query of index seeks."""
    note = (
        f"{path}: {counted(count, f'{table}.{column} id')} {were(count)} "
        f"{'a number cell' if count == 1 else 'number cells'} (as {ids[0]}), read as the "
        f"number's digits: leading zeros may have been lost — {number_ids_hint(path)}"
    )
    if graph is None or column != "lot_id":
        return note
    padded = _padded(ids)
    if not padded:
        return note
    (found,) = graph.read("import/padded_lots", ids=sorted(padded))
    held = sorted(found["ids"])
    if not held:
        return note
    shown = [f"{lot} (here {padded[lot]})" for lot in held]
    return (
        f"{note}; the graph holds {counted(len(held), 'lot')} under the zero-padded id: "
        f"{first_ids(shown, 5)} — this file's rows were written to other lots than those"
    )


def _padded(ids: list[str]) -> dict[str, str]:
    """Each id of digits padded with zeros to each width up to 18, to the id it pads."""
    return {
        digits.zfill(width): digits
        for digits in dict.fromkeys(i for i in ids if i.isdigit())
        for width in range(len(digits) + 1, _PADDED_WIDTH + 1)
    }


def padded_supplier_lots(graph: TraceGraph, numbers: list[tuple[str, str]]) -> list[str]:
    """Of (lot_id, supplier lot) pairs a workbook's number cells gave, the lots whose supplier
    lot the graph holds zero-padded, as `L1 075131 (here 75131)`: asked before the workbook's
    rows are written, which give the lot the number without its zeros."""
    rows = [{"lot_id": lot, "padded": padded, "digits": digits}
            for lot, number in numbers for padded, digits in _padded([number]).items()]  # fmt: skip
    if not rows:
        return []
    (found,) = graph.read("import/padded_supplier_lots", rows=rows)
    return sorted(f"{lot} {padded} (here {digits})" for lot, padded, digits in found["found"])


# How many of a file's number-cell supplier lots padded_supplier_lots looks up (one query).
PADDED_LOOKED_UP = 1_000


def padded_supplier_lots_note(path: Path, held: list[str]) -> str:
    """The import's note on the lots of padded_supplier_lots."""
    return (
        f"{path}: the graph held the supplier lot of {counted(len(held), 'lot')} zero-padded "
        f"(of the file's first {PADDED_LOOKED_UP:,} number-cell supplier lots, the ones looked "
        f"up), as this file gives it without its leading zeros (a number cell): "
        f"{first_ids(held, 5)} "
        f"— if they are one supplier lot, {number_ids_hint(path)} (the graph's spelling is "
        "replaced when the source that sent it sends the number)"
    )


def unfolded_lots_note(graph: TraceGraph, path: Path, written: set[str]) -> str | None:
    """A note when the graph holds lots under ids as `path` wrote them before they were folded
    (an earlier version stored ＬＯＴ００１２９ as written): this import wrote the rows to the
    folded lots, and the old lot keeps its links until a --full import of a complete dump
    removes them (a stub nothing names any more goes with them). None when it holds none."""
    (found,) = graph.read("import/unfolded_lots", ids=sorted(written))
    old = sorted(found["ids"])
    if not old:
        return None
    return (
        f"{path}: the graph still holds {counted(len(old), 'lot')} under the id as written "
        f"before this version folded it ({first_ids(old, 5)}): an earlier version stored "
        "them so; this import wrote the rows to the folded ids (hint: import a complete dump "
        "of these tables with --full to remove the old links, see CHANGELOG)"
    )
