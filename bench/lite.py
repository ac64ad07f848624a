"""The lite site in chromium: lesson 00 from opening to its first trace printed, cold and warm; kernel memory.

The site is the test variant (lite/build.py --variant test: Pyodide's npm core and every wheel served from
127.0.0.1, as the published site serves its own wheels; only Pyodide's compiled packages differ, see
docs/lite.md), served on 127.0.0.1 and opened in Debian's chromium with a fresh profile:
- cold: an empty browser cache; open lesson 00, Run All, until the first trace is printed;
- warm: the same profile again (the browser's cache holds Pyodide and the wheels);
- memory: the Pyodide worker's wasm heap after lesson 00 (``pyodide_js._module.HEAPU8.length``).
Goals: under 25 s cold, under 12 s warm, under 400 MB.
"""

from __future__ import annotations

import functools
import http.server
import re
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "test-output" / "lite-site"
CHROMIUM = "/usr/bin/chromium"
GOALS = {"cold_s": 25.0, "warm_s": 12.0, "wasm_heap_mb": 400.0}
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
FIRST_TRACE = "my-function CAN reach internet"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(site: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def _one_run(context, base: str) -> tuple[float, float | None]:
    """Seconds from opening lesson 00 to its first trace on screen; the wasm heap (MB) after Run All."""
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(f"{base}/lab/index.html?path=00-start-here.ipynb")
    page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=120_000)
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    page.locator(f"{NOTEBOOK} .jp-OutputArea-output", has_text=FIRST_TRACE).first.wait_for(timeout=300_000)
    seconds = time.perf_counter() - t0
    page.wait_for_function(
        """s => [...document.querySelectorAll(s + ' .jp-CodeCell .jp-InputArea-prompt')]
                 .every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()))""",
        arg=NOTEBOOK,
        timeout=300_000,
    )
    page.locator(f"{NOTEBOOK} .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type("import pyodide_js; print('heap', pyodide_js._module.HEAPU8.length)")
    page.keyboard.press("Shift+Enter")
    out = page.locator(f"{NOTEBOOK} .jp-OutputArea-output", has_text=re.compile(r"^heap \d+")).first
    out.wait_for(timeout=60_000)
    heap = int(out.inner_text().split()[1]) / 2**20
    page.close()
    return seconds, heap


def run() -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped: playwright is not installed (make setup)")
        return {"skipped": "no playwright"}
    if not Path(CHROMIUM).exists():
        print(f"skipped: {CHROMIUM} is missing")
        return {"skipped": "no chromium"}
    sys.path.insert(0, str(ROOT / "lite"))
    import build

    if not (SITE / "labkit-site.json").exists():
        build.build(SITE, variant="test")
    server, base = _serve(SITE)
    try:
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
            )
            try:
                cold, heap = _one_run(context, base)
                warm, heap_warm = _one_run(context, base)
            finally:
                context.close()
    finally:
        server.shutdown()
        server.server_close()
    out = {"cold_s": round(cold, 1), "warm_s": round(warm, 1), "wasm_heap_mb": round(max(heap, heap_warm), 1)}
    out["ok"] = all(out[k] < goal for k, goal in GOALS.items())
    for key, goal in GOALS.items():
        print(f"{key:<14} {out[key]:>8}  (goal < {goal:g})")
    print(f"goals: {'met' if out['ok'] else 'NOT met'}")
    return out


if __name__ == "__main__":
    run()
