"""Values read from Neo4j, made plain for output: times as ISO text, no bookkeeping keys."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, tzinfo
from datetime import time as dt_time
from enum import Enum
from typing import Any

import orjson

# Step properties that are the step's own fields (device_id and operator_id copy its ON and BY
# edges); every other property is a process parameter.
STEP_FIELDS = frozenset(
    {"step_id", "operation", "started_at", "ended_at", "device_id", "operator_id", "_row_sha"}
)


def iso(value: Any) -> str | None:
    """A time as ISO 8601 text with seconds and offset (2026-11-03T08:15:00+00:00).

    Queries return times as Cypher's toString() text (`2026-11-03T08:15Z`): decoding the
    driver's DateTime objects costs more than the traversal that found them. Both forms, and
    None, are accepted.
    """
    if value is None:
        return None
    to_native = getattr(value, "to_native", None)
    if to_native:
        return str(to_native().isoformat())
    text = str(value)
    # The usual case, UTC to the second (2026-11-03T08:15:00Z), rewritten without parsing: a
    # wide trace formats thousands of these.
    if len(text) == 20 and text[19] == "Z" and text[10] == "T" and text[16] == ":":
        return text[:19] + "+00:00"
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:  # nanoseconds or a named zone: keep Neo4j's own text
        return text


def iso_seconds(value: Any) -> str | None:
    """A time as iso() writes it, to the second (2026-12-06T07:01:19+00:00): for a header,
    where the microseconds are noise but the offset says which clock it is."""
    text = iso(value)
    try:
        return datetime.fromisoformat(text).isoformat(timespec="seconds") if text else text
    except ValueError:  # nanoseconds or a named zone: iso()'s text as it is
        return text


# orjson's options for json_text: indented by two, keys that are not text (a unit of None in
# `by_uom`) written as json writes them ("null"), and times and dataclasses handed to _plain as
# json's default=str had them (orjson's own forms differ: 2026-01-01T00:00:00 for str()'s
# 2026-01-01 00:00:00).
_JSON_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                 | orjson.OPT_PASSTHROUGH_DATACLASS)  # fmt: skip


def json_text(payload: Any) -> str:
    """`payload` as indented, readable JSON (two spaces, non-ASCII text as it is, values JSON
    has no type for as their text): what json.dumps(payload, ensure_ascii=False, indent=2,
    default=str) writes, read back the same, written by orjson — Python's json falls back to
    its pure-Python encoder whenever it indents, and a 3,200-lot trace (3.6 MB) spent more time
    there than in the trace. NaN and infinities are written null (json wrote NaN, which is not
    JSON: jq and JavaScript refuse it); an Enum as its value (json's default=str wrote a plain
    Enum as `Kind.TEXT`). What orjson refuses (an int beyond 64 bits, nesting deeper than 254)
    is written by json, as orjson writes the rest — floats aside: json writes 1e-05 where
    orjson writes 0.00001, the same number."""
    written = json_bytes(payload)
    if written is not None:
        return written.decode()
    return json.dumps(_as_orjson(payload), ensure_ascii=False, indent=2, default=_plain)


def json_bytes(payload: Any) -> bytes | None:
    """json_text's text as UTF-8 bytes, as orjson makes them, or None for what orjson refuses
    (json_text writes that by json): for writing a large answer without a text copy of it (a
    32k-lot trace's 35 MB of JSON was held as bytes, text, text and newline, and the bytes
    written, at once)."""
    try:
        return orjson.dumps(payload, default=_plain, option=_JSON_OPTIONS)
    except orjson.JSONEncodeError:
        return None


def _plain(value: Any) -> Any:
    """A value orjson has no type for, as json has it: a float of another class (numpy's
    float64) a number, an Enum its value (as orjson writes it), anything else its text
    (default=str)."""
    if isinstance(value, float):
        return float(value)
    return value.value if isinstance(value, Enum) else str(value)


def _as_orjson(value: Any) -> Any:
    """For json, what orjson writes otherwise than json would: a float that is not a number
    None (null, not NaN), a key as _orjson_key has it (json refused a date key: a traceback).
    Dicts, lists and tuples are copied; other values are left to _plain."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_orjson_key(k): _as_orjson(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_orjson(v) for v in value]
    return value


def _orjson_key(key: Any) -> Any:
    """A dict key as OPT_NON_STR_KEYS writes it: an Enum its value, a date, time or datetime
    its ISO text (2026-01-01; passthrough is for values only), a float that is not a number
    null; keys json writes as orjson does (text, whole numbers, booleans, None) as they are,
    and any other its text (a UUID's is orjson's too; one orjson refuses is json's alone)."""
    if isinstance(key, Enum):
        return key.value
    if isinstance(key, float):
        return key if math.isfinite(key) else None
    if key is None or isinstance(key, str | int):
        return key
    if isinstance(key, date | dt_time):  # datetime is a date
        return key.isoformat()
    return str(key)


# Properties the importer keeps for its queries, not facts of the export: longest_step_s
# bounds a device's or operator's step-window search; shown in a trace, it read as the length
# of a step of the trace.
_BOOKKEEPING = frozenset({"longest_step_s"})


# Values that are never a time object: the usual ones, which need no hasattr() look-up (a wide
# backward trace makes tens of thousands of property maps plain).
_PLAIN = frozenset({str, int, float, bool, type(None), list})


