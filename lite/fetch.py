"""What the lite site and its tests are made from, fetched into a cache folder (default ``.cache/lite``).

    python lite/fetch.py site  [--cache DIR]   # npm: Pyodide's core and the wasm graphviz; the pure wheels
    python lite/fetch.py tests [--cache DIR]   # + what the offline tests use instead of Pyodide's distribution

Only package registries are used (npm, PyPI), with their ordinary clients; every wheel is checked
against the sha256 in lite/lock.json (pip checks PyPI's own hashes for the rest). The pure wheels are the
lock's and those of the packages JupyterLite's kernel loads itself (micropip, IPython, jedi…), at the
versions of Pyodide's lock, from PyPI: the site serves them itself, compiled (bytecode.py).

For the tests, which can't reach Pyodide's distribution, ``tests`` adds:
- pure builds of markupsafe and pyyaml (``pip wheel`` from their sdists; their C speedups are dropped
  and the wheel is tagged py3-none-any: both fall back to pure Python);
- stand-in wheels for ``cryptography`` and ``openapi_spec_validator`` (tests/lite/standins/): imports
  work, calls raise. They exist only in the test harness, never in the published site.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lite"))
import lock as litelock  # noqa: E402

DEFAULT_CACHE = ROOT / ".cache" / "lite"
NPM_PACKAGES = {"pyodide": litelock.PYODIDE_VERSION, "@hpcc-js/wasm-graphviz": "1.29.2"}
#: Built pure for the tests (Pyodide's wasm builds can't be fetched here).
PURE_BUILDS = ("markupsafe", "pyyaml")
#: Replaced by import stand-ins in the tests (see tests/lite/standins/standin.py).
STAND_INS = {"cryptography": "cryptography", "openapi-spec-validator": "openapi_spec_validator"}
#: What JupyterLite's Pyodide kernel loads from Pyodide's lock before the first cell (pure packages).
KERNEL_PACKAGES = ("micropip", "ipython", "jedi")


def pyodide_dir(cache: Path) -> Path:
    return cache / "npm" / "node_modules" / "pyodide"


def graphviz_js(cache: Path) -> Path:
    return cache / "npm" / "node_modules" / "@hpcc-js" / "wasm-graphviz" / "dist" / "index.js"


def npm_install(cache: Path) -> None:
    """Pyodide's core and @hpcc-js/wasm-graphviz, pinned, from the npm registry."""
    npm = cache / "npm"
    if pyodide_dir(cache).joinpath("pyodide.asm.wasm").exists() and graphviz_js(cache).exists():
        installed = json.loads(pyodide_dir(cache).joinpath("package.json").read_text())["version"]
        if installed == NPM_PACKAGES["pyodide"]:
            return
    if shutil.which("npm") is None:
        raise SystemExit(
            "npm is needed to fetch Pyodide's core (npm package 'pyodide'). Install node and "
            "npm: sudo apt-get install nodejs npm"
        )
    npm.mkdir(parents=True, exist_ok=True)
    (npm / "package.json").write_text('{"private": true}\n')
    subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--silent",
            *(f"{name}@{version}" for name, version in NPM_PACKAGES.items()),
        ],
        cwd=npm,
        check=True,
    )


def fetch_wheel(file_name: str, version: str, name: str, digest: str | None, dest: Path) -> Path:
    """``file_name`` from PyPI into ``dest`` (kept when already there with the right sha256).

    ``digest`` None: no locked digest to check (PyPI's own hashes are checked by pip).
    """
    path = dest / file_name
    if not (path.exists() and digest in (None, litelock.sha256(path))):
        litelock.pip_download(f"{name}=={version}", dest)
    if not path.exists():
        raise SystemExit(f"PyPI did not give {file_name} for {name}=={version}")
    if digest is not None and litelock.sha256(path) != digest:
        raise SystemExit(f"{file_name}: sha256 {litelock.sha256(path)} is not the locked {digest}")
    return path


def site_wheels(cache: Path) -> list[Path]:
    """The lock's pure wheels (source pypi), checked."""
    lock = json.loads(litelock.LOCK.read_text())
    dest = cache / "wheels"
    dest.mkdir(parents=True, exist_ok=True)
    return [
        fetch_wheel(e["file_name"], e["version"], e["name"], e["sha256"], dest)
        for e in lock["packages"].values()
        if e["source"] == "pypi"
    ]


# ------------------------------------------------------------------------------------------- wheels


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def rewrite_wheel(
    src: Path, dest: Path, *, drop=lambda name: False, add: dict[str, bytes] | None = None, tag: str | None = None
) -> Path:
    """A copy of wheel ``src`` without the files ``drop`` selects, with ``add``, retagged; RECORD redone."""
    add = dict(add or {})
    with zipfile.ZipFile(src) as zin:
        files = {n: zin.read(n) for n in zin.namelist() if not drop(n)}
    dist_info = next(n.split("/")[0] for n in files if n.endswith(".dist-info/WHEEL"))
    files.update(add)
    name = src.name
    if tag:
        wheel = files[f"{dist_info}/WHEEL"].decode()
        wheel = re.sub(r"^Tag: .*$", f"Tag: {tag}", wheel, flags=re.M)
        wheel = re.sub(r"^Root-Is-Purelib: .*$", "Root-Is-Purelib: true", wheel, flags=re.M)
        files[f"{dist_info}/WHEEL"] = re.sub(r"(Tag: .*\n)(Tag: .*\n)+", r"\1", wheel).encode()
        parts = src.name[:-4].split("-")
        name = "-".join(parts[:-3] + tag.split("-")) + ".whl"
    record = f"{dist_info}/RECORD"
    lines = [_record_line(n, d) for n, d in files.items() if n != record] + [f"{record},,"]
    files[record] = ("\n".join(lines) + "\n").encode()
    out = dest / name
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for n, d in files.items():
            zout.writestr(zipfile.ZipInfo(n, date_time=(2020, 2, 2, 0, 0, 0)), d, zipfile.ZIP_DEFLATED)
    return out


