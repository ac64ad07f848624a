"""student/ is committed (nbgitpuller pulls it into learners' homes): it must match what `make student` writes now."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _make_student():
    spec = importlib.util.spec_from_file_location("make_student", ROOT / "tools" / "make_student.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }


def test_committed_student_copies_are_up_to_date(tmp_path):
    fresh = tmp_path / "student"
    assert _make_student().main([str(ROOT / "notebooks"), str(fresh)]) == 0
    committed, expected = _files(ROOT / "student"), _files(fresh)
    stale = sorted(name for name in expected if committed.get(name) != expected[name])
    extra = sorted(set(committed) - set(expected))
    assert not stale and not extra, (
        f"student/ is stale: {', '.join(stale) or '-'} differ, {', '.join(extra) or '-'} should not be there. "
        "Run `make student` and commit student/."
    )
    assert any(name.endswith(".ipynb") for name in committed)
