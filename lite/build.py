"""``make lite``: the lessons as a static JupyterLite site, in ``lite/_output/`` (see docs/lite.md).

    python lite/build.py [--out DIR] [--pyodide DIR] [--variant site|test] [--cache DIR]

What goes into the site:
- JupyterLab (jupyterlite-core) with the Pyodide kernel (jupyterlite-pyodide-kernel), both pinned in
  requirements-lite.txt, and the ipywidgets front-end (jupyterlab_widgets' labextension);
- lessons 00–07: the student copies (tools/make_student.py) at the top, the instructor copies (with
  solutions) in ``instructor/``; lesson 08 (a real AWS account) is left out, with a note page. In each
  site copy, a first cell ``%pip install -q labkit`` installs labkit from the site itself;
- ``wheels/``: labkit's wheel (with graphviz compiled to WebAssembly, for the pictures) and the pure wheels
  of lite/lock.json, and ``wheels/pyodide-lock.json``: Pyodide's lock file plus those wheels, given to
  the kernel as its lock file. ``%pip install labkit`` finds labkit there and loads exactly the locked
  wheels; the PyPI fallback is off.

Where Pyodide and its compiled packages (cryptography, pyyaml, markupsafe, rpds-py, pydantic-core…) come
from: by default Pyodide's CDN, at the one Pyodide version of lite/lock.py; with ``--pyodide DIR`` (a
downloaded Pyodide release, ``make lite PYODIDE=DIR``) from the site itself. ``--variant test`` is the
variant the offline tests serve: Pyodide's npm core in the site, and in the lock the pure builds and
import stand-ins of lite/fetch.py in place of Pyodide's compiled packages.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lite"))
sys.path.insert(0, str(ROOT / "tools"))
import bytecode  # noqa: E402
import fetch  # noqa: E402
import lock as litelock  # noqa: E402

LESSONS = ROOT / "notebooks"
LEFT_OUT = ("08-your-own-account.ipynb",)
PIP_CELL = "%pip install -q labkit"
#: The progress log on JupyterLite's contents drive (the browser's storage): it survives a reload.
PROGRESS_FILE = "/drive/labkit-progress.json"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{litelock.PYODIDE_VERSION}/full/"
#: The kernel's own wheels (piplite, and the ipykernel and pyodide-kernel it runs), as the kernel's
#: extension ships them.
KERNEL_PYPI = Path(
    sys.prefix, "share", "jupyter", "labextensions", "@jupyterlite", "pyodide-kernel-extension", "static", "pypi"
)
KERNEL_WHEELS = ("piplite", "ipykernel", "pyodide-kernel")
#: What the kernel needs before the first cell, loaded with Pyodide itself in one batch from the lock
#: (without it, the kernel installs them one by one with piplite).
KERNEL_PRELOAD = ["micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython"]

NOTE_08 = """# Lesson 08 is not in the browser version

Lesson 08, *your own account*, runs the `labkit` command against a **real AWS account** (read-only):
it needs your AWS credentials and a terminal, which a browser tab can't offer (and should not be given).

Run it on your own machine instead:

```bash
git clone <this repository> && cd <it>
make lab        # sets everything up and opens JupyterLab; then open notebooks/08-your-own-account.ipynb
```

