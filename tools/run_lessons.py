"""Run lessons top to bottom and store their outputs in place (what nbval then compares).

python tools/run_lessons.py                       # every notebook in notebooks/
python tools/run_lessons.py notebooks/02-*.ipynb  # some of them

Each lesson runs in a fresh kernel, in order, sharing one scratch progress log, with instructor mode off:
as nbval runs them in `make test` (the log matters: feedback reveals answers after three checks).
Widget state is not stored (the outputs keep the widgets' text form), so a stored lesson stays small.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def run(path: Path, progress: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    os.environ["LABKIT_PROGRESS"] = str(progress)
    os.environ["LABKIT_INSTRUCTOR"] = "0"
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="lessons-") as scratch:
        for path in paths:
            print(f"running {path} ...", flush=True)
            run(path.resolve(), Path(scratch) / "progress.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
