"""``labkit doctor``: is this machine ready for the lessons?

Checks Python (3.11 or newer), the pinned packages of ``requirements.txt`` (when labkit runs from its
source folder), graphviz's ``dot`` program, the JupyterLab widget extension, and moto (the offline AWS
account). Each check has a name, a verdict, a detail and the command that fixes it.
Exit code: 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

#: Oldest Python labkit supports.
MIN_PYTHON = (3, 11)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""  # the command (or step) that fixes a failed check
    skipped: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def _pip(spec: str) -> str:
    return f"{shlex.quote(sys.executable)} -m pip install {shlex.quote(spec)}"


# ------------------------------------------------------------------------------------------- checks


def check_python(version_info=None) -> Check:
    """Python 3.11 or newer."""
    v = tuple(version_info or sys.version_info)[:3]
    text = ".".join(str(x) for x in v)
    need = ".".join(str(x) for x in MIN_PYTHON)
    if v[:2] >= MIN_PYTHON:
        return Check("Python", True, f"{text} (needs {need} or newer)")
    return Check(
        "Python",
        False,
        f"{text} is too old: labkit needs Python {need} or newer",
        fix=f"install Python {need}+ (python.org or your package manager), then rebuild the "
        f"environment: make clean setup PYTHON=python{need}",
    )


def requirements_path() -> Path | None:
    """``requirements.txt`` of labkit's source folder, or None when labkit was installed from a wheel."""
    import labkit

    root = Path(labkit.__file__).resolve().parent.parent
    req, project = root / "requirements.txt", root / "pyproject.toml"
    if req.is_file() and project.is_file() and 'name = "labkit"' in project.read_text(encoding="utf-8"):
        return req
    return None


_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def pinned_requirements(text: str) -> list[tuple[str, str, str]]:
    """``(name, version, line)`` for each ``name==version`` line (comments and other lines skipped).

    >>> pinned_requirements("# tools\\nmoto[ec2,s3]==5.2.5  # offline AWS\\nnetworkx>=3\\npytest==9.2.0\\n")
    [('moto', '5.2.5', 'moto[ec2,s3]==5.2.5'), ('pytest', '9.2.0', 'pytest==9.2.0')]
    """
    out = []
    for line in text.splitlines():
        m = _PIN.match(line)
        if m:
            out.append((m.group(1), m.group(3), line.split("#")[0].strip()))
    return out


def check_packages(path: Path | None, version_of=None) -> list[Check]:
    """One check per pinned package of ``path``: installed, at the pinned version."""
    from importlib import metadata

    version_of = version_of or metadata.version
    if path is None:
        return [
            Check(
                "pinned packages",
                True,
                "skipped: no requirements.txt next to labkit (it was installed as a package, "
                "not run from its source folder)",
                skipped=True,
            )
        ]
    checks = []
    for name, pinned, line in pinned_requirements(path.read_text(encoding="utf-8")):
        try:
            found = version_of(name)
        except metadata.PackageNotFoundError:
            checks.append(Check(name, False, f"not installed (requirements.txt pins {pinned})", fix=_pip(line)))
            continue
        if found == pinned:
            checks.append(Check(name, True, found))
        else:
            checks.append(Check(name, False, f"{found} installed, requirements.txt pins {pinned}", fix=_pip(line)))
    return checks


def check_dot() -> Check:
    """graphviz's ``dot`` program on PATH, and its version."""
    from labkit.render.dot import INSTALL_HINT, dot_path, dot_version

    path = dot_path()
    if not path:
        return Check(
            "graphviz dot", False, "the 'dot' program is not on PATH: pictures can't be drawn", fix=INSTALL_HINT
        )
    version = dot_version(path)
    if not version:
        return Check("graphviz dot", False, f"{path} did not answer `dot -V`", fix=INSTALL_HINT)
    return Check("graphviz dot", True, f"version {version} ({path})")


def _labextension_dirs() -> list[Path]:
    from jupyter_core.paths import jupyter_path

    return [Path(p) for p in jupyter_path("labextensions")]


def check_widgets() -> Check:
    """ipywidgets and JupyterLab's widget extension (@jupyter-widgets/jupyterlab-manager)."""
    from importlib import metadata

    fix = _pip("ipywidgets") + " jupyterlab_widgets"
    try:
        widgets = metadata.version("ipywidgets")
    except metadata.PackageNotFoundError:
        return Check(
            "JupyterLab widgets", False, "ipywidgets is not installed: the exercises' buttons won't work", fix=fix
        )
    try:
        dirs = _labextension_dirs()
    except ImportError:
        return Check(
            "JupyterLab widgets",
            False,
            "jupyter_core is not installed (JupyterLab is missing)",
            fix=_pip("jupyterlab") + " jupyterlab_widgets",
        )
    for d in dirs:
        manifest = d / "@jupyter-widgets" / "jupyterlab-manager" / "package.json"
        if manifest.is_file():
            found = re.search(r'"version"\s*:\s*"([^"]+)"', manifest.read_text(encoding="utf-8"))
            ext = found.group(1) if found else "?"
            return Check("JupyterLab widgets", True, f"ipywidgets {widgets}, extension {ext}")
    return Check(
        "JupyterLab widgets",
        False,
        "JupyterLab's widget extension (@jupyter-widgets/jupyterlab-manager) is not installed: "
        "widgets would show as text",
        fix=fix,
    )


def check_moto() -> Check:
    """moto imports and answers a describe call inside a mock (the offline account works)."""
    try:
        import boto3
        import moto
        from moto import mock_aws
    except ImportError as e:
        return Check("moto (offline AWS)", False, f"can't import it ({e})", fix=_pip("moto[ec2,awslambda,iam,s3]"))
    try:
        with mock_aws():
            ec2 = boto3.client(
                "ec2",
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                aws_session_token="testing",
            )
            vpcs = ec2.describe_vpcs()["Vpcs"]
    except Exception as e:  # noqa: BLE001 - any failure here means the offline account is broken
        return Check(
            "moto (offline AWS)",
            False,
            f"moto {moto.__version__} could not start a mock account: {e}",
            fix=_pip("moto[ec2,awslambda,iam,s3]") + " --force-reinstall",
        )
    return Check(
        "moto (offline AWS)", True, f"moto {moto.__version__}: a mock account answered (it has {len(vpcs)} default VPC)"
    )


def run_checks() -> list[Check]:
    return [check_python(), *check_packages(requirements_path()), check_dot(), check_widgets(), check_moto()]


# ------------------------------------------------------------------------------------------- command


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "doctor",
        help="check this machine: Python, packages, graphviz dot, widgets, moto",
        description="Check that this machine can run the lessons; print the command that fixes each problem.",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def format_table(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        status = "skip" if c.skipped else ("ok" if c.ok else "FAIL")
        lines.append(f"  {status:<4}  {c.name:<{width}}  {c.detail}")
        if not c.ok and c.fix:
            lines.append(f"  {'':<4}  {'':<{width}}  fix: {c.fix}")
    failed = [c for c in checks if not c.ok]
    if failed:
        lines.append(
            f"\n{len(failed)} of {len(checks)} checks failed: run the fix commands above, then `labkit doctor` again."
        )
    else:
        lines.append(f"\nAll {len(checks)} checks passed.")
    return "\n".join(lines)


def run(args) -> int:
    checks = run_checks()
    ok = all(c.ok for c in checks)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [c.to_dict() for c in checks]}, indent=2))
    else:
        print(format_table(checks))
    return 0 if ok else 1
