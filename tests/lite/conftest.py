"""The lite site's offline tests: a Pyodide harness (node) and a real browser (chromium).

Both use the test variant of the site (lite/build.py --variant test), built once per run into
test-output/lite-site from the cache that `make lite-cache` fills (.cache/lite, or $LABKIT_LITE_CACHE).
Without that cache (or node, or chromium) the tests are skipped with the reason — except in CI (CI=true),
where they fail.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("LABKIT_LITE_CACHE", ROOT / ".cache" / "lite"))
SITE = ROOT / "test-output" / "lite-site"

# Run inside Pyodide only, never imported here (the stand-ins would replace real packages in this process).
collect_ignore = ["standins", "runner.py"]


def pytest_configure(config):
    config.addinivalue_line("markers", "lite: the JupyterLite site in Pyodide (node) or chromium; run by `make test`")


def missing(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def lite_site():
    """The test variant of the site, built from the cache (once per session)."""
    if not (CACHE / "npm" / "node_modules" / "pyodide" / "pyodide.mjs").exists():
        missing(f"no Pyodide in {CACHE}: run `make lite-cache` first")
    if shutil.which("node") is None:
        missing("node is not installed: sudo apt-get install nodejs")
    sys.path.insert(0, str(ROOT / "lite"))
    import build

    if build.up_to_date(SITE, "test"):  # nothing it is made from changed since the last run
        return SITE
    return build.build(SITE, variant="test", cache=CACHE)
