"""The lite site in a real browser: its test variant served on 127.0.0.1, opened in Debian's chromium.

Lesson 00 is run from the menu (Run → Run All Cells): its first cell installs labkit from the site, the
offline lab runs in the Pyodide kernel, the pictures are drawn (graphviz compiled to WebAssembly). Then a
cell showing an exercise is added, and its Check button answers. Any request that would leave 127.0.0.1
fails the test (and chromium cannot resolve any other host). Screenshots go to test-output/.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import socket
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.lite

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
RUN_TIMEOUT_MS = 900_000  # lesson 00 in Pyodide, Run All (minutes on a loaded 2-core machine)
STEP_TIMEOUT_MS = 120_000


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(lite_site):
    """The test variant of the site over HTTP on 127.0.0.1 (a free port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = functools.partial(QuietHandler, directory=str(lite_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def open_site(p, base, profile):
    """A chromium page whose requests may only go to ``base``; returns (context, refused list)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (sudo apt-get install chromium)"
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)(reason)
    refused: list[str] = []
    local = re.compile(rf"^(https?|wss?)://127\.0\.0\.1:{base.rsplit(':', 1)[1]}/")

    def guard(route):
        url = route.request.url
        if local.match(url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context = p.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1400, "height": 1000},
    )
    context.route("**/*", guard)
    context.on("requestfailed", lambda r: None if local.match(r.url) else refused.append(r.url))
    return context, refused


def run_all(page) -> None:
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    page.wait_for_function(
        """selector => {
            const prompts = [...document.querySelectorAll(selector + ' .jp-CodeCell .jp-InputArea-prompt')]
                .map(p => p.textContent.trim());
            const numbered = prompts.filter(t => /^\\[\\d+\\]:$/.test(t)).length;
            const queued = prompts.some(t => t.includes('*'));
            const error = document.querySelector(
                selector + ' .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
            return prompts.length > 0 && (numbered === prompts.length || (error !== null && !queued));
        }""",
        arg=NOTEBOOK,
        timeout=RUN_TIMEOUT_MS,
    )


def test_lesson_00_runs_draws_and_an_exercise_answers(served, tmp_path):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        context, refused = open_site(p, served, tmp_path / "profile")
        page = context.new_page()
        try:
            page.goto(f"{served}/lab/index.html?path=00-start-here.ipynb")
            page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=STEP_TIMEOUT_MS)
            first = page.locator(f"{NOTEBOOK} .jp-CodeCell").first.inner_text()
            assert "%pip install -q labkit" in first
            run_all(page)
            errors = [
                t
                for t in page.locator(f'{NOTEBOOK} [data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
                if "Traceback" in t or re.search(r"\w+Error\b", t)
            ]
            assert errors == [], "\n---\n".join(errors)

            pictures = page.locator(f"{NOTEBOOK} .jp-RenderedSVG img")
            assert pictures.count() == 3, "the three pictures of lesson 00 were not drawn"
            pictures.last.scroll_into_view_if_needed()
            assert pictures.last.evaluate("img => img.complete && img.naturalWidth > 100 && img.naturalHeight > 100")
            page.screenshot(path=str(SCREENSHOTS / "lite-00-start-here-picture.png"))

            # an exercise: a new cell at the end, run, Check with nothing chosen → feedback
            page.locator(f"{NOTEBOOK} .jp-Cell").last.click()
            page.keyboard.press("Escape")
            page.keyboard.press("b")
            page.keyboard.press("Enter")
            page.keyboard.type('lk.exercises.get("reachability/predict").widget()')
            page.keyboard.press("Shift+Enter")
            check = page.locator(f"{NOTEBOOK} .widget-button", has_text=re.compile(r"^\s*Check\s*$")).first
            check.wait_for(timeout=STEP_TIMEOUT_MS)
            check.scroll_into_view_if_needed()
            check.click()
            exercise = check.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]")
            exercise.locator(".labkit-feedback").get_by_text(re.compile("Not yet|Correct")).wait_for(
                timeout=STEP_TIMEOUT_MS
            )
            page.screenshot(path=str(SCREENSHOTS / "lite-exercise-check.png"))
        except Exception:
            page.screenshot(path=str(SCREENSHOTS / "lite-FAILED.png"))
            raise
        finally:
            context.close()
    assert refused == [], f"the page tried to reach other hosts: {refused}"
