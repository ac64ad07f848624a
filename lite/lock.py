"""The Lite lock: which wheel of which version the lite site installs, and from where.

    python lite/lock.py --pyodide-lock DIR/pyodide-lock.json     # rewrite lite/lock.json

Derived from two files, so that they can't disagree:
- requirements.txt (labkit's pins) and lite/site.txt (which of them the site needs, and what moto's
  extras would have brought that the lab imports);
- Pyodide's own lock file (``pyodide-lock.json`` of the Pyodide version the site uses): every package
  that Pyodide builds for WebAssembly (cryptography, cffi, pyyaml, markupsafe, rpds-py, pydantic-core…) is
  pinned to Pyodide's version, so that the pure wheels around it are resolved against the very builds the
  browser will load.

pip resolves the set for Python 3.14 (Pyodide's) with those constraints. Each resolved package then gets
a source: ``pyodide`` (a compiled package: loaded from Pyodide's distribution, its version checked against
Pyodide's lock) or ``pypi`` (a pure ``py3-none-any`` wheel, copied into the site, sha256 recorded). Packages
that JupyterLite's Pyodide kernel brings itself (IPython, comm, traitlets, the widgets stubs) are left out,
with whatever only they need. Nothing is fetched at run time from anywhere but the site and Pyodide's
distribution.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "lite" / "lock.json"
SITE = ROOT / "lite" / "site.txt"
REQUIREMENTS = ROOT / "requirements.txt"

#: What JupyterLite's Pyodide kernel brings itself before the first cell (IPython and its dependencies
#: from Pyodide's lock, the ipykernel and widgetsnbextension stubs from its own index): never in the lock.
#: (It installs ``comm`` too, from PyPI: the lock has it, so that the site needs no PyPI.)
KERNEL_PROVIDES = {"ipython", "traitlets", "widgetsnbextension", "jupyterlab-widgets"}

#: The environment markers of Pyodide 314 (Python 3.14 in a browser).
PYODIDE_MARKERS = {
    "implementation_name": "cpython",
    "implementation_version": "3.14.2",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Emscripten",
    "platform_version": "",
    "python_full_version": "3.14.2",
    "python_version": "3.14",
    "sys_platform": "emscripten",
    "extra": "",
}


def read_pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    """``{canonical name: "name==version"}`` of requirements.txt's ``==`` lines."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = f"{req.name}=={next(iter(req.specifier)).version}"
    return pins


def site_requirements(pins: dict[str, str]) -> list[str]:
    """lite/site.txt's lines, each pinned by requirements.txt where it pins the name."""
    out = []
    for line in SITE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name = canonicalize_name(Requirement(line).name)
        out.append(pins.get(name, line))
    return out


def pyodide_packages(lock_path: Path) -> dict:
    """Pyodide's lock: ``{canonical name: entry}`` and its ``info``."""
    data = json.loads(Path(lock_path).read_text())
    return data["info"], {canonicalize_name(n): e for n, e in data["packages"].items()}


def is_pure(file_name: str) -> bool:
    return file_name.endswith("-none-any.whl")


def resolve(requirements: list[str], constraints: list[str]) -> list[dict]:
    """pip's resolution for Python 3.14 (dry run, report only)."""
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp, "requirements.txt")
        con = Path(tmp, "constraints.txt")
        req.write_text("\n".join(requirements) + "\n")
        con.write_text("\n".join(constraints) + "\n")
        report = Path(tmp, "report.json")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--dry-run",
                "--ignore-installed",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
                str(Path(tmp, "t")),
                "--report",
                str(report),
                "--only-binary=:all:",
                "--python-version",
                "3.14",
                "--implementation",
                "cp",
                "--platform",
                "manylinux_2_28_x86_64",
                "--platform",
                "manylinux2014_x86_64",
                "--platform",
                "manylinux_2_17_x86_64",
                "--abi",
                "cp314",
                "--abi",
                "abi3",
                "--abi",
                "none",
                "-r",
                str(req),
                "-c",
                str(con),
            ],
            check=True,
        )
        return json.loads(report.read_text())["install"]


def needed(install: list[dict], roots: list[str]) -> dict[str, dict]:
    """The resolved packages reachable from ``roots`` in Pyodide, not passing through the kernel's own."""
    by_name = {canonicalize_name(i["metadata"]["name"]): i for i in install}
    keep: dict[str, dict] = {}
    todo = [(canonicalize_name(Requirement(r).name), set(Requirement(r).extras)) for r in roots]
    while todo:
        name, extras = todo.pop()
        if name in KERNEL_PROVIDES or name in keep:
            continue
        item = by_name[name]
        keep[name] = item
        for spec in item["metadata"].get("requires_dist") or []:
            req = Requirement(spec)
            if req.marker is not None and not any(
                req.marker.evaluate({**PYODIDE_MARKERS, "extra": e}) for e in (extras or {""})
            ):
                continue
            todo.append((canonicalize_name(req.name), set(req.extras)))
    return keep


