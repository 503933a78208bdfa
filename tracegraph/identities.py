"""The names a lot is known by besides its lot id (DESIGN.md §3), as `lot_identifiers` imports
them and as a lookup may quote them.

Each identity is an `(:Identifier {key, scheme, issuer, value})` node, keyed
`scheme|issuer|value` (issuer empty when there is none): the same node a lot's supplier lot
number makes (`supplier_lot|V07|000123`). The schemes are a fixed list, so that a query may
name one (`recall/lot_details` reads `tlc`) and a typo (`TLC `, `gtin-lot`) is rejected rather
than kept as a scheme no query reads.

GS1 GTIN + lot (application identifiers (01) and (10)) is `gtin_lot` with the GTIN as issuer
and the lot number as value: `gtin_lot|09506000134352|L123`. The GTIN issues the lot number, as
a supplier issues its supplier lot number; the bare lot number finds the lot as a supplier lot
number does, and the key names it under one GTIN. GTINs are kept as GTIN-14 (GS1's own
storage form, zeros in front), so GTIN-13 `9506000134352` and GTIN-14 `09506000134352` are one
issuer: two spellings made two identities of one lot. So is a serial number's issuer when it is
a GTIN (digits of a GTIN's length); serials an older version stored under a GTIN-13 (or -12,
-8) are re-keyed by cypher/migrate/serial_gtin14.cypher.

A unit's label, `(01)GTIN(21)SN`, is `serial|GTIN-14|SN`; plants often record serials without
their GTIN (`serial||SN`), and a look-up takes that one when no identity has the GTIN's key —
only if it names one lot, not known under another GTIN (lots.AskedLots.decided): never a guess.

No issuer holds a `|` (a value may): `tlc|A|B|C` was both issuer A|B with value C and issuer A
with value B|C, two lots' codes merged into one identity. Without a `|` in the issuer, a key
splits one way only, and a supplier lot number with a `|` in it can still be typed as its key.
"""

from __future__ import annotations

import re

from tracegraph import gs1
from tracegraph.errors import UnknownLot

# The schemes lot_identifiers may give (supplier_lot comes from the lots table only):
# tlc — FDA FSMA 204 traceability lot code; gtin_lot — GS1 GTIN (issuer) + batch/lot (value);
# serial — a serial number (issuer: the GTIN of an SGTIN, or none); customer_lot — the lot number
# a customer knows it by (issuer: the customer id); other — any other system's name for it
# (issuer: that system).
SCHEMES: tuple[str, ...] = ("tlc", "gtin_lot", "serial", "customer_lot", "other")
SUPPLIER_LOT = "supplier_lot"

_GTIN = re.compile(r"\d{8}|\d{12,14}")
# the schemes whose issuer is a GTIN (a serial's may be a system's code instead)
_GTIN_ISSUED = ("gtin_lot", "serial")


class IdentityError(ValueError):
    """A cell that cannot be part of an identity (a GTIN with a wrong check digit)."""


def gtin14(text: str) -> str:
    """A GTIN-8, -12, -13 or -14 as GTIN-14, its check digit verified: a mistyped GTIN names
    another product, so it is rejected rather than kept."""
    digits = text.strip()
    if not _GTIN.fullmatch(digits):
        # A UPC-A 036000291452 that Excel read as a number is 36000291452: said, not padded
        # back (11 digits may as well be a GTIN-12 with one digit mistyped away)
        lost = digits.isascii() and digits.isdigit() and len(digits) < 14
        raise IdentityError(
            f"a GTIN has 8, 12, 13 or 14 digits, not {digits!r}"
            + (" (a spreadsheet may have dropped its leading zeros: format the column as text "
               "and export it again)" if lost else "")
        )  # fmt: skip
    padded = digits.zfill(14)
    if gs1.check_digit(padded[:13]) != padded[13]:
        raise IdentityError(f"GTIN {digits} has a wrong check digit")
    return padded


