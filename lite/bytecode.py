"""The site's Python modules, compiled ahead of time to the bytecode of the site's Python (Pyodide's 3.14).

A browser keeps nothing of a Python between page loads: without bytecode in the site, Pyodide compiles
every module it imports (the standard library's, boto3's, moto's…) again at each visit, which was half
of lesson 00's time to its first trace. Pyodide's own distribution ships its packages compiled for the
same reason; this does the same for what the site serves itself:
- the wheels (labkit's pure dependencies, the kernel's own wheels): ``NAME.pyc`` in place of ``NAME.py``,
  as Pyodide's packages are (retagged ``cp314-none-any``); labkit keeps its sources beside
  ``__pycache__/NAME.cpython-314.pyc``, so that learners can read it (``lk.trace??``) and tracebacks show
  its lines;
- Pyodide's standard library zip: ``NAME.pyc`` beside every ``NAME.py`` (zipimport takes the bytecode;
  tracebacks still show the source).

The compiler is the site's own Python: Pyodide under node (lite/bytecode.mjs runs
lite/bytecode_worker.py), so the bytecode matches the browser's exactly. Outputs are kept in
``CACHE/bytecode/`` by the digest of their input, the worker and the Pyodide version.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lite"))
import fetch  # noqa: E402
import lock as litelock  # noqa: E402

HERE = Path(__file__).resolve().parent
WORKER = HERE / "bytecode_worker.py"
DRIVER = HERE / "bytecode.mjs"
#: Wheels that keep their sources beside the bytecode.
KEEP_SOURCE = ("labkit",)
PYTHON_TAG = "cp" + litelock.PYODIDE_MARKERS["python_version"].replace(".", "")
CACHE_TAG = "cpython-" + litelock.PYODIDE_MARKERS["python_version"].replace(".", "")
#: How a Pyodide core folder is copied into a site.
CORE_IGNORE = shutil.ignore_patterns("node_modules", "*.map", "*.d.ts")
WORKERS = 2


def _key(path: Path) -> str:
    h = hashlib.sha256(f"{litelock.PYODIDE_VERSION}\0".encode())
    h.update(WORKER.read_bytes() + b"\0" + DRIVER.read_bytes() + b"\0")
    h.update(Path(path).read_bytes())
    return h.hexdigest()[:24]


def _source_bytes(path: Path) -> int:
    """How much Python source a zip holds: the work its job is."""
    with zipfile.ZipFile(path) as z:
        return sum(i.file_size for i in z.infolist() if i.filename.endswith(".py"))


def _run(jobs: list[dict], cache: Path) -> None:
    """Run the jobs in Pyodide under node, split over ``WORKERS`` processes by the source they compile."""
    if not jobs:
        return
    if shutil.which("node") is None:
        raise SystemExit("node is needed to compile the site's bytecode in Pyodide: sudo apt-get install nodejs npm")
    bins: list[list[dict]] = [[] for _ in range(min(WORKERS, len(jobs)))]
    loads = [0] * len(bins)
    for job in sorted(jobs, key=lambda j: -j["size"]):
        i = loads.index(min(loads))
        bins[i].append({k: job[k] for k in ("kind", "src", "out")})
        loads[i] += job["size"]
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        for n, part in enumerate(bins):
            job_file = Path(tmp, f"jobs-{n}.json")
            job_file.write_text(json.dumps(part))
            procs.append(
                subprocess.Popen(
                    ["node", str(DRIVER), str(fetch.pyodide_dir(cache)), str(job_file)], stderr=subprocess.PIPE
                )
            )
        failed = [(p.wait(), p.stderr.read().decode(errors="replace")) for p in procs]
        for code, err in failed:
            if code:
                raise SystemExit(f"compiling the site's bytecode in Pyodide failed (exit {code}):\n{err[-2000:]}")


def _host(path: Path) -> str:
    return "/host" + str(Path(path).resolve())


def compiled_wheels(wheels: dict[str, Path], cache: Path) -> dict[str, Path]:
    """``{name: wheel}`` → ``{name: the same wheel with its bytecode}`` (built once, then from the cache)."""
    out, todo = {}, []
    for name, wheel in wheels.items():
        folder = cache / "bytecode" / _key(wheel)
        keep = litelock.canonicalize_name(name) in KEEP_SOURCE
        done = list(folder.glob("*.whl")) if folder.exists() else []
        if done:
            out[name] = done[0]
            continue
        folder.mkdir(parents=True, exist_ok=True)
        pycs = folder / "pycs.zip"
        job = {"kind": "wheel", "src": _host(wheel), "out": _host(pycs), "size": _source_bytes(wheel)}
        todo.append((name, wheel, folder, pycs, keep, job))
    _run([t[-1] for t in todo], cache)
    for name, wheel, folder, pycs, keep, _ in todo:
        with zipfile.ZipFile(pycs) as z:
            add = {n: z.read(n) for n in z.namelist()}
        pycs.unlink()
        if keep:
            add = {_cached_name(n): data for n, data in add.items()}
            out[name] = fetch.rewrite_wheel(wheel, folder, add=add)
        else:
            compiled = {n[:-1] for n in add}
            out[name] = fetch.rewrite_wheel(
                wheel, folder, drop=lambda n, c=compiled: n in c, add=add, tag=f"{PYTHON_TAG}-none-any"
            )
    return out


def _cached_name(pyc: str) -> str:
    """``pkg/mod.pyc`` → ``pkg/__pycache__/mod.cpython-314.pyc`` (where Python looks beside a source)."""
    head, _, base = pyc.rpartition("/")
    return f"{head}/__pycache__/{base[:-4]}.{CACHE_TAG}.pyc" if head else f"__pycache__/{base[:-4]}.{CACHE_TAG}.pyc"


def compiled_stdlib(pyodide: Path, cache: Path) -> Path:
    """Pyodide's ``python_stdlib.zip`` with bytecode beside every module (built once, then from the cache)."""
    src = pyodide / "python_stdlib.zip"
    out = cache / "bytecode" / _key(src) / "python_stdlib.zip"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".partial")
        _run([{"kind": "stdlib", "src": _host(src), "out": _host(partial), "size": _source_bytes(src)}], cache)
        partial.chmod(0o644)
        partial.rename(out)
    return out


def copy_core(pyodide: Path, dest: Path, cache: Path) -> None:
    """Pyodide's folder into a site (``static/pyodide``), its standard library with bytecode."""
    shutil.copytree(pyodide, dest, ignore=CORE_IGNORE)
    shutil.copy2(compiled_stdlib(pyodide, cache), dest / "python_stdlib.zip")
