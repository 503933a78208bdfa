"""Packaging and consistency: what ships, which versions, what the README promises."""

from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from readme import script_commands, tracegraph_commands
from tracegraph import __version__, queries
from tracegraph.cli.main import app
from tracegraph.errors import UnknownQuery
from tracegraph.graph import TraceGraph
from tracegraph.versions import NEO4J_VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_cypher_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next(tmp_path.glob("tracegraph-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "cypher").rglob("*.cypher"):
        assert f"tracegraph/_bundled/cypher/{path.relative_to(ROOT / 'cypher')}" in names
    assert "tracegraph/_bundled/docker-compose.yml" in names


def _version_of_copy(
    package_parent: Path, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`tracegraph --version` run from a copy of the package in `package_parent`."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    if path is not None:
        env["PATH"] = path
    probe = ("import sys; sys.argv = ['tracegraph', '--version']; "
             "from tracegraph.cli.main import run; run()")  # fmt: skip
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, cwd=package_parent, check=False)  # fmt: skip


def _copy_of_the_package(into: Path) -> Path:
    shutil.copytree(ROOT / "tracegraph", into / "tracegraph",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    return into


def test_the_version_is_pyprojects_and_names_the_commit_of_a_checkout(tmp_path: Path) -> None:
    """`tracegraph --version` said 0.1.0 for every revision (tracegraph/__init__.py's literal):
    two builds of a day could not be told apart in a bug report. It says pyproject's version,
    as the installed metadata has it, and from a git checkout the commit: `(git 1a2b3c4)`,
    `+dirty` when tracked files changed (a new untracked file is no change)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["version"] == metadata.version("tracegraph") == __version__
    said_here = CliRunner().invoke(app, ["--version"])
    assert said_here.exit_code == 0 and said_here.stdout.startswith(f"tracegraph {__version__}")
    repo = _copy_of_the_package(tmp_path / "checkout")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    for args in (["init", "-q"], ["add", "tracegraph"], ["commit", "-q", "-m", "copy"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    sha = subprocess.run([*git, "rev-parse", "--short", "HEAD"], check=True,
                         capture_output=True, text=True).stdout.strip()  # fmt: skip
    (repo / "notes.txt").write_text("untracked\n")
    said = _version_of_copy(repo)
    assert (said.returncode, said.stdout) == (0, f"tracegraph {__version__} (git {sha})\n")
    with (repo / "tracegraph" / "errors.py").open("a") as edited:
        edited.write("# an edit\n")
    said = _version_of_copy(repo)
    assert (said.returncode, said.stdout) == (0, f"tracegraph {__version__} (git {sha}+dirty)\n")


def test_the_version_outside_a_checkout_or_without_git_is_the_version_alone(
    tmp_path: Path,
) -> None:
    """A copy of the package in no checkout, and a machine without git, say the version alone
    (exit 0, nothing on stderr): the commit is asked of git, which may be absent."""
    copy = _copy_of_the_package(tmp_path / "copy")
    no_git = tmp_path / "bin"  # a PATH with no git in it
    no_git.mkdir()
    for path in (None, str(no_git)):
        said = _version_of_copy(copy, path)
        assert (said.returncode, said.stdout, said.stderr) == (0, f"tracegraph {__version__}\n", "")
    repo = _copy_of_the_package(tmp_path / "checkout")
    subprocess.run(["git", "-C", str(repo), "init", "-q"], check=True)
    said = _version_of_copy(repo, str(no_git))  # a checkout, but no git to ask
    assert (said.returncode, said.stdout) == (0, f"tracegraph {__version__}\n")


def test_docker_compose_runs_the_pinned_version_safely() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert f"image: neo4j:{NEO4J_VERSION}-community" in compose
    published = re.findall(r'- "([^"]+):\d+"', compose)
    assert published and all(p.startswith("127.0.0.1:") for p in published)
    assert 'NEO4J_AUTH: "neo4j/${NEO4J_PASSWORD:?' in compose  # from the environment only
    assert "healthcheck:" in compose
    assert "tracegraph-data:/data" in compose
    # cross-origin requests from the Browser's own origin alone, and no telemetry from it
    origin = 'allow__origin: "http://127.0.0.1:${NEO4J_HTTP_PORT:-7474}"'
    assert f"NEO4J_dbms_security_http__access__control__{origin}" in compose
    assert 'NEO4J_client_allow__telemetry: "false"' in compose


def test_the_cli_starts_without_loading_what_only_some_commands_need() -> None:
    """scipy.stats (ranking), neo4j_viz (HTML picture) and openpyxl (XLSX exports) took
    1.25 s of the 2.1 s every command, even `--help`, waited for before doing anything: they are
    imported where they are used. pandas and pyarrow, which the Neo4j driver loads whenever
    they are installed, another 0.3 s: tracegraph's readers need no pandas, and pyarrow only
    for a Parquet file."""
    heavy = ("scipy.stats", "neo4j_viz", "openpyxl", "pandas", "pyarrow")
    probe = f"import sys, tracegraph.cli.main; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                            text=True).stdout.strip()  # fmt: skip
    assert loaded == "[]"


@pytest.mark.parametrize("group", [[], ["trace"], ["recall"], ["db"], ["demo"], ["lot"]])
def test_help_lists_each_command_with_its_summary_on_one_line(group: list[str]) -> None:
    """On a terminal wide enough, every command's summary is one line: the docstrings' own
    line breaks do not cut it (typer's rich help kept them)."""
    shown = subprocess.run(
        [sys.executable, "-c", "from tracegraph.cli.main import run; run()", *group, "--help"],
        env={**os.environ, "COLUMNS": "400"}, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    panel = shown.split("─ Commands ─", 1)[1].split("╰", 1)[0].splitlines()[1:]
    assert panel, shown
    assert all(re.match(r"│ [a-z]+ +\S", line) for line in panel), panel
    rows = {" ".join(line.strip("│ ").split()) for line in panel}
    command = typer.main.get_command(app)
    for name in group:
        command = command.commands[name]  # type: ignore[attr-defined]
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        summary = " ".join(inspect.cleandoc(sub.help or "").split("\n\n")[0].split())
        summary = summary.replace("`", "")  # Markdown shows `code` as styled text
        assert f"{name} {summary}" in rows, (name, summary)  # whole, not cut short


@pytest.mark.parametrize("command", [["import"], ["trace", "backward"], ["db", "up"],
                                     ["lot", "show"], ["imports"]])  # fmt: skip
def test_command_help_paragraphs_are_not_cut_at_the_docstrings_line_breaks(
    command: list[str],
) -> None:
    """Each paragraph of a command's help is one line on a wide terminal: Typer's default
    "rich" help kept the docstring's line breaks, so the text was wrapped twice."""
    shown = subprocess.run(
        [sys.executable, "-c", "from tracegraph.cli.main import run; run()", *command, "--help"],
        env={**os.environ, "COLUMNS": "400"}, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    lines = {line.strip() for line in shown.splitlines()}
    click = typer.main.get_command(app)
    for name in command:
        click = click.commands[name]  # type: ignore[attr-defined]
    paragraphs = inspect.cleandoc(click.help or "").split("\n\n")
    assert len(paragraphs) > 1 or command == ["imports"], paragraphs
    for paragraph in paragraphs:
        text = " ".join(paragraph.split()).replace("`", "")
        assert text in lines, (text, shown)


def test_unknown_query_name_is_an_error() -> None:
    with pytest.raises(UnknownQuery) as caught:
        queries.load("trace_sideways")
    assert caught.value.message == "there is no query named 'trace_sideways'"
    with pytest.raises(UnknownQuery):
        queries.load("../pyproject")


def test_every_read_query_compiles(graph: TraceGraph) -> None:
    """EXPLAIN each named query: a typo in a .cypher file fails here, not at a user's terminal."""
    for name in queries.available():
        if name.startswith(("schema/", "db/drop_", "db/delete_", "db/schema_")):
            continue  # schema and admin commands cannot be EXPLAINed
        graph.driver.execute_query("EXPLAIN " + queries.load(name), database_=graph.database)


def test_every_readme_command_is_exercised_by_a_test() -> None:
    test_sources = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    readmes = (ROOT / "README.md", ROOT / "importers" / "README.md")
    for argv in [a for path in readmes for a in tracegraph_commands(path=path)]:
        if argv in tracegraph_commands("Quick start") + tracegraph_commands("Tracing and recall"):
            continue  # test_local_server and test_trace run these README blocks themselves
        as_list = "[" + ", ".join(f'"{a}"' for a in argv) + "]"
        assert as_list in test_sources, f"README command `tracegraph {' '.join(argv)}` is untested"
    # test_demo runs ./scripts/demo, CI ./scripts/test, test_bench_engines ./scripts/bench (on a
    # smaller plant than the README's 10,000 lots, which takes minutes)
    assert set(script_commands()) == {
        "./scripts/demo",
        "./scripts/test",
        "./scripts/bench --lots 10000",
    }


def test_the_readme_project_layout_names_every_module_and_query_folder() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Project layout\n")
    end = text.find("\n## ", start + 1)
    layout = text[start : end if end != -1 else None]
    package = ROOT / "tracegraph"
    modules = {p.name for p in package.glob("*.py") if p.name != "__init__.py"}
    modules |= {p.name for p in (package / "importing").glob("*.py") if p.name != "__init__.py"}
    # bench_engines.py, bench_import.py and bench_trace.py are listed together as bench_*.py
    unnamed = {m for m in modules if m not in layout and not m.startswith("bench_")}
    assert not unnamed, f"README's project layout does not name {sorted(unnamed)}"
    folders = {p.name for p in (ROOT / "cypher").iterdir() if p.is_dir()}
    assert not {f for f in folders if f"{f}/" not in layout}, "a cypher/ folder is not named"
    top = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    top -= {"build", "dist"}
    assert not {t for t in top if f"{t}/" not in layout and ".egg-info" not in t}


@pytest.mark.parametrize(
    "script", sorted(p.name for p in (ROOT / "scripts").iterdir() if not p.name.startswith("_"))
)
def test_every_script_answers_help_with_its_usage_and_runs_nothing(
    script: str, tmp_path: Path
) -> None:
    """`./scripts/browser-screenshot --help` took a screenshot over the tracked
    docs/browser.png, `./scripts/demo --help` ran the demo (a server, a plant, an import) and
    `./scripts/test --help` the linters. Every script prints its usage, exit 0, and writes
    nothing (here a server that is not there makes any run fail at once)."""
    env = {**os.environ, "TRACEGRAPH_HOME": str(tmp_path / ".tracegraph"),
           "NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "not-used"}  # fmt: skip
    tracked = (ROOT / "docs" / "browser.png").read_bytes()
    done = subprocess.run(
        [str(ROOT / "scripts" / script), "--help"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout.lower(), done.stdout
    assert (ROOT / "docs" / "browser.png").read_bytes() == tracked
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("command", "usage"),
    [(["import"], "tracegraph import [OPTIONS] PATHS..."),
     (["lot", "show"], "tracegraph lot show [OPTIONS] LOT"),
     (["trace", "device"], "tracegraph trace device [OPTIONS] DEVICE"),
     (["imports"], "tracegraph imports [OPTIONS] [RUN]"),
     ([], "tracegraph [OPTIONS] COMMAND [ARGS]...")],
)  # fmt: skip
def test_help_shows_no_value_after_a_flag_and_plain_argument_names(
    command: list[str], usage: str
) -> None:
    """`import --help` showed `--dry-run <bool>`, `--yes <bool>`, `--help <bool>` for flags
    that refuse a value (`--dry-run=true`: "does not take a value"), and usage lines
    `{paths}...`, `{lot}`, `{DEVICE}`."""
    shown = subprocess.run(
        [sys.executable, "-c", "from tracegraph.cli.main import run; run()", *command, "--help"],
        env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"Usage: {usage.replace('tracegraph', '-c', 1)} " in shown, shown  # `python -c`
    assert "<bool>" not in shown and "{" not in shown.split("Usage:", 1)[1].splitlines()[0]
    assert re.search(r"│ +--help +Show this message and exit\.", shown), shown


def test_a_checkout_run_without_reinstalling_says_its_own_pyprojects_version(
    tmp_path: Path,
) -> None:
    """The version came from the installed metadata alone: a checkout whose pyproject.toml
    moved on (a pull, another branch, run with PYTHONPATH) said the version its venv was
    installed at. A checkout says its pyproject's version; a pyproject.toml of another project
    beside the package (tracegraph vendored into an application) is not read."""
    checkout = _copy_of_the_package(tmp_path / "checkout")
    (checkout / "pyproject.toml").write_text('[project]\nname = "tracegraph"\nversion = "9.9.9"\n')
    said = _version_of_copy(checkout, str(tmp_path))  # no git on PATH: the version alone
    assert (said.returncode, said.stdout) == (0, "tracegraph 9.9.9\n")
    vendored = _copy_of_the_package(tmp_path / "app")
    (vendored / "pyproject.toml").write_text('[project]\nname = "plant-app"\nversion = "4.2"\n')
    said = _version_of_copy(vendored, str(tmp_path))
    assert (said.returncode, said.stdout) == (0, f"tracegraph {metadata.version('tracegraph')}\n")
