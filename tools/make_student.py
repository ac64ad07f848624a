"""Make the student copies of the lessons: ``make student`` (or ``python tools/make_student.py [SRC] [DEST]``).

The notebooks in ``notebooks/`` are the instructor's: they hold the solutions and their outputs. A student
copy is the same notebook with

* every cell tagged ``solution`` removed — or, when the solution cell declares a stub, replaced by that
  stub: a new cell tagged ``exercise`` (the solution cell's other tags and metadata are kept);
* in a code cell, everything from a line ``# solution`` on replaced by ``# Write your code here.``
  (for a cell whose first lines set the exercise up and whose end is the answer);
* every output and execution count cleared, and the notebook's saved widget state dropped.

A solution cell declares its stub in its metadata, as text or a list of lines::

    {"tags": ["solution"],
     "labkit": {"stub": "my_policy = {...}  # your policy here\\n"}}

Write the stub so that the copy still runs from top to bottom: cells after it may use the names it
defines. Notebook metadata (kernelspec…) is kept; the copy gains ``metadata.labkit.student_copy``.

Other files next to the notebooks (templates, data) are copied unchanged; ``.ipynb_checkpoints`` and
folders named ``instructor`` are left out. The destination folder is emptied first.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import shutil
import sys
from pathlib import Path

import nbformat

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
MARKER = "# solution"
WRITE_HERE = "# Write your code here."
SKIPPED_DIRS = frozenset({".ipynb_checkpoints", "instructor", "__pycache__"})
#: cell metadata that describes a past run, dropped with the outputs
RUN_METADATA = ("execution", "collapsed", "scrolled")

ROOT = Path(__file__).resolve().parent.parent


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _clear(cell) -> None:
    for key in RUN_METADATA:
        cell.metadata.pop(key, None)
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None


def _stub_from(cell):
    """The exercise cell that replaces a solution cell, or None when the solution declares no stub."""
    meta = copy.deepcopy(dict(cell.metadata))
    own = dict(meta.pop("labkit", {}) or {})
    if "stub" not in own:
        return None
    stub = nbformat.from_dict({"cell_type": cell.cell_type, "metadata": meta, "source": _text(own.pop("stub"))})
    if cell.cell_type == "code":
        stub.outputs, stub.execution_count = [], None
    if own:
        stub.metadata["labkit"] = own
    tags = [t for t in _tags(cell) if t != SOLUTION_TAG]
    stub.metadata["tags"] = tags + ([EXERCISE_TAG] if EXERCISE_TAG not in tags else [])
    # a stable id of its own (derived from the solution cell's), so that `make student` writes the same bytes
    # every time and the committed copies only change when the lessons do
    seed = str(cell.get("id") or _text(cell.source))
    stub["id"] = hashlib.sha1(f"exercise:{seed}".encode()).hexdigest()[:8]
    return stub


def _cut_at_marker(source: str) -> str:
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == MARKER:
            return "".join(lines[:i]) + WRITE_HERE
    return source


def student_notebook(nb):
    """The student copy of a notebook (a new ``NotebookNode``; ``nb`` is left unchanged)."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if SOLUTION_TAG in _tags(cell):
            cell = _stub_from(cell)
            if cell is None:
                continue
        elif cell.cell_type == "code":
            cell.source = _cut_at_marker(_text(cell.source))
        _clear(cell)
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    nb.metadata.setdefault("labkit", {})["student_copy"] = True
    # a fresh id for each stub cell (nbformat 4.5 requires one, unique in the notebook)
    for cell in nb.cells:
        if "id" not in cell:
            cell.id = nbformat.v4.new_code_cell().id
    nbformat.validate(nb)
    return nb


def make_student_copies(src: Path, dest: Path) -> list[Path]:
    """Write the student copy of every notebook under ``src`` to ``dest`` (emptied first).

    Returns the notebooks written. Refuses to write into ``src`` itself or a folder inside it.
    """
    src, dest = Path(src).resolve(), Path(dest).resolve()
    if not src.is_dir():
        raise SystemExit(f"make_student: no notebooks folder at {src}")
    if dest == src or src in dest.parents:
        raise SystemExit(f"make_student: the destination {dest} must be outside {src}")
    if dest.exists():
        shutil.rmtree(dest)
    written = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part in SKIPPED_DIRS for part in rel.parts) or path.is_dir():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            nbformat.write(student_notebook(nb), target)
            written.append(target)
        else:
            shutil.copy2(path, target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write student copies of the lesson notebooks: "
        "solutions removed (or replaced by exercise stubs), outputs cleared."
    )
    parser.add_argument("src", nargs="?", default=str(ROOT / "notebooks"), help="lessons folder (default: notebooks/)")
    parser.add_argument("dest", nargs="?", default=str(ROOT / "student"), help="output folder (default: student/)")
    args = parser.parse_args(argv)
    written = make_student_copies(Path(args.src), Path(args.dest))
    print(f"{len(written)} student notebooks written to {Path(args.dest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
