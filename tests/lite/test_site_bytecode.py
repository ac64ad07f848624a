"""The site's Python is compiled ahead of time (lite/bytecode.py) and its kernel starts from the lock."""

import base64
import hashlib
import json
import zipfile

import pytest

pytestmark = pytest.mark.lite


def wheels(site):
    lock = json.loads((site / "wheels" / "pyodide-lock.json").read_text())
    return lock, [site / "wheels" / e["file_name"] for e in lock["packages"].values()]


def test_every_wheel_of_the_site_carries_bytecode_and_a_true_record(lite_site):
    _, found = wheels(lite_site)
    assert len(found) > 30
    for wheel in found:
        with zipfile.ZipFile(wheel) as z:
            names = z.namelist()
            record = next(n for n in names if n.endswith(".dist-info/RECORD"))
            for line in z.read(record).decode().splitlines():
                name, digest, size = line.rsplit(",", 2)
                if name == record:
                    continue
                data = z.read(name)
                want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert (digest, int(size)) == (want, len(data)), f"{wheel.name}: RECORD is wrong for {name}"
            assert {line.rsplit(",", 2)[0] for line in z.read(record).decode().splitlines()} == set(names)
        pycs = [n for n in names if n.endswith(".pyc")]
        assert pycs, f"{wheel.name} has no bytecode"
        if wheel.name.startswith("labkit-"):  # sources kept, bytecode where Python looks beside them
            sources = [n for n in names if n.endswith(".py")]
            for src in sources:
                head, _, base = src.rpartition("/")
                assert f"{head}/__pycache__/{base[:-3]}.cpython-314.pyc" in names, src
            assert wheel.name.endswith("-py3-none-any.whl")
        else:  # as Pyodide ships its own packages: bytecode in place of the source, tagged for 3.14
            assert wheel.name.endswith("-cp314-none-any.whl"), wheel.name
            assert not {p[:-1] for p in pycs} & set(names), f"{wheel.name} keeps sources of compiled modules"


def test_pyodide_standard_library_has_bytecode_beside_every_module(lite_site):
    with zipfile.ZipFile(lite_site / "static" / "pyodide" / "python_stdlib.zip") as z:
        names = set(z.namelist())
    sources = {n for n in names if n.endswith(".py")}
    assert len(sources) > 500
    assert not sorted(n for n in sources if n + "c" not in names)


def test_the_kernel_loads_its_own_packages_with_pyodide_from_the_lock(lite_site):
    lock, _ = wheels(lite_site)
    config = json.loads((lite_site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    options = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]["loadPyodideOptions"]
    # the kernel installs with piplite, one by one, whatever of these is not preloaded
    assert set(options["packages"]) >= {"micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython"}
    assert set(options["packages"]) <= set(lock["packages"])
    assert "labkit" not in options["packages"]  # the lesson's first cell installs it