Everything else — lessons 00 to 07, the offline lab, the pictures, the exercises — works here as in
`make lab`. Your progress is kept in this browser (`labkit-progress.json` in the file browser); download it
to keep it or to move it to another machine.
"""


# ------------------------------------------------------------------------------------------- wheels


def labkit_wheel(dest: Path, engine_js: Path) -> Path:
    """labkit's wheel, with graphviz compiled to WebAssembly as ``labkit/render/_wasm/graphviz.js``."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "src")  # a clean copy: nothing of a local build or cache gets in
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, src / name)
        shutil.copytree(ROOT / "labkit", src / "labkit", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_wasm"))
        litelock.pip("wheel", "-w", tmp, str(src))
        [built] = Path(tmp).glob("labkit-*.whl")
        license_js = engine_js.parent.parent / "LICENSE"
        add = {"labkit/render/_wasm/graphviz.js": engine_js.read_bytes()}
        if license_js.exists():
            add["labkit/render/_wasm/LICENSE"] = license_js.read_bytes()
        return fetch.rewrite_wheel(built, dest, add=add)


def lock_entry(wheel: Path, depends: list[str]) -> dict:
    name, version, imports = fetch.wheel_meta(wheel)
    return {
        "name": litelock.canonicalize_name(name),
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": litelock.sha256(wheel),
        "package_type": "package",
        "imports": imports,
        "depends": depends,
        "unvendored_tests": False,
    }


def extension_wheels() -> dict[str, tuple[Path, list[str]]]:
    """``{name: (wheel, depends)}`` of the kernel's own wheels (KERNEL_WHEELS), from its extension."""
    found = {}
    for wheel in sorted(KERNEL_PYPI.glob("*.whl")):
        name = litelock.canonicalize_name(fetch.wheel_meta(wheel)[0])
        if name in KERNEL_WHEELS:
            found[name] = (wheel, fetch.wheel_requires(wheel))
    missing = set(KERNEL_WHEELS) - set(found)
    if missing:
        raise SystemExit(f"{KERNEL_PYPI} lacks {sorted(missing)}: make lite-setup installs jupyterlite-pyodide-kernel")
    return found


def kernel_lock(variant: str, cache: Path, wheels_dir: Path, labkit_whl: Path, pyodide_base: str) -> dict:
    """The kernel's pyodide-lock.json: Pyodide's own lock, plus the site's wheels (which win), compiled to
    bytecode (lite/bytecode.py)."""
    lock = json.loads(litelock.LOCK.read_text())
    theirs = json.loads(fetch.pyodide_dir(cache).joinpath("pyodide-lock.json").read_text())
    if theirs["info"].get("version", litelock.PYODIDE_VERSION) != lock["pyodide"]["version"]:
        raise SystemExit("lite/lock.json was made for another Pyodide: run lite/lock.py again")
    packages = {litelock.canonicalize_name(n): dict(e) for n, e in theirs["packages"].items()}
    for entry in packages.values():
        entry["name"] = litelock.canonicalize_name(entry["name"])
        entry["depends"] = [litelock.canonicalize_name(d) for d in entry["depends"]]
        entry["file_name"] = pyodide_base + entry["file_name"]
    roots = [litelock.canonicalize_name(litelock.Requirement(r).name) for r in lock["requirements"]]
    ours: dict[str, tuple[Path, list[str]]] = {}
    for name, e in lock["packages"].items():
        if e["source"] == "pypi":
            ours[name] = (cache / "wheels" / e["file_name"], e["depends"])
        else:  # Pyodide's build, at the version the lock was resolved against
            assert packages[name]["version"] == e["version"], name
            packages[name]["depends"] = e["depends"]
    ours["labkit"] = (labkit_whl, roots)
    ours.update(extension_wheels())
    for name, wheel in fetch.kernel_wheels(cache).items():  # served by the site, compiled, not Pyodide's CDN
        if name not in ours:  # a package the site already serves keeps its wheel (six: labkit's lock pins it)
            ours[name] = (wheel, packages[name]["depends"])
    if variant == "test":
        ours = test_wheels(ours, packages, cache)
    compiled = bytecode.compiled_wheels({name: wheel for name, (wheel, _) in ours.items()}, cache)
    for name, (_, depends) in ours.items():
        placed = wheels_dir / compiled[name].name
        shutil.copy2(compiled[name], placed)
        packages[name] = lock_entry(placed, [d for d in depends if d in packages or d in ours])
    if variant == "test":  # nothing from Pyodide's distribution but its core
        packages = {name: packages[name] for name in ours}
    return {"info": theirs["info"], "packages": packages}


def test_wheels(ours: dict, packages: dict, cache: Path) -> dict[str, tuple[Path, list[str]]]:
    """The test variant's wheels: Pyodide's compiled packages replaced (pure builds, stand-ins); only what
    labkit and the kernel need."""
    available = dict(ours)
    for name, wheel in fetch.test_wheels(cache).items():
        available[name] = (wheel, [] if name in fetch.STAND_INS else packages[name]["depends"])
    keep: dict[str, tuple[Path, list[str]]] = {}
    todo = ["labkit", *KERNEL_PRELOAD]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        if name not in available:
            raise SystemExit(f"the test site needs {name}, which only Pyodide's distribution has")
        keep[name] = available[name]
        todo.extend(keep[name][1])
    return keep


# ------------------------------------------------------------------------------------------- lessons


def site_lessons(staging: Path) -> list[Path]:
    """Student copies at the top of ``staging``, instructor copies in ``instructor/``, the 08 note."""
    import nbformat
    from make_student import make_student_copies

    make_student_copies(LESSONS, staging)
    (staging / "instructor").mkdir()
    for nb in sorted(LESSONS.glob("*.ipynb")):
        shutil.copy2(nb, staging / "instructor" / nb.name)
    for left_out in LEFT_OUT:
        for folder in (staging, staging / "instructor"):
            (folder / left_out).unlink(missing_ok=True)
    (staging / "08-your-own-account.md").write_text(NOTE_08)
    done = []
    for path in sorted(staging.rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = nbformat.v4.new_code_cell(PIP_CELL)
        cell.metadata["tags"] = ["lite-install"]
        cell.id = "labkit-lite-install"
        nb.cells.insert(0, cell)
        nbformat.write(nb, path)
        done.append(path)
    return done


# ------------------------------------------------------------------------------------------- site


def jupyter_lite_json() -> dict:
    """The kernel's settings: the site's lock, no PyPI, the kernel's packages loaded with Pyodide."""
    settings = {
        "disablePyPIFallback": True,
        "loadPyodideOptions": {
            "lockFileURL": "./wheels/pyodide-lock.json",
            "env": {"LABKIT_PROGRESS": PROGRESS_FILE},
            "packages": KERNEL_PRELOAD,
        },
    }
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {"appName": "labkit", "litePluginSettings": {KERNEL_PLUGIN: settings}},
    }


def inputs_digest(variant: str, pyodide: Path | None) -> str:
    """A digest of everything a build is made from (to reuse an up-to-date build of the tests' site)."""
    import hashlib

    h = hashlib.sha256(f"{variant} {pyodide} {litelock.PYODIDE_VERSION}".encode())
    files = [
        ROOT / "pyproject.toml",
        ROOT / "requirements-lite.txt",
        *sorted((ROOT / "lite").glob("*.py")),
        *sorted((ROOT / "lite").glob("*.mjs")),
        litelock.LOCK,
        *sorted((ROOT / "labkit").rglob("*.py")),
        *sorted((ROOT / "labkit").rglob("*.yaml")),
        *sorted(LESSONS.glob("*.ipynb")),
        *sorted((ROOT / "tests" / "lite" / "standins").glob("*.py")),
        ROOT / "tools" / "make_student.py",
    ]
    for f in files:
        h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def up_to_date(out: Path, variant: str, pyodide: Path | None = None) -> bool:
    stamp = out / "labkit-site.json"
    return stamp.exists() and json.loads(stamp.read_text()).get("inputs") == inputs_digest(variant, pyodide)


def build(
    out: Path,
    variant: str = "site",
    pyodide: Path | None = None,
    cache: Path = fetch.DEFAULT_CACHE,
    wheels_only: bool = False,
) -> Path:
    """Build the site into ``out``; ``wheels_only``: only ``wheels/`` and ``static/pyodide/`` (for the
    Pyodide harness, which needs no JupyterLab).

    Pyodide's core is always in the site (``static/pyodide/``, its standard library compiled to bytecode):
    from ``pyodide`` (a downloaded release) or from npm's package of the same version. ``pyodide`` also
    decides where Pyodide's compiled packages come from: the site, or Pyodide's CDN when it is None."""
    fetch.npm_install(cache)
    fetch.site_wheels(cache)
    if variant == "test":
        pyodide = fetch.pyodide_dir(cache)
    core = pyodide or fetch.pyodide_dir(cache)
    out = out.resolve()
    if wheels_only:
        if out.exists():
            shutil.rmtree(out)
        bytecode.copy_core(core, out / "static" / "pyodide", cache)
    else:
        jupyter_lite_build(out, core, cache)
    return finish(out, variant, pyodide, cache)


def jupyter_lite_build(out: Path, core: Path, cache: Path) -> None:
    """``jupyter lite build`` of the lessons, with the kernel's settings, into ``out``."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lite_dir, contents = tmp / "lite", tmp / "contents"
        lite_dir.mkdir()
        contents.mkdir()
        site_lessons(contents)
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(jupyter_lite_json(), indent=1))
        cmd = [
            sys.executable,
            "-m",
            "jupyterlite_core",
            "build",
            "--lite-dir",
            str(lite_dir),
            "--contents",
            str(contents),
            "--output-dir",
            str(out),
            "--no-sourcemaps",
            "--no-unused-shared-packages",
        ]
        # the Pyodide addon copies a "well-known" static/pyodide into the site, and points the kernel at it
        bytecode.copy_core(core, lite_dir / "static" / "pyodide", cache)
        if out.exists():
            shutil.rmtree(out)
        subprocess.run(cmd, check=True, cwd=tmp)


def finish(out: Path, variant: str, pyodide: Path | None, cache: Path) -> Path:
    wheels_dir = out / "wheels"
    wheels_dir.mkdir()
    base = "../static/pyodide/" if pyodide else PYODIDE_CDN
    with tempfile.TemporaryDirectory() as tmp:
        labkit_whl = labkit_wheel(Path(tmp), fetch.graphviz_js(cache))
        lock = kernel_lock(variant, cache, wheels_dir, labkit_whl, base)
    (wheels_dir / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
    (out / "labkit-site.json").write_text(
        json.dumps(
            {
                "variant": variant,
                "pyodide": litelock.PYODIDE_VERSION,
                "pyodide_core_from": "site",
                "pyodide_packages_from": "site" if pyodide else PYODIDE_CDN,
                "inputs": inputs_digest(variant, None if variant == "test" else pyodide),
            },
            indent=1,
        )
    )
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "lite" / "_output")
    parser.add_argument("--pyodide", type=Path, help="a downloaded Pyodide release: a self-contained site")
    parser.add_argument("--variant", choices=["site", "test"], default="site")
    parser.add_argument("--cache", type=Path, default=fetch.DEFAULT_CACHE)
    parser.add_argument("--wheels-only", action="store_true", help="only wheels/ and Pyodide (no JupyterLab)")
    args = parser.parse_args(argv)
    if args.pyodide and not (args.pyodide / "pyodide.mjs").exists():
        raise SystemExit(f"{args.pyodide} is not a Pyodide release folder (no pyodide.mjs in it)")
    out = build(args.out, args.variant, args.pyodide, args.cache, args.wheels_only)
    wheels = len(list((out / "wheels").glob("*.whl")))
    print(
        f"lite site ({args.variant}) in {out}: {wheels} wheels; serve it with "
        f"python -m http.server -d {out} -b 127.0.0.1"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
