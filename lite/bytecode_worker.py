"""Runs INSIDE Pyodide (lite/bytecode.mjs): compiles Python sources to Pyodide's own bytecode.

Reads a job file (JSON list) and, for each job:
- ``{"kind": "wheel", "src": WHEEL, "out": ZIP}``: writes ZIP holding, for each importable ``.py`` of the
  wheel, its bytecode, named ``NAME.pyc`` beside the source;
- ``{"kind": "stdlib", "src": ZIP, "out": ZIP}``: writes a copy of Pyodide's standard library zip with
  ``NAME.pyc`` beside every ``NAME.py`` (zipimport takes the ``.pyc`` first; tracebacks still show the
  source).

Every ``.pyc`` is an *unchecked hash-based* pyc (PEP 552): Python loads it without comparing it to the
source's mtime, which an unpacked wheel doesn't keep.
"""

import importlib.util
import json
import sys
import warnings
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

warnings.simplefilter("ignore")  # SyntaxWarnings of third-party sources are not ours to print
SKIPPED_DIRS = ("tests", "test", "testing")


def bytecode(source: bytes, filename: str) -> bytes | None:
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None  # left as source: Python reports it if it is ever imported
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def wheel_job(src: str, out: str) -> int:
    done = 0
    with zipfile.ZipFile(src) as wheel, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pycs:
        for name in wheel.namelist():
            parts = name.split("/")
            if not name.endswith(".py") or parts[0].endswith((".dist-info", ".data")):
                continue
            if any(part in SKIPPED_DIRS for part in parts[:-1]):
                continue
            pyc = bytecode(wheel.read(name), name)
            if pyc is not None:
                pycs.writestr(zipfile.ZipInfo(name + "c", date_time=(2020, 2, 2, 0, 0, 0)), pyc, zipfile.ZIP_DEFLATED)
                done += 1
    return done


def stdlib_job(src: str, out: str) -> int:
    done = 0
    prefix = f"/lib/python{sys.version_info.major}{sys.version_info.minor}.zip/"
    with zipfile.ZipFile(src) as lib, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in lib.infolist():
            data = lib.read(info)
            new.writestr(info, data)
            if info.filename.endswith(".py"):
                pyc = bytecode(data, prefix + info.filename)
                if pyc is not None:
                    pyc_info = zipfile.ZipInfo(info.filename + "c", date_time=info.date_time)
                    pyc_info.external_attr = info.external_attr
                    new.writestr(pyc_info, pyc, zipfile.ZIP_DEFLATED)
                    done += 1
    return done


def main(job_file: str) -> None:
    jobs = json.loads(open(job_file).read())
    for job in jobs:
        run = wheel_job if job["kind"] == "wheel" else stdlib_job
        job["compiled"] = run(job["src"], job["out"])
    with open(job_file, "w") as f:
        f.write(json.dumps(jobs))