def public_props(props: dict[str, Any] | None) -> dict[str, Any]:
    """A node's properties without the importer's bookkeeping, times as text."""
    return {k: iso(v) if k.endswith("_at") or (type(v) not in _PLAIN and hasattr(v, "to_native"))
            else v
            for k, v in (props or {}).items()
            if k[:1] != "_" and k not in _BOOKKEEPING}  # fmt: skip


# A sign and one number, perhaps grouped by spaces or commas, perhaps with a unit: -2 pcs,
# -12.5 g, +1 214 555 0100 — no operator after the sign, so nothing Excel could calculate (a
# quote in front broke them for everyone reading the file with a program). +1-214-555-0100 or
# -2-3 would be calculated (to -868, to -5): they keep the quote.
_SIGNED_AMOUNT = re.compile(r"[+-]\d[\d ,.]*( ?[A-Za-z%]{1,5})?")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @, a tab or carriage return first)
    prefixed with a quote, so Excel shows it as text: an export's `=HYPERLINK(...)` lot note is
    kept as text by the import, and must stay text in every CSV we write. A signed amount or
    a phone number written with spaces (`-2 pcs`, `+1 214 555 0100`) stays as it is."""
    first = text[:1]
    if first in ("=", "@", "\t", "\r"):
        return "'" + text
    if first in ("+", "-") and not _SIGNED_AMOUNT.fullmatch(text):
        return "'" + text
    return text


# Neo4j's text for a time it keeps a zone name or nanoseconds for, which iso() leaves as it is
# and fromisoformat refuses: 2026-11-03T08:15:00.123456789+01:00[Europe/Berlin]
_ZONE_NAME = re.compile(r"\[[^\]]*\]$")
_NANOS = re.compile(r"(\.\d{6})\d+")


def moment(text: str | None) -> datetime | None:
    """The instant an ISO time names (iso()'s text, Neo4j's with a zone name or nanoseconds, to
    the microsecond), a time without an offset read as UTC; None for no time or text that is
    not one. The one reading of event times, so a package's sheets and its EPCIS document
    (tracegraph.epcis) cannot place an event at two instants."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            value = datetime.fromisoformat(_NANOS.sub(r"\1", _ZONE_NAME.sub("", text)))
        except ValueError:
            return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def instant_key(text: str | None) -> tuple[int, float, str]:
    """A sort key for ISO times as instants: 08:15+08:00 (00:15Z) before 08:15+01:00 (07:15Z),
    which sorted as text came after it; times without an offset as UTC; none first."""
    if not text:
        return (0, 0.0, "")
    at = moment(text)
    return (1, at.timestamp() if at is not None else 0.0, text)


# The zone at the end of ISO text: Z, an offset, or Neo4j's offset and zone name in brackets.
_ZONE_AT_END = re.compile(r"(Z|[+-]\d\d:\d\d(?::\d\d)?)(?:\[([^\]]+)\])?$")


def zone_name(text: str) -> str:
    """The zone ISO text is in, as a reader names it: `UTC` (Z or +00:00), the offset
    (`+08:00`), or the zone name Neo4j keeps after it (`Europe/Berlin`); "" for no zone."""
    found = _ZONE_AT_END.search(text)
    if found is None:
        return ""
    if found[2]:
        return found[2]
    return "UTC" if found[1] in ("Z", "+00:00") else found[1]


def instant_order(texts: Iterable[str | None]) -> Callable[[str | None], tuple[Any, ...]]:
    """A sort key for these ISO times as instants (none first), as instant_key sorts them —
    but the text itself when every time ends in the same offset (all +00:00: one export's, or
    iso()'s UTC), where text order is time order: parsing each costs a wide trace's sorts 3 ms
    (1,211 steps and 987 shipments: 0.6 ms as text, 3.5 ms parsed)."""
    endings = {text[-6:] for text in texts if text}
    if len(endings) <= 1 and all(e[0] in "+-" and e[3] == ":" for e in endings):
        return _as_text
    return instant_key


def _as_text(text: str | None) -> tuple[Any, ...]:
    return (0, "") if not text else (1, text)


def first_ids(ids: list[str], shown: int = 10) -> str:
    """`A, B, C and 12 more`: ids for a note or a warning, the first few."""
    more = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" and {more:,} more" if more > 0 else "")


def counted(n: int, thing: str, things: str | None = None) -> str:
    """`1 lot`, `3 lots`, `1,200 lots`: summaries said "1 complaint lots against 1 controls".
    `things` where the plural is not `thing` + s: `1 lot on hold`, `2 lots on hold`."""
    return f"{n:,} {thing if n == 1 else things or thing + 's'}"


def were(n: int) -> str:
    """The verb after a count: `1 row was`, `2 rows were`."""
    return "was" if n == 1 else "were"


def skipped_locally(wall: datetime, zone: tzinfo | None) -> bool:
    """Whether the wall-clock time `wall` (no offset) did not happen in `zone` (None: this
    machine's zone) — 02:30 the night summer time begins: read there, it does not come back
    from UTC as itself. The import counts such cells, a window refuses them: one rule for both."""
    aware = wall.replace(tzinfo=zone) if zone is not None else wall.astimezone()
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall
