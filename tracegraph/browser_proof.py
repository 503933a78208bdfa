"""Proof that the Neo4j Browser served by the server loads and connects, with a screenshot.

Drives Debian's Chromium through Playwright: open the Browser URL, log in through its connect
form (the Bolt address is prefilled from the server's discovery document, which is why the local
server's advertised address matters), wait for the "connected" message, run a query, and save a
PNG. The password is typed into the form only; it is never printed or logged.
"""

from __future__ import annotations

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


def main() -> None:
    """`python -m tracegraph.browser_proof OUT.png`: prove the Browser of the configured server."""
    from tracegraph.config import find_home, load_settings
    from tracegraph.server import saved_options

    settings = load_settings()
    home = find_home()
    options = saved_options(home) if home else None
    if options is None:
        raise SystemExit("error: no local server found (hint: run `tracegraph db up` first)")
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/browser.png")
    proof = prove_browser(options.browser_url, settings.user, settings.password, out)
    print(f"{proof.connected_text.strip()} — screenshot: {proof.screenshot}")


if __name__ == "__main__":
    main()
