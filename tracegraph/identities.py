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
issuer: two spellings made two identities of one lot.
"""

from __future__ import annotations

import re

# The schemes lot_identifiers may give (supplier_lot comes from the lots table only):
# tlc — FDA FSMA 204 traceability lot code; gtin_lot — GS1 GTIN (issuer) + batch/lot (value);
# serial — a serial number (issuer: the GTIN-14 of an SGTIN, or none); customer_lot — the lot number
# a customer knows it by (issuer: the customer id); other — any other system's name for it
# (issuer: that system).
SCHEMES: tuple[str, ...] = ("tlc", "gtin_lot", "serial", "customer_lot", "other")
SUPPLIER_LOT = "supplier_lot"

_GTIN = re.compile(r"\d{8}|\d{12,14}")
# A GS1 element string as printed under a barcode, (01) GTIN then (10) lot or (21) serial
_ELEMENT_STRING = re.compile(r"\(01\)\s*(\d{14})\s*\((10|21)\)\s*(.+)")


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
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(padded[:13]))
    if (10 - total % 10) % 10 != int(padded[13]):
        raise IdentityError(f"GTIN {digits} has a wrong check digit")
    return padded


def identity_key(scheme: str, issuer: str | None, value: str) -> str:
    """The Identifier's key, as every writer of identities makes it."""
    return f"{scheme}|{issuer or ''}|{value}"


def checked_issuer(scheme: str, issuer: str | None) -> str | None:
    """The issuer as stored: a gtin_lot's GTIN as GTIN-14 (it must have one: a lot number
    without its GTIN names no product). Other issuers are kept as given (a serial's issuer
    may be a GTIN, or a machine's or a system's code: not guessed)."""
    if scheme == "gtin_lot":
        if issuer is None:
            raise IdentityError("a gtin_lot identity needs its GTIN as issuer")
        return gtin14(issuer)
    return issuer


def lookup_key(text: str) -> str | None:
    """The identity key a GS1 element string names, or None: `(01)09506000134352(10)L123`, as
    printed under a case's barcode, is `gtin_lot|09506000134352|L123`; (21) a serial number.
    A `gtin_lot|GTIN|LOT` key with a GTIN-13 or -12 is given its GTIN-14."""
    found = _ELEMENT_STRING.fullmatch(text.strip())
    if found is not None:
        scheme = "gtin_lot" if found.group(2) == "10" else "serial"
        return identity_key(scheme, found.group(1), found.group(3).strip())
    parts = text.split("|", 2)
    if len(parts) == 3 and parts[0] == "gtin_lot" and _GTIN.fullmatch(parts[1]):
        return identity_key("gtin_lot", parts[1].zfill(14), parts[2])
    return None
