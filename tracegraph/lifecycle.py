"""Bringing a Neo4j server up and down: Docker where an engine answers, else the local server.

When NEO4J_URI is set the server is somebody else's (Aura, a cluster, a team server): `up`
only checks that it answers with the given credentials and starts nothing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from tracegraph import server
from tracegraph.config import (
    CREDENTIALS_FILENAME,
    DEFAULT_USER,
    Settings,
    find_home,
    home_for_new_server,
    load_settings,
    read_credentials,
    write_credentials,
)
from tracegraph.db import connect, host_port, local_server_of
from tracegraph.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ServerNotAnswering,
    ServerSetupError,
    ServerUnavailable,
)
from tracegraph.private_files import private_folder
from tracegraph.resources import resource_path

Backend = Literal["local", "docker", "external"]
Mode = Literal["auto", "local", "docker"]
Log = Callable[[str], None]


@dataclass(frozen=True)
class UpResult:
    backend: Backend
    bolt_uri: str
    browser_url: str
    home: Path | None
    credentials: Path | None
    already_running: bool


def docker_engine_answers() -> bool:
    """True when a Docker engine (not just the client) responds."""
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        probe = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0 and bool(probe.stdout.strip())


def backend_of(home: Path) -> str:
    """Which server `db up` last started for this home: "local" or "docker"."""
    backend_path = _backend_file(home)
    if backend_path.is_file():
        return str(json.loads(backend_path.read_text(encoding="utf-8")).get("backend", "local"))
    return "local"


def uses_docker(mode: Mode, home: Path) -> bool:
    """Whether `db up` runs the server in Docker: asked so, or — in auto mode — as the home's
    server ran before (backend.json), else when a Docker engine answers. Auto mode took Docker
    whenever an engine answered: a home whose plant is in the local store got an empty Docker
    server once Docker was installed."""
    if mode != "auto":
        return mode == "docker"
    if _backend_file(home).is_file():
        return backend_of(home) == "docker"
    return docker_engine_answers()


def _backend_file(home: Path) -> Path:
    return home / "backend.json"


def _wait_for_credentials(
    settings: Settings, timeout: float, refusals: int = 0, hint: str = ""
) -> None:
    """Bolt can accept connections a moment before the auth system is ready: retry briefly.
    With `refusals`, a refused password is tried that many times at most (a password given by
    the user may be wrong: Neo4j locks the user out after three failed attempts). A server that
    accepts connections but does not answer (paused) is not tried again: each try waits for
    it. `hint` replaces the hint of a server that is down or starting, which says to run
    `tracegraph db up` — the command that is running."""
    deadline = time.monotonic() + timeout
    refused = 0
    while True:
        try:
            connect(settings, down_hint=hint).close()
            return
        except ServerNotAnswering:
            raise
        except (ServerUnavailable, AuthenticationFailed) as error:
            refused += isinstance(error, AuthenticationFailed)
            if time.monotonic() > deadline or (refusals and refused >= refusals):
                raise
            time.sleep(1.0)


def _names_own_server(uri: str, env: Mapping[str, str]) -> bool:
    """Whether NEO4J_URI is the local server of this home: this machine, the Bolt port it runs
    on (server.json, or neo4j-extra.conf's). The credentials file `db up` writes sets NEO4J_URI
    and README's backup recipe sources it: `db down`, `db backup`, then `db up` refused
    "cannot reach Neo4j at bolt://127.0.0.1:…", leaving the server down."""
    scheme = uri.partition("://")[0].lower()
    found = local_server_of(uri, env) if scheme in ("bolt", "neo4j") else None
    return found is not None and found[1].bolt_port == host_port(uri)[1]


def up(
    mode: Mode = "auto",
    options: server.ServerOptions | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: Log = lambda _: None,
) -> UpResult:
    """Start (or find running) the server the other commands will use, and check it answers."""
    env = os.environ if env is None else env
    if env.get("NEO4J_URI") and mode == "auto" and not _names_own_server(env["NEO4J_URI"], env):
        settings = load_settings(env, cwd)
        _wait_for_credentials(settings, timeout=0, refusals=1,
                              hint="check NEO4J_URI, or unset it for the local server")  # fmt: skip
        return UpResult("external", settings.server, "", None, None, already_running=True)

    home = home_for_new_server(env, cwd)
    use_docker = uses_docker(mode, home)
    if use_docker and not docker_engine_answers():
        raise ServerSetupError(
            "no Docker engine answers on this machine"
            + (" (this home's server runs in Docker)" if mode == "auto" else ""),
            hint="start Docker, or run `tracegraph db up --local` for the server without Docker",
        )
    if not home.exists():
        # The home holds the store: readable by others, anyone on the machine could copy it
        # and open it with a Neo4j of their own, without the password auth guards the server
        # with. Only a home made here: an existing one (a team's shared folder) is left as its
        # owner set it.
        private_folder(home)
    recovered = False
    if use_docker:
        result = _up_docker(home, options or server.ServerOptions(), env, log)
    else:
        already = server.state(home).running
        recovered = _credentials_from_environment(home, env)
        try:
            chosen = server.start(home, options, log=log, env=env)
        except BaseException:
            if recovered:  # not checked: no file with a password that may be wrong
                (home / CREDENTIALS_FILENAME).unlink(missing_ok=True)
            raise
        _backend_file(home).write_text(json.dumps({"backend": "local"}), encoding="utf-8")
        result = UpResult(
            "local", chosen.bolt_uri, chosen.browser_url, home,
            home / CREDENTIALS_FILENAME, already_running=already,
        )  # fmt: skip
    # Check the server just started with its own credentials, whatever NEO4J_* say.
    own = home_settings(home, env)
    started_hint = f"see the server's logs in {server.neo4j_home(home) / 'logs'}"
    if recovered:
        try:
            _wait_for_credentials(own, timeout=60, refusals=2, hint=started_hint)
        except AuthenticationFailed:
            # Not its password: leave no file with it, so that the next try starts clean.
            (home / CREDENTIALS_FILENAME).unlink(missing_ok=True)
            raise AuthenticationFailed(
                f"the server in {home} refused NEO4J_PASSWORD for user '{own.user}': it is "
                "not the password of its data; the credentials file was not written again",
                hint="try another password, or run `tracegraph db down` and delete the "
                f"server's data folder {server.neo4j_home(home) / 'data'} to start over with "
                "an empty database",
            ) from None
        log(f"The credentials file {home / CREDENTIALS_FILENAME} was written again.")
    else:
        try:
            # Twice at most: Neo4j locks the user out after three refusals in a row, and a
            # password changed in Browser was tried once a second for a minute, locking out
            # the nightly import and every analyst.
            _wait_for_credentials(own, timeout=60, refusals=2, hint=started_hint)
        except AuthenticationFailed:
            _credentials_changed(home, own, env, log)
    return result


def _credentials_changed(home: Path, own: Settings, env: Mapping[str, str], log: Log) -> None:
    """The server refused the password of its credentials file: it was changed (in Browser,
    with ALTER USER). NEO4J_PASSWORD, when given, is tried once and written into the file."""
    credentials = home / CREDENTIALS_FILENAME
    password = env.get("NEO4J_PASSWORD")
    if not password or password == own.password:
        raise AuthenticationFailed(
            f"the server in {home} refused the password in {credentials} for user "
            f"'{own.user}': it was changed since the file was written (in Neo4j Browser, or "
            "with ALTER USER)",
            hint="run `NEO4J_PASSWORD=<the new password> tracegraph db up` to write it into "
            "the file",
        ) from None
    given = replace(own, password=password)
    try:
        _wait_for_credentials(given, timeout=10, refusals=1)
    except AuthenticationFailed:
        raise AuthenticationFailed(
            f"the server in {home} refused both the password in {credentials} and "
            f"NEO4J_PASSWORD for user '{own.user}'",
            hint="give the password the user has now (Neo4j locks it for a few seconds after "
            "three refusals in a row)",
        ) from None
    write_credentials(credentials, {**read_credentials(credentials), "NEO4J_PASSWORD": password})
    log(f"The server's password had changed: {credentials} now holds NEO4J_PASSWORD.")


def home_settings(home: Path, env: Mapping[str, str] | None = None) -> Settings:
    """How to reach the server of `home`, from its credentials file, whatever NEO4J_* say."""
    env = os.environ if env is None else env
    own_env = {k: v for k, v in env.items() if not k.startswith("NEO4J_")}
    return load_settings({**own_env, "TRACEGRAPH_HOME": str(home)})


def _credentials_from_environment(home: Path, env: Mapping[str, str]) -> bool:
    """A local server whose data is there but whose credentials file is gone (deleted, or the
    home copied without it) gets the file again from NEO4J_PASSWORD (and NEO4J_USER): its
    password is in its system database, which nothing else can read. Whether it is the right
    password is checked once the server is up."""
    credentials = home / CREDENTIALS_FILENAME
    if credentials.is_file() or not server.has_data(home):
        return False
    password = env.get("NEO4J_PASSWORD")
    if not password:
        raise server.credentials_gone(home)
    values = {"NEO4J_USER": env.get("NEO4J_USER") or DEFAULT_USER, "NEO4J_PASSWORD": password}
    saved = server.saved_options(home)
    if saved is not None:  # a running server is not started again, which writes the address
        values = {"NEO4J_URI": saved.bolt_uri, **values}
    write_credentials(credentials, values)
    return True


def _compose_command(env: Mapping[str, str]) -> list[str]:
    docker = shutil.which("docker", path=env.get("PATH"))
    if docker is None:
        raise ServerSetupError("the docker command is not installed", hint="install Docker")
    return [docker, "compose", "-f", str(resource_path("docker-compose.yml")), "-p", "tracegraph"]


def _up_docker(
    home: Path, options: server.ServerOptions, env: Mapping[str, str], log: Log
) -> UpResult:
    credentials = home / CREDENTIALS_FILENAME
    saved = read_credentials(credentials) if credentials.is_file() else {}
    password = env.get("NEO4J_PASSWORD") or saved.get("NEO4J_PASSWORD") or secrets.token_urlsafe(24)
    write_credentials(
        credentials,
        {"NEO4J_URI": options.bolt_uri, "NEO4J_USER": DEFAULT_USER, "NEO4J_PASSWORD": password},
    )
    compose_env = server.child_env(  # the password alone: compose hands it to the container
        env,
        NEO4J_PASSWORD=password,
        NEO4J_BOLT_PORT=str(options.bolt_port),
        NEO4J_HTTP_PORT=str(options.http_port),
    )
    log("Starting Neo4j with docker compose …")
    started = subprocess.run(
        [*_compose_command(env), "up", "-d", "--wait"],
        env=compose_env,
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        last = (started.stderr.strip().splitlines() or ["no output"])[-1]
        raise ServerSetupError(
            f"docker compose could not start Neo4j: {last[:300]}",
            hint="see `docker compose -p tracegraph logs neo4j`",
        )
    _backend_file(home).write_text(json.dumps({"backend": "docker"}), encoding="utf-8")
    return UpResult(
        "docker", options.bolt_uri, options.browser_url, home, credentials, already_running=False
    )


def down(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> tuple[Backend, bool]:
    """Stop the server `up` started; returns (backend, whether something was running)."""
    env = os.environ if env is None else env
    home = find_home(env, cwd)
    if home is None:
        if env.get("NEO4J_URI"):
            raise ConfigurationError(
                "NEO4J_URI names a server tracegraph did not start, so it will not stop it",
                hint="stop that server with its own tools",
            )
        return "local", False
    if backend_of(home) == "docker":
        stopped = subprocess.run(
            [*_compose_command(env), "down"], capture_output=True, text=True, check=False
        )
        if stopped.returncode != 0:
            raise ServerSetupError(
                "docker compose could not stop Neo4j", hint=stopped.stderr.strip()[-200:]
            )
        return "docker", True
    return "local", server.stop(home)