def identity_key(scheme: str, issuer: str | None, value: str) -> str:
    """The Identifier's key, as every writer of identities makes it."""
    return f"{scheme}|{issuer or ''}|{value}"


def plain_issuer(issuer: str) -> str:
    """The issuer of a key, which may not hold a `|` (see the module's docstring)."""
    if "|" in issuer:
        raise IdentityError(
            f"an issuer cannot hold a | ({issuer!r}): its identity key (scheme|issuer|value, as "
            "supplier_lot|V7|000123) would read as another issuer's"
        )
    return issuer


def checked_issuer(scheme: str, issuer: str | None) -> str | None:
    """The issuer as stored: a gtin_lot's GTIN as GTIN-14 (it must have one: a lot number
    without its GTIN names no product); a serial's too when it is a GTIN, all digits of a
    GTIN's length (an SGTIN's: the element string `(01)…(21)…` finds it by its GTIN-14), else
    as given (a machine's or a system's code). No issuer may hold a `|`."""
    if issuer is None:
        if scheme == "gtin_lot":
            raise IdentityError("a gtin_lot identity needs its GTIN as issuer")
        return None
    if scheme == "gtin_lot":
        return gtin14(issuer)
    if scheme == "serial" and _GTIN.fullmatch(issuer):
        try:
            return gtin14(issuer)
        except IdentityError as error:
            raise IdentityError(
                f"{error} (a serial number's issuer of 8, 12, 13 or 14 digits is its GTIN; "
                "another system's serial number is scheme other)"
            ) from None
    return plain_issuer(issuer)


def lookup_key(text: str) -> str | None:
    """The identity key `text` names, or None when it is no key to rewrite: a GS1 element
    string (element_key), or a `gtin_lot|GTIN|LOT` or `serial|GTIN|SN` key with a GTIN-13 or
    -12, given its GTIN-14 as the import stores it."""
    if gs1.looks_like(text):
        return element_key(text)
    parts = text.split("|", 2)
    if len(parts) == 3 and parts[0] in _GTIN_ISSUED and _GTIN.fullmatch(parts[1]):
        return identity_key(parts[0], parts[1].zfill(14), parts[2])
    return None


_ELEMENT_HINT = (
    "a label's element string names the GTIN, (01), and the lot, (10), or serial, (21): "
    "(01)09506000134352(10)L2611; or give the key gtin_lot|GTIN|LOT — a lot id that only "
    "begins like one is lot_id|(2024)-B7"
)


def element_key(text: str) -> str:
    """The key of the identity a GS1 element string names, printed or as scanned (gs1.parse),
    its other AIs (dates, weights) left out: (01) GTIN + (10) lot is `gtin_lot|GTIN-14|LOT`;
    (02), a logistic unit's content GTIN, with (10) too — that batch is the contained trade
    items' batch, the lot a plant ships and receives; (01) + (21) serial is `serial|GTIN-14|SN`.
    Given (10) and (21), the lot is asked (the unit a serial names is of that lot). An element
    string that is not valid, or names no lot, raises UnknownLot saying why."""

    def refused(why: str) -> UnknownLot:
        return UnknownLot(f"{text.strip()!r} is a GS1 element string that {why}",
                          hint=_ELEMENT_HINT)  # fmt: skip

    try:
        fields = dict(gs1.parse(text))
    except gs1.ElementStringError as error:
        raise refused(f"cannot be read: {error}") from None
    if "01" in fields and "02" in fields:
        raise refused("gives both (01) and (02): a trade item's GTIN or its content's, not both")
    gtin = fields.get("01") or fields.get("02")
    if "10" in fields:
        scheme, value = "gtin_lot", fields["10"]
    elif "21" in fields:
        if "01" not in fields:
            raise refused("has a (21) serial number without its (01) GTIN")
        scheme, value = "serial", fields["21"]
    else:
        raise refused("names no lot: it has no (10) batch/lot and no (21) serial number")
    if gtin is None:
        raise refused("has a (10) lot without the (01) GTIN it is a lot of")
    return identity_key(scheme, gtin14(gtin), value)
