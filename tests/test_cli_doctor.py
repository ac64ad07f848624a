"""``labkit doctor``: every check passes on a good machine and fails, with its fix, on a broken one."""

from __future__ import annotations

import json
import shutil
import stat
import sys
from importlib import metadata
from pathlib import Path

import pytest

import labkit
from labkit.cli import doctor, main


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None


# ------------------------------------------------------------------------------------ Python


@pytest.mark.parametrize(
    "version, ok",
    [((3, 10, 12), False), ((2, 7, 18), False), ((3, 11, 0), True), ((3, 13, 1), True)],
    ids=["3.10", "2.7", "3.11", "3.13"],
)
def test_python_version(version, ok):
    check = doctor.check_python(version)
    assert check.ok is ok
    assert ".".join(map(str, version)) in check.detail
    assert bool(check.fix) is not ok
    if not ok:
        assert "3.11" in check.fix


# ------------------------------------------------------------------------------------ packages


def test_requirements_are_found_in_the_source_folder():
    path = doctor.requirements_path()
    assert path == Path(labkit.__file__).resolve().parent.parent / "requirements.txt"


def test_installed_from_a_wheel_the_package_check_is_skipped(monkeypatch, tmp_path):
    (tmp_path / "labkit").mkdir()
    monkeypatch.setattr(labkit, "__file__", str(tmp_path / "labkit" / "__init__.py"))
    assert doctor.requirements_path() is None
    [check] = doctor.check_packages(None)
    assert check.ok and check.skipped and "skipped" in check.detail


def test_wrong_version_fails_with_the_pip_command(tmp_path):
    installed = metadata.version("graphviz")
    req = tmp_path / "requirements.txt"
    req.write_text(f"# pins\ngraphviz==0.0.1\nnetworkx=={metadata.version('networkx')}\n")
    wrong, right = doctor.check_packages(req)
    assert (wrong.name, wrong.ok) == ("graphviz", False)
    assert wrong.detail == f"{installed} installed, requirements.txt pins 0.0.1"
    assert "-m pip install graphviz==0.0.1" in wrong.fix and sys.executable in wrong.fix
    assert (right.name, right.ok) == ("networkx", True)


def test_missing_package_fails(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("no-such-package-for-labkit[extra]==1.2.3\n")
    [check] = doctor.check_packages(req)
    assert not check.ok and "not installed" in check.detail
    assert "'no-such-package-for-labkit[extra]==1.2.3'" in check.fix


def test_the_projects_own_pins_are_checked():
    names = [c.name for c in doctor.check_packages(doctor.requirements_path())]
    pinned = [name for name, _, _ in doctor.pinned_requirements(doctor.requirements_path().read_text())]
    assert names == pinned and "moto" in names


# ------------------------------------------------------------------------------------ dot


def test_missing_dot_fails_with_install_commands(no_dot):
    check = doctor.check_dot()
    assert not check.ok and "not on PATH" in check.detail
    for command in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
        assert command in check.fix


def test_a_dot_that_does_not_answer_fails(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path))
    check = doctor.check_dot()
    assert not check.ok and "did not answer" in check.detail


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_dot_version_is_reported():
    check = doctor.check_dot()
    assert check.ok
    assert check.detail.startswith("version ") and check.detail.split()[1][0].isdigit()
    assert shutil.which("dot") in check.detail


# ------------------------------------------------------------------------------------ widgets, moto


def test_widget_extension_missing_fails(monkeypatch, tmp_path):
    monkeypatch.setattr(doctor, "_labextension_dirs", lambda: [tmp_path])
    check = doctor.check_widgets()
    assert not check.ok and "@jupyter-widgets/jupyterlab-manager" in check.detail
    assert "pip install" in check.fix


def test_widget_extension_found(monkeypatch, tmp_path):
    manifest = tmp_path / "@jupyter-widgets" / "jupyterlab-manager" / "package.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"name": "@jupyter-widgets/jupyterlab-manager", "version": "9.8.7"}')
    monkeypatch.setattr(doctor, "_labextension_dirs", lambda: [tmp_path])
    check = doctor.check_widgets()
    assert check.ok and "extension 9.8.7" in check.detail


def test_moto_missing_fails(monkeypatch):
    monkeypatch.setitem(sys.modules, "moto", None)
    check = doctor.check_moto()
    assert not check.ok and "can't import" in check.detail and "pip install" in check.fix


def test_moto_answers_inside_a_mock():
    check = doctor.check_moto()
    assert check.ok and "a mock account answered" in check.detail


# ------------------------------------------------------------------------------------ the command


def test_exit_code_follows_the_checks(monkeypatch, capsys):
    good = doctor.Check("a", True, "fine")
    bad = doctor.Check("b", False, "broken", fix="do this")
    monkeypatch.setattr(doctor, "run_checks", lambda: [good])
    assert main(["doctor"]) == 0
    assert "All 1 checks passed." in capsys.readouterr().out
    monkeypatch.setattr(doctor, "run_checks", lambda: [good, bad])
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  b  broken" in out and "fix: do this" in out and "1 of 2 checks failed" in out


def test_doctor_without_dot_fails_and_prints_the_fix(no_dot, capsys):
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "graphviz dot" in line)
    assert row.split()[0] == "FAIL"
    assert "apt-get install graphviz" in out


def test_json_lists_every_check(capsys):
    code = main(["doctor", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == (0 if data["ok"] else 1)
    assert data["ok"] == all(c["ok"] for c in data["checks"])
    names = [c["name"] for c in data["checks"]]
    assert names[0] == "Python" and {"graphviz dot", "JupyterLab widgets", "moto (offline AWS)"} <= set(names)
    assert all(set(c) == {"name", "ok", "detail", "fix", "skipped"} for c in data["checks"])
