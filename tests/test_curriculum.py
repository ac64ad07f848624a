"""The curriculum around the lessons: student copies (``make student``), the lessons' house rules, and
the Binder configuration agreeing with the pinned requirements.

The student copies of the real notebooks are generated into a temporary folder and executed with nbclient,
"Run All" twice in one kernel, as a learner would.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BINDER = ROOT / "binder"


def _load_make_student():
    spec = importlib.util.spec_from_file_location("make_student", ROOT / "tools" / "make_student.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_student = _load_make_student()

LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _code(source: str, **metadata):
    cell = nbformat.v4.new_code_cell(source, metadata=metadata)
    cell.execution_count = 3
    cell.outputs = [nbformat.v4.new_output("stream", text="old output\n")]
    cell.metadata["execution"] = {"iopub.status.idle": "2024-01-01T00:00:00Z"}
    return cell


@pytest.fixture
def teaching_notebook():
    """A small lesson with every kind of cell the generator treats."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A lesson"),
        _code("x = 1\nx"),
        nbformat.v4.new_markdown_cell("The answer, explained.", metadata={"tags": ["solution"]}),
        _code("answer = 42", tags=["solution"]),
        _code(
            "policy = {'good': True}",
            tags=["solution", "keep-me"],
            editable=True,
            labkit={"stub": "policy = {}  # your policy here\n", "exercise": "conditions/require-vpc"},
        ),
        _code("setup = 1\n# solution\nresult = setup + 1\n"),
        _code("print(policy)"),
    ]
    return nbformat.reads(nbformat.writes(nb), as_version=4)  # as read from a file


# ------------------------------------------------------------------------ the generator, cell by cell


def test_solution_cells_without_a_stub_are_removed(teaching_notebook):
    student = make_student.student_notebook(teaching_notebook)
    sources = [c.source for c in student.cells]
    assert "answer = 42" not in sources
    assert "The answer, explained." not in sources
    assert not any("solution" in _tags(c) for c in student.cells)
    assert len(student.cells) == len(teaching_notebook.cells) - 2


def test_a_declared_stub_replaces_its_solution(teaching_notebook):
    student = make_student.student_notebook(teaching_notebook)
    stub = next(c for c in student.cells if "exercise" in _tags(c))
    assert stub.source == "policy = {}  # your policy here\n"
    assert stub.cell_type == "code"
    assert _tags(stub) == ["keep-me", "exercise"]
    assert stub.metadata["editable"] is True  # the solution cell's other metadata is kept
    assert stub.metadata["labkit"] == {"exercise": "conditions/require-vpc"}  # ...but not the stub itself
    assert "good" not in json.dumps(stub)
    # it stands where the solution stood
    assert [c.source for c in student.cells].index(stub.source) == 2


def test_the_solution_marker_cuts_the_rest_of_a_cell(teaching_notebook):
    student = make_student.student_notebook(teaching_notebook)
    cut = next(c for c in student.cells if c.source.startswith("setup = 1"))
    assert cut.source == "setup = 1\n# Write your code here."


def test_outputs_and_run_metadata_are_cleared(teaching_notebook):
    student = make_student.student_notebook(teaching_notebook)
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        assert "execution" not in cell.metadata
    assert "widgets" not in student.metadata


def test_notebook_metadata_is_kept_and_the_copy_is_marked(teaching_notebook):
    student = make_student.student_notebook(teaching_notebook)
    assert student.metadata["kernelspec"] == teaching_notebook.metadata["kernelspec"]
    assert student.metadata["labkit"] == {"student_copy": True}
    nbformat.validate(student)
    assert len({c.id for c in student.cells}) == len(student.cells)


def test_the_instructor_notebook_is_left_unchanged(teaching_notebook):
    before = nbformat.writes(teaching_notebook)
    make_student.student_notebook(teaching_notebook)
    assert nbformat.writes(teaching_notebook) == before


# ------------------------------------------------------------------------------- folders


