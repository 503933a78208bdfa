"""Units of measure: every quantity converts to the base unit of its dimension.

Traces weigh quantities across steps whose edges use different units (a mix consumes `g` of
salt from a lot counted in `kg`); comparing them needs one unit per dimension. Units of
different dimensions (kg of dough into pcs of bread) never convert: callers fall back to
shares within one dimension.
"""

from __future__ import annotations

# The dimension of pieces: not lost in baking or drying, unlike mass (no balance tolerance), and
# not conserved through a step (one panel depanelled into four boards, twelve bottles into a case).
COUNT = "count"

# unit -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    "kg": ("mass", 1.0),
    "g": ("mass", 1e-3),
    "mg": ("mass", 1e-6),
    "t": ("mass", 1e3),
    "lb": ("mass", 0.45359237),
    "oz": ("mass", 0.028349523125),  # avoirdupois ounce; US plants count and ship in lb and oz
    "l": ("volume", 1.0),
    "ml": ("volume", 1e-3),
    "gal": ("volume", 3.785411784),  # US liquid gallon (not the imperial 4.54609 l)
    "qt": ("volume", 0.946352946),  # US liquid quart
    "m": ("length", 1.0),
    "pcs": (COUNT, 1.0),
}


# The units a canonical table may name (tables.UNITS); mappings convert anything else into them.
KNOWN_UNITS = frozenset(_UNITS)


# UN/ECE Recommendation 20 common codes, as EPCIS quantity elements name units (`uom`); every
# known unit has one (tests hold them in step), so a unit added above without a code fails
REC20: dict[str, str] = {
    "kg": "KGM",
    "g": "GRM",
    "mg": "MGM",
    "t": "TNE",
    "lb": "LBR",
    "oz": "ONZ",
    "l": "LTR",
    "ml": "MLT",
    "gal": "GLL",  # gallon (US)
    "qt": "QTL",  # liquid quart (US)
    "m": "MTR",
    "pcs": "H87",  # piece
}


def measure(unit: str | None) -> tuple[str, float]:
    """The dimension of a unit and its factor to the dimension's base unit, in one look-up
    (a wide trace asks it for thousands of edges); an unknown unit counts as its own base."""
    known = _UNITS.get(unit) if unit is not None else None
    return known if known is not None else (f"unit:{unit or ''}", 1.0)


def dimension(unit: str | None) -> str:
    """The dimension of a unit; an unknown or missing unit is a dimension of its own."""
    return measure(unit)[0]


def to_base(quantity: float, unit: str | None) -> float:
    return quantity * measure(unit)[1]


def convert(quantity: float, unit: str | None, target: str | None) -> float | None:
    """`quantity` of `unit` expressed in `target`, or None when the dimensions differ."""
    if unit == target:
        return quantity
    if dimension(unit) != dimension(target):
        return None
    return to_base(quantity, unit) / _UNITS[target][1] if target in _UNITS else None


def unit_table() -> dict[str, dict[str, object]]:
    """Units for queries that weigh in Cypher: unit -> {dimension, factor}."""
    return {unit: {"dimension": dim, "factor": factor} for unit, (dim, factor) in _UNITS.items()}
