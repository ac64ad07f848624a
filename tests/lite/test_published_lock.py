"""The published site's lock (``make lite``): what the browser loads from the site, and what from Pyodide's CDN.

The published site can't be loaded here (Pyodide's CDN is out of reach); its wheels and lock are built
(``--wheels-only``) and checked.
"""

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("LABKIT_LITE_CACHE", ROOT / ".cache" / "lite"))
pytestmark = pytest.mark.lite


@pytest.fixture(scope="module")
def published(lite_site, tmp_path_factory):
    sys.path.insert(0, str(ROOT / "lite"))
    import build

    out = build.build(tmp_path_factory.mktemp("published") / "site", variant="site", cache=CACHE, wheels_only=True)
    return build, out, json.loads((out / "wheels" / "pyodide-lock.json").read_text())


def closure(lock, roots):
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(lock["packages"][name]["depends"])
    return seen


def test_every_package_the_kernel_and_labkit_need_is_in_the_lock(published):
    build, _, lock = published
    needed = closure(lock, ["labkit", *build.KERNEL_PRELOAD])
    assert {"boto3", "moto", "ipython", "cryptography", "pydantic-core", "jsonschema"} <= needed


def test_only_pyodides_compiled_packages_come_from_its_cdn(published):
    build, out, lock = published
    ours = json.loads((ROOT / "lite" / "lock.json").read_text())["packages"]
    compiled = {name for name, e in ours.items() if e["source"] == "pyodide"}
    for name in closure(lock, ["labkit", *build.KERNEL_PRELOAD]):
        file_name = lock["packages"][name]["file_name"]
        if file_name.startswith("https://"):
            assert file_name.startswith(build.PYODIDE_CDN), file_name
            assert name in compiled or not file_name.endswith("-none-any.whl"), f"{name}: a pure package from the CDN"
        else:
            assert (out / "wheels" / file_name).is_file(), file_name
            assert name not in compiled
    assert all(lock["packages"][name]["file_name"].startswith(build.PYODIDE_CDN) for name in compiled)


def test_the_published_core_is_the_sites_own_with_bytecode(published):
    _, out, _ = published
    core = out / "static" / "pyodide"
    assert (core / "pyodide.asm.wasm").is_file() and (core / "pyodide.mjs").is_file()
    stamp = json.loads((out / "labkit-site.json").read_text())
    assert stamp["pyodide_core_from"] == "site" and stamp["pyodide_packages_from"].startswith("https://")
