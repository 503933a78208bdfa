"""Values read from Neo4j, made plain for output: times as ISO text, no bookkeeping keys."""

from __future__ import annotations

from typing import Any

# Step properties that are the step's own fields; every other property is a process parameter.
STEP_FIELDS = frozenset({"step_id", "operation", "started_at", "ended_at", "_row_sha"})


def iso(value: Any) -> str | None:
    """Neo4j temporal values as ISO 8601 text; None stays None."""
    if value is None:
        return None
    to_native = getattr(value, "to_native", None)
    return to_native().isoformat() if to_native else str(value)


def public_props(props: dict[str, Any] | None) -> dict[str, Any]:
    """A node's properties without the importer's bookkeeping, times as text."""
    return {k: iso(v) if hasattr(v, "to_native") else v
            for k, v in (props or {}).items() if not k.startswith("_")}  # fmt: skip
