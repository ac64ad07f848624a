"""The lite site in a real browser: its test variant served on 127.0.0.1, opened in Debian's chromium.

Lesson 00 is run from the menu (Run → Run All Cells): its first cell installs labkit from the site, the
offline lab runs in the Pyodide kernel, the pictures are drawn (graphviz compiled to WebAssembly). Then a
cell showing an exercise is added, and its Check button answers. Any request that would leave 127.0.0.1
fails the test (and chromium cannot resolve any other host). Screenshots go to test-output/.
"""

from __future__ import annotations

import functools
import http.server
import re
import socket
import threading

import pytest

from tests.chromium import (
    NO_OTHER_HOSTS,
    NOTEBOOK,
    assert_accessible_pictures,
    guarded_context,
    run_all_cells,
    screenshot,
    sync_playwright,
    tracebacks,
)

pytestmark = pytest.mark.lite

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


def run_all(page) -> None:
    run_all_cells(page, RUN_TIMEOUT_MS)


def test_lesson_00_runs_draws_and_an_exercise_answers(served, tmp_path):
    with sync_playwright()() as p:
        context, refused = guarded_context(p, served, tmp_path / "profile", (NO_OTHER_HOSTS,))
        page = context.new_page()
        try:
            page.goto(f"{served}/lab/index.html?path=00-start-here.ipynb")
            page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=STEP_TIMEOUT_MS)
            # the cell appears before its editor has drawn its text: wait for the text, then read it
            first = page.locator(f"{NOTEBOOK} .jp-CodeCell").first
            first.locator(".cm-content").filter(has_text="%pip").wait_for(timeout=STEP_TIMEOUT_MS)
            assert first.locator(".cm-content").inner_text().strip() == "%pip install -q labkit"
            run_all(page)
            errors = tracebacks(page)
            assert errors == [], "\n---\n".join(errors)

            assert assert_accessible_pictures(page) == 3, "the three pictures of lesson 00 were not drawn"
            screenshot(page, "lite-00-start-here-picture.png")

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
            screenshot(page, "lite-exercise-check.png")
        except Exception:
            screenshot(page, "lite-FAILED.png")
            raise
        finally:
            context.close()
    assert refused == [], f"the page tried to reach other hosts: {refused}"
