"""values.iso: every time text Neo4j's toString() gives becomes the same ISO 8601 text."""

from __future__ import annotations

from datetime import datetime

import pytest

from tracegraph.values import iso


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-03T08:15:00Z",  # the fast path
        "2026-11-03T08:15Z",
        "2026-11-03T08:15:00.5Z",
        "2026-11-03T08:15:00+01:00",
        "2026-11-03T23:59:59-05:30",
    ],
)
def test_iso_equals_python_isoformat(text: str) -> None:
    assert iso(text) == datetime.fromisoformat(text).isoformat()


def test_iso_keeps_what_python_cannot_read() -> None:
    assert iso("2026-01-05T04:00:00+01:00[Europe/Berlin]") == (
        "2026-01-05T04:00:00+01:00[Europe/Berlin]"
    )
    assert iso(None) is None


def test_times_of_several_offsets_sort_as_instants() -> None:
    """A lot's history and a recall's tracking events sorted ISO times as text: the SAP
    receipt at 08:15+01:00 came before the MES mix at 08:35+08:00 that used it, hours earlier."""
    from tracegraph.values import instant_key

    times = ["2026-11-03T08:15:00+01:00", "2026-11-03T08:35:00+08:00", None,
             "2026-11-03T07:00:00", "2026-11-03T09:00:00+01:00"]  # fmt: skip
    assert sorted(times, key=instant_key) == [
        None, "2026-11-03T08:35:00+08:00", "2026-11-03T07:00:00", "2026-11-03T08:15:00+01:00",
        "2026-11-03T09:00:00+01:00",
    ]  # fmt: skip