def test_copies_mirror_the_lessons_folder(tmp_path, teaching_notebook):
    src = tmp_path / "lessons"
    (src / "instructor").mkdir(parents=True)
    (src / ".ipynb_checkpoints").mkdir()
    nbformat.write(teaching_notebook, src / "01-lesson.ipynb")
    nbformat.write(teaching_notebook, src / "instructor" / "answers.ipynb")
    nbformat.write(teaching_notebook, src / ".ipynb_checkpoints" / "01-lesson-checkpoint.ipynb")
    (src / "template.yaml").write_text("Resources: {}\n")
    dest = tmp_path / "student"
    (dest / "stale").mkdir(parents=True)

    written = make_student.make_student_copies(src, dest)

    assert written == [dest / "01-lesson.ipynb"]
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")) == ["01-lesson.ipynb", "template.yaml"]
    assert (dest / "template.yaml").read_text() == "Resources: {}\n"


def test_copies_are_never_written_into_the_lessons(tmp_path):
    (tmp_path / "lessons").mkdir()
    with pytest.raises(SystemExit, match="must be outside"):
        make_student.make_student_copies(tmp_path / "lessons", tmp_path / "lessons" / "student")


@pytest.fixture(scope="module")
def student_copies(tmp_path_factory):
    dest = tmp_path_factory.mktemp("student")
    make_student.make_student_copies(NOTEBOOKS, dest)
    return dest


def test_every_lesson_has_a_student_copy_without_solutions(student_copies):
    assert LESSONS, "no lessons found in notebooks/"
    for lesson in LESSONS:
        copy = nbformat.read(student_copies / lesson.name, as_version=4)
        assert not [c for c in copy.cells if "solution" in _tags(c)], lesson.name
        original = nbformat.read(lesson, as_version=4)
        stubs = [c for c in original.cells if "solution" in _tags(c) and "stub" in c.metadata.get("labkit", {})]
        assert len([c for c in copy.cells if "exercise" in _tags(c)]) >= len(stubs), lesson.name


def test_the_lessons_have_solutions_to_remove():
    tagged = {p.name for p in LESSONS for c in nbformat.read(p, as_version=4).cells if "solution" in _tags(c)}
    assert "05-condition-keys.ipynb" in tagged


def _offline_env(tmp_path) -> dict:
    """The kernel's environment: no way to real AWS, progress kept in a scratch file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "LABKIT_PROGRESS": str(tmp_path / "progress.json"),
            "LABKIT_INSTRUCTOR": "0",
        }
    )
    return env


#: A cell that creates (or deletes) a named resource, run again, gets AWS's answer to creating it twice
#: ("already exists", "conflicts with") or deleting it twice ("not found"), as it would on AWS.
_ALREADY_EXISTS = re.compile(r"AlreadyExists|\.Duplicate|Conflict|\.NotFound|ResourceNotFoundException")


def _output_kinds(cell) -> list:
    """What a cell showed, without the values: stream names, MIME types of displays, error names."""
    kinds = set()
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            kinds.add(("stream", output.get("name", "")))
        elif output.output_type == "error":
            kinds.add(("error", output.get("ename", "")))
        else:
            kinds.add(("display", tuple(sorted(output.get("data", {})))))
    return sorted(kinds)


@pytest.mark.parametrize("lesson", [p.name for p in LESSONS])
def test_student_copy_runs_twice_in_one_kernel(lesson, student_copies, tmp_path):
    """Run All, then Run All again in the same kernel: a learner who starts over must not hit an error.
    During the second run every cell is also run a second time at once (a learner re-running the cell they
    just ran, with the whole lesson already run once): it shows the same kind of output, except that a cell
    creating or deleting a named AWS resource gets AWS's "already exists" / "not found" error, as on AWS."""
    from nbclient import NotebookClient

    path = student_copies / lesson
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(student_copies)}}
    )
    rerun = []
    with client.setup_kernel(env=_offline_env(tmp_path), cwd=str(student_copies)):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)  # raises CellExecutionError on an error output
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
            if cell.cell_type != "code":
                continue
            first, outputs = _output_kinds(cell), cell.outputs
            client.allow_errors = True
            try:
                client.execute_cell(cell, index)
            finally:
                client.allow_errors = False
            again = _output_kinds(cell)
            created_twice = [
                o
                for o in cell.outputs
                if o.output_type == "error" and _ALREADY_EXISTS.search(f"{o.get('ename')}: {o.get('evalue')}")
            ]
            if again != first and not created_twice:
                rerun.append((index, cell.source[:80], first, again))
            cell.outputs = outputs
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert rerun == [], "cells whose output changed kind when run again: (cell, source, before, after)"


