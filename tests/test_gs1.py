"""GS1 element strings as labels print them and scanners send them (tracegraph.gs1), and the
identity key each names (identities.element_key). No database: the look-up is tested in
test_lot_identifiers.py."""

from __future__ import annotations

import pytest

from tracegraph import gs1
from tracegraph.errors import UnknownLot
from tracegraph.identities import lookup_key

GTIN = "09506000134352"
LOT_KEY = f"gtin_lot|{GTIN}|L77"


@pytest.mark.parametrize(
    "text",
    [
        f"(01){GTIN}(10)L77",
        f"(01){GTIN}(17)261231(10)L77",  # GS1 puts fixed-length fields first
        f"(01){GTIN}(10)L77(17)261231",  # the expiry date was read as part of the lot number
        f"(10)L77(01){GTIN}",
        f"(01) {GTIN} (10) L77 ",  # as some labels space it
        f"(02){GTIN}(37)12(10)L77",  # a pallet label: the GTIN of the trade items it holds
        "(01)9506000134352(10)L77",  # a GTIN-13 typed in: its GTIN-14, as the key form does
        f"]C101{GTIN}10L77",  # GS1-128 as scanned, the lot last
        f"]C101{GTIN}17261231{'10'}L77",  # fixed-length fields need no GS
        f"]d201{GTIN}10L77\x1d17261231",  # GS1 DataMatrix, the GS ends the variable-length lot
        f"]Q301{GTIN}10L77\x1d21SN-9",  # with a serial too: the lot is asked
        f"01{GTIN}10L77\x1d17261231",  # no symbology identifier: the GS tells it is one
    ],
)
def test_element_strings_name_the_lot_they_carry(text: str) -> None:
    assert lookup_key(text) == LOT_KEY


def test_serial_numbers_and_keys_with_a_short_gtin() -> None:
    assert lookup_key(f"(01){GTIN}(21)SN-13") == f"serial|{GTIN}|SN-13"
    assert lookup_key(f"]d201{GTIN}21SN-13\x1d17261231") == f"serial|{GTIN}|SN-13"
    assert lookup_key("serial|9506000134352|SN-13") == f"serial|{GTIN}|SN-13"
    assert lookup_key("gtin_lot|9506000134352|L1") == f"gtin_lot|{GTIN}|L1"
    # ids that are no element string are left as they are
    for text in ("TLC-1", "tlc||TLC-1", f"01{GTIN}10L77", "(A)12", "L-(10)"):
        assert lookup_key(text) is None


def test_parse_returns_every_field_in_order() -> None:
    assert gs1.parse(f"]C1{'00'}106141411234567897{'01'}{GTIN}3103000250\x1d10AB\x1d") == [
        ("00", "106141411234567897"), ("01", GTIN), ("3103", "000250"), ("10", "AB"),
    ]  # fmt: skip
    assert gs1.parse(f"(01){GTIN}(3103)000250(10)AB") == [
        ("01", GTIN), ("3103", "000250"), ("10", "AB"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("(01)09506000134353(10)L77", "(01) 09506000134353 has a wrong check digit"),
        ("(01)0950600013435(10)L77", "(01) 0950600013435 has a wrong check digit"),
        ("(01)95060001343(10)L77", "(01) holds 14 digits, not '95060001343'"),
        (f"(01){GTIN}(10)L77(17)2612", "(17) holds 6 digits, not '2612'"),
        (f"(01){GTIN}(10)" + "L" * 21, "(10) holds 1 to 20 characters"),
        (f"(01){GTIN}(10)", "(10) holds 1 to 20 characters, not ''"),
        (f"(01){GTIN}(123)X", "(123) is not a GS1 application identifier"),
        (f"]C101{GTIN}19L77", "no GS1 application identifier at '19L7'"),
        (f"]C001{GTIN}10L77", "symbology identifier ]C0 is not one of a GS1 barcode"),
        (f"(01){GTIN}(10)L77(10)L78", "(10) is given twice, as L77 and L78"),
        ("(10)L77", "has a (10) lot without the (01) GTIN"),
        (f"(01){GTIN}(17)261231", "names no lot: it has no (10) batch/lot and no (21) serial"),
        (f"(02){GTIN}(21)SN-1", "has a (21) serial number without its (01) GTIN"),
        (f"(01){GTIN}(02){GTIN}(10)L77", "gives both (01) and (02)"),
    ],
)
def test_a_bad_element_string_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(UnknownLot) as raised:
        lookup_key(text)
    assert reason in raised.value.message
    assert "(01)09506000134352(10)L2611" in raised.value.hint


def test_a_field_outside_gs1s_characters_or_lengths_is_no_valid_field() -> None:
    """What the EPCIS document's Digital Links may hold as (10): `L/26 1%é 批` (a space, é,
    批) and a 26-character lot number made links GS1's own library refuses. parse still reads
    `(10)L 1` (a look-up finds the identity kept as `L 1`)."""
    assert gs1.field_problem("10", "L/26 1%é 批") == (
        "(10) holds 1 to 20 of GS1's characters (letters, digits and !\"%&'()*+,-./:;<=>?_), "
        "not 'L/26 1%é 批', which has ' ' 'é' '批'"
    )
    assert gs1.field_problem("10", "A" * 26) == f"(10) holds 1 to 20 characters, not {'A' * 26!r}"
    assert gs1.field_problem("10", "A B+C#D?E") is not None
    assert gs1.field_problem("10", "L26/11-a_b%\"'()") is None
    assert gs1.field_problem("8030", "AB=") is None  # a signature: set 64, with its `=`
    assert len(gs1.CSET82) == 82
    assert gs1.parse(f"(01){GTIN}(10)L 1") == [("01", GTIN), ("10", "L 1")]
