"""Settings: environment first, then the 0600 credentials file of the nearest tracegraph home."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.config import (
    find_home,
    home_for_new_server,
    load_settings,
    read_credentials,
    write_credentials,
)
from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph


def _home_with_credentials(root: Path) -> Path:
    home = root / ".tracegraph"
    write_credentials(
        home / "credentials",
        {
            "NEO4J_URI": "bolt://127.0.0.1:7999",
            "NEO4J_USER": "neo4j",
            "NEO4J_PASSWORD": "from-file",
        },
    )
    return home


def test_credentials_file_is_user_only(tmp_path: Path) -> None:
    home = _home_with_credentials(tmp_path)
    assert (home / "credentials").stat().st_mode & 0o777 == 0o600


def test_credentials_readable_by_others_are_refused(tmp_path: Path) -> None:
    home = _home_with_credentials(tmp_path)
    os.chmod(home / "credentials", 0o644)
    with pytest.raises(ConfigurationError) as caught:
        read_credentials(home / "credentials")
    path = home / "credentials"
    assert caught.value.message == f"credentials file {path} can be read by other users"
    assert caught.value.hint == f"run `chmod 600 {home / 'credentials'}`"


def test_home_is_found_in_a_parent_folder(tmp_path: Path) -> None:
    home = _home_with_credentials(tmp_path)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_home(env={}, cwd=deep) == home
    settings = load_settings(env={}, cwd=deep)
    assert (settings.uri, settings.user, settings.password, settings.database) == (
        "bolt://127.0.0.1:7999", "neo4j", "from-file", "neo4j",
    )  # fmt: skip
    assert settings.source == str(home / "credentials")


def test_environment_overrides_each_value(tmp_path: Path) -> None:
    _home_with_credentials(tmp_path)
    env = {"NEO4J_PASSWORD": "from-env", "NEO4J_DATABASE": "plant"}
    settings = load_settings(env=env, cwd=tmp_path)
    assert (settings.uri, settings.password, settings.database) == (
        "bolt://127.0.0.1:7999", "from-env", "plant",
    )  # fmt: skip


def test_tracegraph_home_wins_over_the_folder_search(tmp_path: Path) -> None:
    _home_with_credentials(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    assert find_home(env={"TRACEGRAPH_HOME": str(elsewhere)}, cwd=tmp_path) == elsewhere
    assert home_for_new_server(env={}, cwd=tmp_path / "x") == tmp_path / ".tracegraph"


def test_new_home_is_made_in_the_current_folder(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert find_home(env={}, cwd=fresh) is None
    assert home_for_new_server(env={}, cwd=fresh) == fresh / ".tracegraph"


HOW_TO_START = (
    "run the command from the folder that holds the server's .tracegraph (or set "
    "TRACEGRAPH_HOME to that .tracegraph folder), start one there with `tracegraph db up`, or "
    "set NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD"
)


def test_nothing_configured_says_where_it_looked_and_how_to_start(tmp_path: Path) -> None:
    """A nightly job run from / said "no server is configured" and "run `tracegraph db up`",
    which would have started a second, empty server there."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env={"TRACEGRAPH_HOME": str(tmp_path / "none")}, cwd=tmp_path)
    assert str(caught.value) == (
        f"no Neo4j server is configured ({tmp_path / 'none'} has no credentials file) "
        f"(hint: {HOW_TO_START})"
    )
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env={}, cwd=tmp_path)
    assert caught.value.message == (
        f"no Neo4j server is configured (no .tracegraph folder in {tmp_path.resolve()} or above "
        "it, and no TRACEGRAPH_HOME)"
    )
    # TRACEGRAPH_HOME set to the folder holding .tracegraph: named, with the right value
    (tmp_path / "plant" / ".tracegraph").mkdir(parents=True)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env={"TRACEGRAPH_HOME": str(tmp_path / "plant")}, cwd=tmp_path)
    assert caught.value.hint == (
        "TRACEGRAPH_HOME names the .tracegraph folder itself: set it to "
        f"{tmp_path / 'plant' / '.tracegraph'}"
    )


def test_uri_without_password_is_refused(tmp_path: Path) -> None:
    env = {"NEO4J_URI": "bolt://db:7687", "TRACEGRAPH_HOME": str(tmp_path / "none")}
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env=env, cwd=tmp_path)
    assert (
        caught.value.message == "no password is configured for Neo4j user 'neo4j' at bolt://db:7687"
    )


def test_settings_repr_hides_the_password(tmp_path: Path) -> None:
    _home_with_credentials(tmp_path)
    assert "from-file" not in repr(load_settings(env={}, cwd=tmp_path))


def test_the_plants_zone_is_read_alike_by_import_trace_and_recall(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    """TRACEGRAPH_TIMEZONE had three readers (import, trace's windows, the recall package's
    EPCIS offsets) with three texts for a zone that is no zone — two hints of three differed
    ("use an IANA name such as Europe/Berlin or UTC", "set it to an IANA name like
    Europe/Berlin, or give --timezone", "… (the plant's zone), or unset it") — and the recall
    took " Europe/Berlin " where import and trace refused it (exit 2). Now one reader: the same
    error from all three, and blanks around a name are left out by all three."""
    runner = CliRunner()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "lots.csv").write_text(
        "lot_id,material_id,supplier_id,received_at\nB9,M1,V1,2026-11-03T08:15\n",
        encoding="utf-8",
    )
    calls = {
        "import": ["import", str(tmp_path / "in"), "--dry-run"],
        "trace": ["trace", "device", "MIXER-1", "--from", "2026-11-03T09:00", "--to",
                  "2026-11-03T09:30", "--format", "json"],
        "recall": ["recall", "B", "--out", str(tmp_path / "rc"), "--drill"],
    }  # fmt: skip
    for name, args in calls.items():
        result = runner.invoke(app, args, env={"TRACEGRAPH_TIMEZONE": "Mars/Olympus"})
        assert (result.exit_code, result.stderr) == (2, (
            "error: TRACEGRAPH_TIMEZONE names an unknown timezone 'Mars/Olympus' (hint: use an "
            "IANA name such as Europe/Berlin or UTC)\n"
        )), name  # fmt: skip
    answers = {}
    for name, args in calls.items():
        result = runner.invoke(app, args, env={"TRACEGRAPH_TIMEZONE": " Europe/Berlin "})
        assert result.exit_code in (0, 1), (name, result.stderr)  # recall: 1 is a drill's gaps
        assert "unknown timezone" not in result.stderr, (name, result.stderr)
        answers[name] = result.stdout
    # the window was read in Berlin: 09:00-09:30 there is the mix at 08:00-08:30Z
    assert [s["step_id"] for s in json.loads(answers["trace"])["steps"]] == ["X"]