def pip(command: str, *args: str) -> None:
    """``pip COMMAND`` quietly, one package at a time (``--no-deps``: the lock decides the set)."""
    subprocess.run(
        [sys.executable, "-m", "pip", command, "--quiet", "--disable-pip-version-check", "--no-deps", *args], check=True
    )


def pip_download(spec: str, dest: Path) -> None:
    """The pure wheel (py3-none-any, for Pyodide's Python) of ``spec`` from PyPI, into ``dest``."""
    pip(
        "download",
        "--only-binary=:all:",
        "--platform",
        "any",
        "--python-version",
        "3.14",
        "--implementation",
        "py",
        "--abi",
        "none",
        "-d",
        str(dest),
        spec,
    )


def download_pure(name: str, version: str, dest: Path) -> Path:
    """The pure (py3-none-any) wheel of ``name==version`` from PyPI, into ``dest``."""
    pip_download(f"{name}=={version}", dest)
    stem = re.sub(r"[-_.]+", "_", name).lower()
    found = [
        p
        for p in dest.glob("*.whl")
        if p.name.lower().startswith(stem + "-" + version.lower() + "-") and is_pure(p.name)
    ]
    if not found:
        raise SystemExit(
            f"{name} {version} has no pure (py3-none-any) wheel on PyPI and Pyodide does not "
            "build it: it can't be in the lite site. Pin another version in lite/site.txt."
        )
    return found[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def requires(item: dict) -> list[str]:
    """Canonical names this package needs in Pyodide (markers evaluated, extras ignored)."""
    out = []
    for spec in item["metadata"].get("requires_dist") or []:
        req = Requirement(spec)
        if req.marker is None or req.marker.evaluate(PYODIDE_MARKERS):
            out.append(canonicalize_name(req.name))
    return sorted(set(out))


def build_lock(pyodide_lock: Path, wheels: Path) -> dict:
    info, pyodide = pyodide_packages(pyodide_lock)
    pins = read_pins()
    roots = site_requirements(pins)
    compiled = [
        f"{e['name']}=={e['version']}" for n, e in pyodide.items() if not is_pure(e["file_name"]) and n not in pins
    ]
    install = needed(resolve(roots, compiled), roots)
    packages = {}
    for name, item in sorted(install.items()):
        version = item["metadata"]["version"]
        url = item["download_info"]["url"]
        entry = {
            "name": item["metadata"]["name"],
            "version": version,
            "depends": [d for d in requires(item) if d in install],
        }
        if is_pure(url.rsplit("/", 1)[-1]) or name not in pyodide or is_pure(pyodide[name]["file_name"]):
            wheel = download_pure(entry["name"], version, wheels)
            entry.update(source="pypi", file_name=wheel.name, sha256=sha256(wheel))
        else:
            theirs = pyodide[name]
            if theirs["version"] != version:
                raise SystemExit(f"{name}: resolved {version} but Pyodide builds {theirs['version']}")
            entry.update(source="pyodide", file_name=theirs["file_name"], sha256=theirs["sha256"])
        packages[name] = entry
    return {
        "comment": "Generated by lite/lock.py from requirements.txt, lite/site.txt and Pyodide's lock file. "
        "source pypi: a pure wheel copied into the site; source pyodide: loaded from Pyodide's "
        "distribution.",
        "pyodide": {
            "version": info.get("version") or PYODIDE_VERSION,
            "python": info["python"],
            "abi_version": info.get("abi_version"),
        },
        "requirements": roots,
        "packages": packages,
    }


#: The one Pyodide version of the site and of the tests (npm package ``pyodide``; its CDN for the site).
PYODIDE_VERSION = "314.0.7"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pyodide-lock", required=True, type=Path, help="Pyodide's pyodide-lock.json")
    parser.add_argument("--wheels", type=Path, help="keep the downloaded wheels here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheels = args.wheels or Path(tmp)
        wheels.mkdir(parents=True, exist_ok=True)
        lock = build_lock(args.pyodide_lock, wheels)
    LOCK.write_text(json.dumps(lock, indent=1, sort_keys=False) + "\n")
    counts = {s: sum(1 for e in lock["packages"].values() if e["source"] == s) for s in ("pypi", "pyodide")}
    print(
        f"wrote {LOCK.relative_to(ROOT)}: {counts['pypi']} pure wheels from PyPI, "
        f"{counts['pyodide']} compiled packages from Pyodide {lock['pyodide']['version']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
