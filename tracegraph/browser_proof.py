"""Proof that the Neo4j Browser served by the server loads and connects, with a screenshot.

Drives Debian's Chromium through Playwright: open the Browser URL, log in through its connect
form (the Bolt address is prefilled from the server's discovery document, which is why the local
server's advertised address matters), wait for the "connected" message, run a query, and save a
PNG. The password is typed into the form only; it is never printed or logged.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tracegraph.errors import TracegraphError

CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium keeps calling home on a closed network and stalls.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip
CONNECTED_TEXT = "You are connected as user"


@dataclass(frozen=True)
class BrowserProof:
    connected_text: str
    screenshot: Path


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise TracegraphError(
            "Chromium is not installed", hint="apt-get install chromium (Debian's package)"
        )
    return found


def prove_browser(
    browser_url: str,
    user: str,
    password: str,
    out: Path,
    query: str = "CALL dbms.components() YIELD name, versions, edition",
) -> BrowserProof:
    """Log in to the Browser at `browser_url`, run `query`, and save a screenshot to `out`."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=list(CHROMIUM_ARGS)
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(browser_url, wait_until="networkidle", timeout=60_000)
            page.locator("input[data-testid='username']").fill(user)
            page.locator("input[data-testid='password']").fill(password)
            page.get_by_role("button", name="Connect", exact=True).first.click()
            connected = page.get_by_text(CONNECTED_TEXT).first
            connected.wait_for(timeout=60_000)
            text = connected.inner_text()
            editor = page.locator(".monaco-editor textarea").first
            editor.click()
            editor.fill(query)
            page.keyboard.press("Control+Enter")
            # Every server answers this query with its kernel row, empty database or not.
            page.get_by_text("Neo4j Kernel").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)  # let the result frame finish its layout
            page.screenshot(path=str(out))
            browser.close()
    except PlaywrightError as exc:
        first_line = str(exc).strip().splitlines()[0][:200]
        raise TracegraphError(
            f"the Neo4j Browser at {browser_url} did not connect: {first_line}",
            hint="check that `tracegraph db up` printed this Browser URL and the server runs",
        ) from None
    return BrowserProof(connected_text=text, screenshot=out)


def grass_to_json(grass: str) -> dict[str, dict[str, str]]:
    """A .grass style sheet (CSS-like) as the JSON the Browser stores."""
    style: dict[str, dict[str, str]] = {}
    # a body runs to the first } outside quotes: captions such as "{lot_id}" hold braces
    for selector, body in re.findall(r'([\w.]+)\s*\{((?:[^{}"]|"[^"]*")*)\}', grass):
        rules = (r.split(":", 1) for r in body.split(";") if ":" in r)
        style[selector] = {k.strip(): v.strip().strip('"') for k, v in rules}
    return style


def screenshot_styled_query(
    browser_url: str, user: str, password: str, out: Path, grass: str, commands: list[str]
) -> Path:
    """Log in with the style sheet loaded, run `commands` (`:param …`, then a query that draws a
    graph), and save a screenshot of the drawing — the README's picture of a trace."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=list(CHROMIUM_ARGS)
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            # The Browser keeps its style sheet in localStorage as JSON; set it before it loads.
            stored = json.dumps(json.dumps(grass_to_json(grass)))
            page.add_init_script(f"localStorage.setItem('neo4j.grass', {stored})")
            page.goto(browser_url, wait_until="networkidle", timeout=60_000)
            page.locator("input[data-testid='username']").fill(user)
            page.locator("input[data-testid='password']").fill(password)
            page.get_by_role("button", name="Connect", exact=True).first.click()
            page.get_by_text(CONNECTED_TEXT).first.wait_for(timeout=60_000)
            editor = page.locator(".monaco-editor textarea").first
            for command in commands:
                editor.click()
                editor.fill(command)
                page.keyboard.press("Control+Enter")
                page.wait_for_timeout(1500)
            page.locator("svg g.node").first.wait_for(timeout=60_000)
            page.wait_for_timeout(4000)  # let the force layout settle
            page.screenshot(path=str(out))
            browser.close()
    except PlaywrightError as exc:
        first_line = str(exc).strip().splitlines()[0][:200]
        raise TracegraphError(
            f"the Neo4j Browser at {browser_url} did not draw the query: {first_line}",
            hint="check that the server runs and holds the plant the query names",
        ) from None
    return out


def main() -> None:
    """`python -m tracegraph.browser_proof OUT.png [--trace LOT]`: prove the Browser of the
    configured server; with --trace, screenshot cypher/browser/forward.cypher for LOT instead,
    drawn with cypher/browser/tracegraph.grass."""
    from tracegraph.config import find_home, load_settings
    from tracegraph.resources import resource_path
    from tracegraph.server import saved_options

    args = sys.argv[1:]
    lot = None
    if "--trace" in args:
        at = args.index("--trace")
        lot = args[at + 1] if at + 1 < len(args) else None
        args = args[:at] + args[at + 2 :]
    settings = load_settings()
    home = find_home()
    options = saved_options(home) if home else None
    if options is None:
        raise SystemExit("error: no local server found (hint: run `tracegraph db up` first)")
    if lot is None and "--trace" in sys.argv:
        raise SystemExit("error: --trace needs a lot id")
    if lot is not None:
        out = Path(args[0] if args else "docs/trace.png")
        browser = resource_path("cypher") / "browser"
        query = (browser / "forward.cypher").read_text(encoding="utf-8")
        body = "\n".join(line for line in query.splitlines() if not line.startswith("//"))
        statements = [
            s.strip() for s in body.split(";") if s.strip() and not s.strip().startswith(":")
        ]
        commands = [f":param lot_id => {json.dumps(lot)}", *statements]
        grass = (browser / "tracegraph.grass").read_text(encoding="utf-8")
        shot = screenshot_styled_query(
            options.browser_url, settings.user, settings.password, out, grass, commands
        )
        print(f"trace of {lot} drawn — screenshot: {shot}")
        return
    out = Path(args[0] if args else "docs/browser.png")
    proof = prove_browser(options.browser_url, settings.user, settings.password, out)
    print(f"{proof.connected_text.strip()} — screenshot: {proof.screenshot}")


if __name__ == "__main__":
    main()
