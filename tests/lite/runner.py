"""Inside Pyodide (tests/lite/harness.mjs): run the job's notebook cells with IPython, then every exercise's
reference answer; write /tmp/result.json. Only runs things and records what they showed: the comparison
with CPython's outputs is in test_pyodide.py."""

import asyncio
import json
import os
import sys
import time

from IPython.core.displayhook import DisplayHook
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output


class RecordingHook(DisplayHook):
    """An execute_result is recorded (its whole mime bundle), not printed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = []

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self.results.append({"output_type": "execute_result", "data": format_dict})

    def finish_displayhook(self):
        pass


def run_cell(shell, source):
    shell.displayhook.results = []
    with capture_output() as cap:
        result = shell.run_cell(source, store_history=True)
    outputs = []
    if cap.stdout:
        outputs.append({"output_type": "stream", "name": "stdout", "text": cap.stdout})
    if cap.stderr:
        outputs.append({"output_type": "stream", "name": "stderr", "text": cap.stderr})
    outputs += [{"output_type": "display_data", "data": o.data} for o in cap.outputs]
    outputs += shell.displayhook.results
    error = result.error_in_exec or result.error_before_exec
    if error is not None:
        outputs.append({"output_type": "error", "ename": type(error).__name__, "evalue": str(error)})
    return outputs


def plain(data):
    """The bundle's JSON-able parts (text, and a widget view's model reference)."""
    return {k: v for k, v in data.items() if isinstance(v, (str, dict))}


async def run_notebooks(job):
    out = {}
    InteractiveShell.displayhook_class = RecordingHook
    shell = InteractiveShell.instance()
    for nb in job["notebooks"]:
        shell.reset(new_session=True)
        t0 = time.perf_counter()
        cells = []
        for source in nb["cells"]:
            cells.append([{**o, "data": plain(o["data"])} if "data" in o else o for o in run_cell(shell, source)])
            await asyncio.sleep(0)  # the browser's event loop turns between cells, as in a JupyterLite kernel
        out[nb["name"]] = {"cells": cells, "seconds": time.perf_counter() - t0}
    return out


def run_exercises():
    import labkit as lk

    lk.exercises.store.use_default()
    out = {}
    for entry in lk.exercises.catalog():
        ex = lk.exercises.get(entry.id)
        try:
            if entry.uses_lab and hasattr(ex, "start"):
                ex.start()
            solution = ex.solution
            if callable(solution):  # a reference fix, applied to the started lab
                solution(ex.lab, ex.scenario)
                feedback = ex.check()
            else:
                feedback = ex.check(solution)
            out[entry.id] = {
                "correct": bool(feedback.correct),
                "cases": [[c.name, bool(c.passed), c.got] for c in feedback.details],
            }
        except Exception as exc:  # recorded: the test fails with it
            out[entry.id] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            close = getattr(ex, "close", None)
            if close:
                close()
    return out


def bytecode_report():
    """Where the modules the lessons imported came from: the site's bytecode, or compiled here."""
    import importlib.util

    import labkit

    def flags(pyc):
        return int.from_bytes(open(pyc, "rb").read()[4:8], "little") if pyc and os.path.exists(pyc) else None

    third_party = [m for m in ("moto.core.models", "botocore.client", "boto3.session", "networkx") if m in sys.modules]
    return {
        "stdlib": {m: sys.modules[m].__file__ for m in ("json.decoder", "email.parser", "unittest.mock")},
        "third_party": {m: type(sys.modules[m].__spec__.loader).__name__ for m in third_party},
        "third_party_files": {m: sys.modules[m].__file__ for m in third_party},
        "labkit": {
            "file": labkit.__file__,
            "cached": labkit.__cached__,
            "pyc_flags": flags(labkit.__cached__),
            "source_of_trace": bool(importlib.util.find_spec("labkit.vpc.reach").loader.get_source("labkit.vpc.reach")),
        },
    }


async def main():
    job = json.load(open("/tmp/job.json"))
    t0 = time.perf_counter()
    result = {"platform": sys.platform, "notebooks": await run_notebooks(job)}
    t1 = time.perf_counter()
    result["exercises"] = run_exercises()
    result["timings"] = {"notebooks_s": t1 - t0, "exercises_s": time.perf_counter() - t1}
    result["bytecode"] = bytecode_report()
    json.dump(result, open("/tmp/result.json", "w"))