# ------------------------------------------------------------------------ the lessons' house rules


@pytest.mark.parametrize("lesson", [p.name for p in LESSONS])
def test_lesson_follows_the_house_rules(lesson):
    nb = nbformat.read(NOTEBOOKS / lesson, as_version=4)
    # without a kernelspec JupyterLab opens a kernel picker that blocks "Run All"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert re.search(r"\*\*Time:\*\*|estimated time", markdown, re.I), "say how long the lesson takes"
    assert re.search(r"you will learn|learning objectives", markdown, re.I), "state the learning objectives"
    assert re.search(r"^#+ .*recap", markdown, re.I | re.M), "end with a recap"
    for cell in nb.cells:
        if cell.cell_type == "code":
            defined = _definitions(cell.source)
            assert defined == [], f"no function or class definitions in lessons (put them in labkit): {defined}"


def _definitions(source: str) -> list[str]:
    """The functions and classes a cell defines (code in a string, such as a Lambda handler, doesn't count;
    a ``lambda`` as a sort key is an expression, not a definition)."""
    import ast

    python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    nodes = ast.walk(ast.parse(python))
    return [n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


@pytest.mark.parametrize(
    "source, defined",
    [
        ("x = 1", []),
        ("def f():\n    pass", ["f"]),
        ("sorted(enis, key=lambda e: e['PrivateIpAddress'])", []),
        ("async def f():\n    pass", ["f"]),
        ("class Lesson:\n    pass", ["Lesson"]),
        ('HANDLER = """\ndef handler(event, context):\n    return 1\n"""', []),
        ("%time x = 1\n!labkit doctor", []),
    ],
    ids=["plain", "def", "lambda-key", "async-def", "class", "handler-in-a-string", "magics"],
)
def test_definitions_are_found_in_code_not_in_strings(source, defined):
    assert _definitions(source) == defined


# ------------------------------------------------------------------------------------- Binder


def _requirement_lines(path: Path, seen=()) -> list[str]:
    """The requirement lines of a pip requirements file, following ``-r`` includes."""
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        include = re.fullmatch(r"(?:-r|--requirement)\s*=?\s*(\S+)", line)
        if include:
            target = (path.parent / include.group(1)).resolve()
            assert target not in seen, f"{path} includes {target} twice"
            lines += _requirement_lines(target, (*seen, target))
        else:
            lines.append(line)
    return lines


def test_binder_requirements_are_exactly_the_pinned_requirements():
    binder = _requirement_lines(BINDER / "requirements.txt")
    pinned = _requirement_lines(ROOT / "requirements.txt")
    assert sorted(binder) == sorted(pinned)
    assert all("==" in line for line in pinned), "every requirement is pinned"
    assert any(line.startswith("jupyterlab==") for line in binder)


def test_binder_python_is_one_labkit_supports():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    found = re.fullmatch(r"python-(\d+)\.(\d+)", runtime)
    assert found, f"binder/runtime.txt should read python-X.Y, not {runtime!r}"
    import tomllib

    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(n) for n in re.search(r">=\s*(\d+)\.(\d+)", requires).groups())
    assert tuple(int(n) for n in found.groups()) >= minimum


