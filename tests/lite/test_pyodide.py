"""Lessons 00–07 (solutions in) and every exercise's reference answer, run in ONE Pyodide instance.

The same wheels and lock file as the site's test variant; labkit installed as the site's first cell does.
What each cell showed is compared with the outputs stored in the notebooks (the ones nbval checks against
CPython on every `make test`), after the same sanitizing: verdicts, states, decisions, blocker codes and
the pictures' text all have to match. CPython is not run again here.
"""

import configparser
import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "notebooks").glob("0[0-7]-*.ipynb"))
HARNESS = Path(__file__).with_name("harness.mjs")

pytestmark = pytest.mark.lite


def sanitizers():
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "tests" / "nbval_sanitize.cfg")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


SANITIZE = sanitizers()
NBVAL_UNCHECKED = {"nbval-ignore-output", "nbval-skip"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def clean(text: str) -> str:
    text = ANSI.sub("", text)
    for regex, replace in SANITIZE:
        text = regex.sub(replace, text)
    return text.strip()


def shown(outputs) -> list[str]:
    """What a cell showed, as comparable lines: stdout, plain text, pictures' text, widgets, error names."""
    out, stdout = [], ""
    for o in outputs:  # stdout is one text however it was split into stream outputs
        if o["output_type"] == "stream" and o.get("name") == "stdout":
            stdout += "".join(o["text"])
    if stdout:
        out.append("stdout: " + clean(stdout))
    for o in outputs:
        kind = o["output_type"]
        if kind == "stream":
            continue
        elif kind in ("execute_result", "display_data"):
            data = o.get("data", {})
            if "image/svg+xml" in data:
                out.append("svg: " + clean("".join(data["image/svg+xml"])))
            elif "application/vnd.jupyter.widget-view+json" in data:
                out.append("widget")
            elif "text/html" in data:
                out.append("html: " + clean("".join(data["text/html"])))
            elif "text/plain" in data:
                out.append("text: " + clean("".join(data["text/plain"])))
        elif kind == "error":
            out.append("error: " + o["ename"])
    return out


@pytest.fixture(scope="module")
def pyodide_run(lite_site, tmp_path_factory):
    job = {
        "notebooks": [
            {"name": p.stem, "cells": [c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code"]}
            for p in LESSONS
        ]
    }
    tmp = tmp_path_factory.mktemp("pyodide")
    (tmp / "job.json").write_text(json.dumps(job))
    done = subprocess.run(
        ["node", str(HARNESS), str(lite_site), str(tmp / "job.json"), str(tmp / "out.json")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp / "out.json").read_text())
    (ROOT / "test-output").mkdir(exist_ok=True)
    (ROOT / "test-output" / "lite-pyodide.json").write_text(
        json.dumps({"timings": result["timings"], "wasm_heap_mb": result["wasm_heap_mb"]}, indent=1)
    )
    return result


def test_it_really_ran_in_pyodide(pyodide_run):
    assert pyodide_run["platform"] == "emscripten"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_shows_what_cpython_showed(pyodide_run, lesson):
    cells = [c for c in nbformat.read(lesson, as_version=4).cells if c.cell_type == "code"]
    ran = pyodide_run["notebooks"][lesson.stem]["cells"]
    assert len(ran) == len(cells)
    compared = [
        (i, c.outputs, got)
        for i, (c, got) in enumerate(zip(cells, ran, strict=False))
        if not NBVAL_UNCHECKED & set(c.metadata.get("tags", []))
    ]  # what nbval does not check either
    assert len(compared) > len(cells) // 2
    differences = [(i, shown(want), shown(got)) for i, want, got in compared if shown(want) != shown(got)]
    assert not differences, "\n\n".join(f"code cell {i}:\nCPython: {w}\nPyodide: {g}" for i, w, g in differences)


def test_modules_load_from_the_sites_bytecode(pyodide_run):
    """lite/bytecode.py: nothing the lessons import is compiled again in the browser."""
    report = pyodide_run["bytecode"]
    # zipimport names a module after the file it ran: the .pyc beside the source in the stdlib zip
    assert all(f.endswith(".pyc") for f in report["stdlib"].values()), report["stdlib"]
    assert set(report["third_party"].values()) == {"SourcelessFileLoader"}, report["third_party"]
    assert len(report["third_party"]) == 4
    labkit = report["labkit"]
    assert labkit["file"].endswith("labkit/__init__.py") and labkit["source_of_trace"]  # learners can read it
    assert labkit["cached"].endswith("__pycache__/__init__.cpython-314.pyc")
    assert labkit["pyc_flags"] == 0b01  # still the site's unchecked hash-based pyc: not recompiled, not rewritten


def test_pictures_were_drawn_by_the_wasm_graphviz(pyodide_run):
    cells = pyodide_run["notebooks"]["00-start-here"]["cells"]
    svgs = [o["data"]["image/svg+xml"] for c in cells for o in c if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 3
    assert all("Generated by graphviz version 16" in s and "NO_PUBLIC_IP" in svgs[-1] for s in svgs)


def test_every_exercise_reference_answer_is_right(pyodide_run):
    import labkit as lk

    exercises = pyodide_run["exercises"]
    assert sorted(exercises) == sorted(lk.exercises.ids())
    wrong = {k: v for k, v in exercises.items() if not v.get("correct") or not all(c[1] for c in v["cases"])}
    assert not wrong, wrong
