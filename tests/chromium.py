"""What the two browser suites share: Debian's chromium behind a guard that lets a page reach one local
server only, "Run All" from JupyterLab's menu, and the checks on what a learner sees (no tracebacks,
pictures drawn as accessible figures). Used by tests/browser (JupyterLab) and tests/lite (JupyterLite)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
]
# chromium resolves no host but 127.0.0.1: nothing can leave the machine even if a route slips the guard
NO_OTHER_HOSTS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"  # the notebook on screen


def unavailable(reason: str):
    """Skip when the browser can't be had — but in CI, where ``make test`` installs it, fail."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (in CI the Makefile installs it, so this is an error)")
    pytest.skip(reason)


def sync_playwright():
    """Playwright's entry point, after checking that it and chromium are installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (make test installs requirements.txt)")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: install Debian's chromium (sudo apt-get install chromium)")
    return sync_playwright


def guarded_context(p, base: str, profile: Path, extra_args: tuple[str, ...] = ()):
    """A chromium context (fresh profile) whose requests may only go to ``base`` (http://127.0.0.1:PORT).

    Returns ``(context, refused)``: every other URL the page tried is appended to ``refused`` and aborted,
    so a test ends with ``assert refused == []``."""
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
        args=[*CHROMIUM_ARGS, *extra_args],
        viewport={"width": 1400, "height": 1000},
    )
    context.route("**/*", guard)
    context.on("requestfailed", lambda r: None if local.match(r.url) else refused.append(r.url))
    return context, refused


def kernel_idle(page, timeout_ms: int = 120_000) -> None:
    """Wait until the status bar says "<kernel> | Idle": the kernel is started, connected and idle.

    Run before that, JupyterLab finds no kernel yet and clears the cells instead of running them."""
    page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\| Idle$")).first.wait_for(timeout=timeout_ms)


def run_all_cells(page, timeout_ms: int) -> None:
    """Once the kernel is idle, Run → Run All Cells from the menu, and wait until every code cell is
    numbered (it ran in this kernel; a queued cell shows [*], a cleared one [ ]) — or Run All stopped at
    an error."""
    kernel_idle(page)
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
        timeout=timeout_ms,
    )


def tracebacks(page) -> list[str]:
    """The error outputs on screen (tracebacks, or a line naming an ...Error)."""
    stderr = page.locator(f'{NOTEBOOK} .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    return [t for t in stderr.all_inner_texts() if "Traceback" in t or re.search(r"\w+Error\b", t)]


def assert_accessible_pictures(page) -> int:
    """Every picture on screen is an HTML figure whose SVG has a text alternative and a caption, laid out
    with a size and scaled to fit its output area; returns how many there are."""
    pictures = page.locator(f"{NOTEBOOK} .jp-RenderedHTMLCommon figure.labkit-picture svg[role='img']")
    count = pictures.count()
    assert count >= 1, "no accessible picture rendered"
    last = pictures.last
    last.scroll_into_view_if_needed()
    assert last.evaluate(
        "svg => { const r = svg.getBoundingClientRect(); "
        "const area = svg.closest('.jp-OutputArea-output').getBoundingClientRect(); "
        "return r.width > 100 && r.height > 50 && r.width <= area.width + 1; }"
    ), "a picture was not laid out, or is wider than its output area"
    described = pictures.first.evaluate(
        "svg => { const ids = (svg.getAttribute('aria-labelledby') || '').split(' '); "
        "return ids.map(i => (document.getElementById(i) || {}).textContent || '').join(' '); }"
    )
    assert "A picture of the network" in described, described
    # textContent, not innerText: a notebook that renders only the cells in view leaves others unrendered
    caption = page.locator(f"{NOTEBOOK} figure.labkit-picture figcaption").first.text_content() or ""
    assert "A picture of the network" in caption and ("reach" in caption or "subnet" in caption), caption
    assert page.locator(f"{NOTEBOOK} .jp-RenderedSVG img:not([alt])").count() == 0, "a picture without alternative text"
    return count


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))