def pure_build(name: str, version: str, dest: Path) -> Path:
    """``name==version`` built from its sdist, C extensions dropped, tagged py3-none-any."""
    stem = name.replace("-", "_").lower()
    done = [p for p in dest.glob(f"*{version}-py3-none-any.whl") if p.name.lower().startswith(stem + "-")]
    if done:
        return done[0]
    with tempfile.TemporaryDirectory() as tmp:
        litelock.pip("wheel", "--no-binary", name, "-w", tmp, f"{name}=={version}")
        [built] = Path(tmp).glob("*.whl")
        return rewrite_wheel(built, dest, drop=lambda n: n.endswith((".so", ".pyd", ".c", ".pyx")), tag="py3-none-any")


def stand_in_wheel(dist: str, package: str, version: str, dest: Path) -> Path:
    """A wheel named like ``dist`` whose package ``package`` is tests/lite/standins/standin.py."""
    version = f"{version}+standin"
    source = (ROOT / "tests" / "lite" / "standins" / "standin.py").read_bytes()
    dist_name = dist.replace("-", "_")
    info = f"{dist_name}-{version}.dist-info"
    files = {
        f"{package}/__init__.py": source,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
        "Summary: labkit test-harness stand-in (imports work, calls raise)\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: labkit\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = f"{info}/RECORD"
    files[record] = ("\n".join([_record_line(n, d) for n, d in files.items()] + [f"{record},,"]) + "\n").encode()
    out = dest / f"{dist_name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for n, d in files.items():
            zout.writestr(zipfile.ZipInfo(n, date_time=(2020, 2, 2, 0, 0, 0)), d)
    return out


def kernel_closure(pyodide_lock: dict) -> list[str]:
    """Canonical names of Pyodide's lock that the kernel's own packages need (depends, recursively)."""
    packages = {litelock.canonicalize_name(n): e for n, e in pyodide_lock["packages"].items()}
    seen, todo = [], list(KERNEL_PACKAGES)
    while todo:
        name = litelock.canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.append(name)
        todo.extend(packages[name]["depends"])
    return seen


def kernel_wheels(cache: Path) -> dict[str, Path]:
    """``{canonical name: wheel}``: the pure packages JupyterLite's kernel loads itself (micropip, IPython,
    jedi…), at the versions of Pyodide's lock, from PyPI (the site serves them compiled, see bytecode.py)."""
    pyodide_lock = json.loads(pyodide_dir(cache).joinpath("pyodide-lock.json").read_text())
    theirs = {litelock.canonicalize_name(n): e for n, e in pyodide_lock["packages"].items()}
    dest = cache / "wheels"
    dest.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in kernel_closure(pyodide_lock):
        entry = theirs[name]
        if not litelock.is_pure(entry["file_name"]):
            raise SystemExit(f"the kernel needs {name}, which Pyodide builds for wasm: no pure wheel")
        # Pyodide rebuilds pure wheels itself (other digests): PyPI's wheel of the same version.
        out[name] = fetch_wheel(entry["file_name"], entry["version"], entry["name"], None, dest)
    return out


def test_wheels(cache: Path) -> dict[str, Path]:
    """``{canonical name: wheel}`` replacing, in the tests, Pyodide's compiled packages."""
    lock = json.loads(litelock.LOCK.read_text())
    dest = cache / "test-wheels"
    dest.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in PURE_BUILDS:
        out[name] = pure_build(name, lock["packages"][name]["version"], dest)
    for dist, package in STAND_INS.items():
        out[dist] = stand_in_wheel(dist, package, lock["packages"][dist]["version"], dest)
    return out


def wheel_meta(path: Path) -> tuple[str, str, list[str]]:
    """(name, version, top-level import names) of a wheel."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    name = re.search(r"^Name: (.+)$", meta, re.M).group(1).strip()
    version = re.search(r"^Version: (.+)$", meta, re.M).group(1).strip()
    tops = sorted(
        {
            n.split("/")[0].removesuffix(".py")
            for n in names
            if "/" in n and not n.split("/")[0].endswith((".dist-info", ".data"))
        }
        | {n[:-3] for n in names if "/" not in n and n.endswith(".py")}
    )
    return name, version, tops


def wheel_requires(path: Path) -> list[str]:
    """Canonical names a wheel requires (its ``Requires-Dist`` without extras-only ones)."""
    with zipfile.ZipFile(path) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    found = []
    for line in re.findall(r"^Requires-Dist: (.+)$", meta, re.M):
        req = litelock.Requirement(line)
        if req.marker is None or req.marker.evaluate({**litelock.PYODIDE_MARKERS, "extra": ""}):
            found.append(litelock.canonicalize_name(req.name))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["site", "tests"])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    npm_install(args.cache)
    wheels = site_wheels(args.cache) + list(kernel_wheels(args.cache).values())
    print(f"{args.cache}: Pyodide {NPM_PACKAGES['pyodide']} core, wasm graphviz, {len(wheels)} locked wheels")
    if args.what == "tests":
        extra = test_wheels(args.cache)
        print(f"{args.cache}/test-wheels: {len(extra)} wheels for the offline tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