def test_binder_installs_graphviz():
    packages = [
        line.strip()
        for line in (BINDER / "apt.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "graphviz" in packages


def test_binder_post_build_installs_labkit_and_opens_jupyterlab():
    post_build = BINDER / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"
    text = post_build.read_text()
    assert text.startswith("#!")
    assert re.search(r"pip install\b[^\n]*(?:-e )?\.\s*$", text, re.M), "postBuild installs labkit (pip install .)"
    assert re.search(r"default_url[^\n]*/lab", text), "JupyterLab is the default interface"
    assert "tools/make_student.py notebooks student" in text, "Binder has the student copies too"


# ------------------------------------------------------------------------ JupyterLab settings


def _notification_schema() -> dict:
    import jupyterlab

    candidates = [
        Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas",
        Path(jupyterlab.__file__).parent / "schemas",
    ]
    for base in candidates:
        path = base / "@jupyterlab" / "apputils-extension" / "notification.json"
        if path.exists():
            return json.loads(path.read_text())
    pytest.skip("JupyterLab's notification settings schema is not installed here")


def test_jupyterlab_overrides_turn_off_news_and_update_checks():
    overrides = json.loads((BINDER / "overrides.json").read_text())
    settings = overrides["@jupyterlab/apputils-extension:notification"]
    assert settings == {"fetchNews": "false", "checkForUpdates": False}
    schema = _notification_schema()["properties"]
    # the values are ones the schema accepts, so JupyterLab applies them instead of ignoring them
    assert settings["fetchNews"] in [choice["const"] for choice in schema["fetchNews"]["oneOf"]]
    assert schema["checkForUpdates"]["type"] == "boolean"


def test_make_lab_and_binder_install_the_overrides_in_jupyterlabs_application_directory():
    makefile = (ROOT / "Makefile").read_text()
    lab_target = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "binder/overrides.json" in lab_target
    assert "$(LAB_SETTINGS)/overrides.json" in lab_target
    assert re.search(r"LAB_SETTINGS := \$\(VENV\)/share/jupyter/lab/settings", makefile)
    post_build = (BINDER / "postBuild").read_text()
    assert re.search(r'LAB_SETTINGS="\$\(python -c [^\n]*sys.prefix[^\n]*\)/share/jupyter/lab/settings"', post_build)
    assert 'cp binder/overrides.json "${LAB_SETTINGS}/overrides.json"' in post_build


def test_jupyterlab_applies_the_overrides_to_the_notification_settings():
    settings_utils = pytest.importorskip("jupyterlab_server.settings_utils")
    import jupyterlab

    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    if not schemas.exists():
        schemas = Path(jupyterlab.__file__).parent / "schemas"
    overrides = json.loads((BINDER / "overrides.json").read_text())
    found, _ = settings_utils.get_settings(
        str(BINDER),
        str(schemas),
        str(ROOT / "no-user-settings"),
        schema_name="@jupyterlab/apputils-extension:notification",
        overrides=overrides,
        labextensions_path=[],
    )
    defaults = {key: prop.get("default") for key, prop in found["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False


# ------------------------------------------------------------------------ lesson house rules


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_picture_is_announced_by_a_sentence(path):
    """A cell that draws a picture comes right after a markdown cell (the sentence saying what to look at)."""
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and re.search(r"\blk\.draw\(|\.picture\(", cell.source):
            assert i > 0 and cells[i - 1].cell_type == "markdown", (
                f"cell {i} draws a picture with no sentence before it"
            )


@pytest.mark.parametrize(
    "path",
    [p for p in LESSONS if "01" <= p.name[:2] <= "07"],
    ids=[p.stem for p in LESSONS if "01" <= p.name[:2] <= "07"],
)
def test_lessons_01_to_07_end_with_a_graded_exercise(path):
    """The last exercise of the lesson comes after its last section of teaching (only the recap follows)."""
    cells = nbformat.read(path, as_version=4).cells
    checks = [i for i, c in enumerate(cells) if c.cell_type == "code" and ".check(" in c.source]
    assert checks, "the lesson has no graded exercise"
    headings = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "markdown"
        and c.source.startswith("## ")
        and not c.source.startswith(("## Recap", "## Sources"))
    ]
    assert checks[-1] > headings[-1], "teaching continues after the last exercise"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_lesson_ends_with_sources(path):
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    sources = text.split("## Sources and further reading", 1)
    assert len(sources) == 2, "no 'Sources and further reading' list"
    assert "https://docs.aws.amazon.com/" in sources[1]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_a_prediction_is_asked_before_the_cell_that_answers_it(path):
    """Predict-then-check: a "Predict first" cell asks, and the very next cell is code the learner runs."""
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and "Predict first" in cell.source:
            assert i + 1 < len(cells) and cells[i + 1].cell_type == "code", f"cell {i}: no code cell right after"
