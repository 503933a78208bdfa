"""GS1 element strings: the application identifiers (AIs) and data a barcode carries, as a
label prints them under it (`(01)09506000134352(17)261231(10)L77`) or as a scanner sends them
(`]C101095060001343521726123110L77`: a symbology identifier, then AI and data run together,
a variable-length field ended by the GS character, ASCII 29, unless it is last).

Only the syntax is read here: which AIs, with what data, of the lengths and digits GS1 gives
them (GS1 General Specifications, section 3, and GS1's Barcode Syntax Dictionary); GTIN check
digits are verified. What the AIs mean for a lot look-up is identities.py's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GS = "\x1d"  # FNC1 as a scanner transmits it between fields


class ElementStringError(ValueError):
    """Text that looks like a GS1 element string but is not a valid one (says why)."""


@dataclass(frozen=True)
class _Format:
    shortest: int
    longest: int
    digits: bool  # all digits (N), or GS1's characters (X)


# Every AI of GS1's table as `AI[-AI] FORMAT`: N6 six digits, N..8 one to eight, X..20 up to
# 20 characters, X4..12 four to twelve; a field of parts (N3 + X..9) as its overall length. A
# few AIs of several parts (4330: N6 [X1]) are given the length of all of them.
_TABLE = """
00 N18  01 N14  02 N14  10 X..20  11 N6  12 N6  13 N6  15 N6  16 N6  17 N6  20 N2
21 X..20  22 X..20  235 X..28  240 X..30  241 X..30  242 N..6  243 X..20  250 X..30
251 X..30  253 X13..30  254 X..20  255 N13..25  30 N..8  37 N..8
3900-3909 N..15  3910-3919 N4..18  3920-3929 N..15  3930-3939 N4..18  3940-3943 N4
3950-3955 N6  400 X..30  401 X..30  402 N17  403 X..30  410-417 N13  420 X..20  421 X4..12
422 N3  423 N3..15  424 N3  425 N3..15  426 N3  427 X..3  4300-4301 X..35  4302-4306 X..70
4307 X2  4308 X..30  4309 N20  4310-4311 X..35  4312-4316 X..70  4317 X2  4318 X..20
4319 X..30  4320 X..35  4321-4323 N1  4324-4325 N10  4326 N6  4330-4333 X6..7  7001 N13
7002 X..30  7003 N10  7004 N..4  7005 X..12  7006 N6  7007 N6..12  7008 X..3  7009 X..10
7010 X..2  7011 N6..10  7020-7022 X..20  7023 X..30  7030-7039 X4..30  7040 X4
710-716 X..20  7230-7239 X3..30  7240 X..20  7241 N2  7242 X..25  8001 N14  8002 X..20
8003 X14..30  8004 X..30  8005 N6  8006 N18  8007 X..34  8008 N9..12  8009 X..50
8010 X..30  8011 N..12  8012 X..20  8013 X..25  8017-8018 N18  8019 N..10  8020 X..25
8026 N18  8030 X..90  8110 X..70  8111 N4  8112 X..70  8200 X..70  90 X..30  91-99 X..90
"""
# The measures (net weight in kg, 3100–3105, …): four-digit AIs whose last digit is where the
# decimal point goes, six digits each.
_MEASURES = (
    [f"31{i}" for i in range(7)] + [f"32{i}" for i in range(10)] + [f"33{i}" for i in range(8)]
    + [f"34{i}" for i in range(10)] + [f"35{i}" for i in range(8)] + [f"36{i}" for i in range(10)]
)  # fmt: skip


def _formats() -> dict[str, _Format]:
    table: dict[str, _Format] = {}
    for ais, form in zip(*[iter(_TABLE.split())] * 2, strict=True):
        first, _, last = ais.partition("-")
        low, dots, high = form[1:].partition("..")
        shortest = int(low) if low else 1
        spec = _Format(shortest, int(high) if dots else shortest, form[0] == "N")
        for number in range(int(first), int(last or first) + 1):
            table[str(number).zfill(len(first))] = spec
    for family in _MEASURES:
        table.update({f"{family}{d}": _Format(6, 6, True) for d in range(6)})
    return table


FORMATS = _formats()

# AIs whose data has a length fixed in advance by their first two digits, so that a scanner's
# string runs on into the next AI without a GS (GS1 General Specifications, "element strings
# with predefined length"); every other field ends at a GS unless it is the last.
_PREDEFINED = {"00", "01", "02", "03", "04", *(str(n) for n in range(11, 21)),
               *(str(n) for n in range(31, 37)), "41"}  # fmt: skip

# ]C1 GS1-128, ]e0 GS1 DataBar, ]d2 GS1 DataMatrix, ]Q3 GS1 QR Code, ]J1 GS1 DotCode: the
# symbology identifiers of barcodes that carry element strings
_GS1_SYMBOLOGIES = ("]C1", "]e0", "]d2", "]Q3", "]J1")
_SYMBOLOGY = re.compile(r"\][A-Za-z][0-9A-Za-z]")
# a printed (human-readable) AI: (01), (3103), spaces around it allowed
_PRINTED_AI = re.compile(r"\s*\((\d{2,4})\)\s*")
_CHECKED = {"00", "01", "02", *(f"41{n}" for n in range(8))}  # ending in a check digit
# GS1's character set 82, the characters of an X field (General Specifications, figure
# 7.11-1): `L 26` (a space), `A#B`, `é` or `批` in a (10) is no GS1 batch/lot number, and
# GS1's own Digital Link library refuses a URI holding one (field_problem). (8030, a digital
# signature, is written in set 64, whose `=` set 82 lacks.)
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
_CSET82_TEXT = "letters, digits and !\"%&'()*+,-./:;<=>?_"
_OTHER_SETS = {"8030"}


def looks_like(text: str) -> bool:
    """Whether `text` is meant as an element string: it begins with a printed AI (`(01)`), a
    symbology identifier (`]C1`), or holds a GS. A lot id seldom does; a lot id of digits alone
    (`0109506000134352…` without any of these) is taken as the id it may be."""
    return bool(_PRINTED_AI.match(text) or _SYMBOLOGY.match(text) or GS in text)


def parse(text: str) -> list[tuple[str, str]]:
    """The (AI, data) pairs of an element string, in order; ElementStringError says what is
    wrong with one that is not valid (an unknown AI, a length or a check digit)."""
    text = text.strip()
    if text.startswith("("):
        pairs = _printed(text)
    else:
        if _SYMBOLOGY.match(text):
            if text[:3] not in _GS1_SYMBOLOGIES:
                raise ElementStringError(
                    f"symbology identifier {text[:3]} is not one of a GS1 barcode "
                    f"({', '.join(_GS1_SYMBOLOGIES)})"
                )
            text = text[3:]
        pairs = _scanned(text.lstrip(GS))  # a leading FNC1 is sent as a GS by some scanners
    if not pairs:
        raise ElementStringError("no application identifier in it")
    seen: dict[str, str] = {}
    for ai, data in pairs:
        _check(ai, data)
        if seen.setdefault(ai, data) != data:
            raise ElementStringError(f"({ai}) is given twice, as {seen[ai]} and {data}")
    return pairs


def _printed(text: str) -> list[tuple[str, str]]:
    """`(01)09506000134352(10)L77`: each AI in parentheses, its data up to the next one."""
    parts = _PRINTED_AI.split(text)
    if parts[0]:
        raise ElementStringError(f"{parts[0]!r} before the first (AI)")
    pairs = list(zip(parts[1::2], parts[2::2], strict=True))
    for ai, _ in pairs:
        if ai not in FORMATS:
            raise ElementStringError(f"({ai}) is not a GS1 application identifier")
    return pairs


def _scanned(text: str) -> list[tuple[str, str]]:
    """`01095060001343521726123110L77`: AI and data run together, a field of no predefined
    length ended by a GS."""
    pairs: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        ai = next((text[at : at + n] for n in (2, 3, 4) if text[at : at + n] in FORMATS), None)
        if ai is None:
            raise ElementStringError(f"no GS1 application identifier at {text[at : at + 4]!r}")
        at += len(ai)
        if ai[:2] in _PREDEFINED:
            end = at + FORMATS[ai].longest
        else:
            end = text.find(GS, at)
            end = len(text) if end < 0 else end
        pairs.append((ai, text[at:end]))
        at = end + 1 if text[end : end + 1] == GS else end  # a GS after a fixed field is allowed
    return pairs


def _check(ai: str, data: str) -> None:
    form = FORMATS[ai]
    kind = "digits" if form.digits else "characters"
    size = (f"{form.shortest}" if form.shortest == form.longest
            else f"{form.shortest} to {form.longest}")  # fmt: skip
    full = data
    if ai in ("01", "02") and re.fullmatch(r"\d{8}|\d{12,13}", data):
        full = data.zfill(14)  # a GTIN-13 typed in the printed form: the GTIN it is
    if not form.shortest <= len(full) <= form.longest:
        raise ElementStringError(f"({ai}) holds {size} {kind}, not {data!r}")
    if form.digits and not full.isdigit():
        raise ElementStringError(f"({ai}) holds {size} digits, not {data!r}")
    if ai in _CHECKED and check_digit(full[:-1]) != full[-1]:
        raise ElementStringError(f"({ai}) {data} has a wrong check digit")


def field_problem(ai: str, data: str) -> str | None:
    """Why `data` is not a valid field of `ai`, or None when it is one: what parse refuses
    (`(10) holds 1 to 20 characters, not …`) and, in an X field, a character outside GS1's set
    82. parse leaves the characters be: a look-up of a label typed as `(01)…(10)L 1` finds the
    identity lot_identifiers keeps as `L 1`, though no GS1 barcode can carry it (the EPCIS
    document's Digital Links may not: tracegraph.epcis)."""
    try:
        _check(ai, data)
    except ElementStringError as error:
        return str(error)
    form = FORMATS[ai]
    outside = sorted({char for char in data if char not in CSET82})
    if not form.digits and ai not in _OTHER_SETS and outside:
        size = f"{form.shortest} to {form.longest}"
        return (f"({ai}) holds {size} of GS1's characters ({_CSET82_TEXT}), not {data!r}, "
                f"which has {' '.join(repr(char) for char in outside)}")  # fmt: skip
    return None


def check_digit(digits: str) -> str:
    """The GS1 check digit of a number (GTIN, SSCC, GLN) without its own: weights 3 and 1 from
    the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)
