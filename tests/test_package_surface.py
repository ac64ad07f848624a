"""What ``import labkit`` offers: lazy names that tab completion shows, and errors found in one place."""

from __future__ import annotations

import subprocess
import sys

import pytest

import labkit as lk
import labkit.errors as errors

SHOWN = [
    "Lab",
    "draw",
    "iam",
    "exercises",
    "samples",
    "render",
    "instructor",
    "trace",
    "can_reach",
    "Topology",
    "LabkitError",
]


def _fresh(code: str) -> str:
    """Run ``code`` in a new interpreter (nothing of labkit imported yet); its output."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize("name", SHOWN)
def test_dir_shows_the_public_names_lazy_ones_included(name):
    assert name in dir(lk)


def test_every_name_in_dir_can_be_got():
    for name in dir(lk):
        assert getattr(lk, name) is not None, name


def test_jupyter_tab_completion_offers_the_lazy_names_without_loading_them():
    out = _fresh(
        "import sys, labkit as lk\n"
        "from IPython.core.completer import Completer\n"
        "matches = Completer(namespace={'lk': lk}).attr_matches('lk.')\n"
        "print(sorted(m for m in matches if m in ('lk.Lab', 'lk.draw', 'lk.iam', 'lk.exercises')))\n"
        "print('labkit.lab' in sys.modules, 'labkit.render.draw' in sys.modules)"
    )
    assert out.splitlines() == ["['lk.Lab', 'lk.draw', 'lk.exercises', 'lk.iam']", "False False"]


def test_an_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Labb'"):
        lk.Labb  # noqa: B018


@pytest.mark.parametrize(
    "name, home",
    [
        ("PolicyError", "labkit.iam.errors"),
        ("UnknownExampleError", "labkit.iam.errors"),
        ("UnknownExerciseError", "labkit.exercises.errors"),
        ("AnswerError", "labkit.exercises.errors"),
        ("UnknownFunctionError", "labkit.vpc.errors"),
        ("DestinationError", "labkit.vpc.errors"),
        ("AwsSetupError", "labkit.vpc.errors"),
        ("LabClosedError", "labkit.awslambda.errors"),
        ("RealNetworkRefused", "labkit.awslambda.errors"),
        ("GraphvizMissingError", "labkit.render.errors"),
        ("ReportSourceError", "labkit.classroom.errors"),
    ],
)
def test_subpackage_errors_are_re_exported_by_labkit_errors(name, home):
    error = getattr(errors, name)
    assert error.__module__ == home and issubclass(error, errors.LabkitError)
    assert name in dir(errors)


def test_every_labkit_error_lives_in_an_errors_module_and_is_re_exported():
    """The rule, checked over the whole package: a class deriving from LabkitError is defined in some
    ``labkit.<subpackage>.errors`` (or ``labkit.errors`` for the bases) and ``labkit.errors`` finds it by name."""
    import importlib
    import inspect
    import pkgutil

    found = {}
    for info in pkgutil.walk_packages(lk.__path__, "labkit."):
        if info.name.startswith("labkit.cli.__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, errors.LabkitError) and value.__module__ == info.name:
                found[name] = info.name
    assert len(found) > 25
    elsewhere = {name: home for name, home in found.items() if not home.endswith(".errors")}
    assert elsewhere == {}, f"errors defined outside an errors module: {elsewhere}"
    for name, home in found.items():
        assert getattr(errors, name).__module__ == home, name


def test_importing_labkit_errors_loads_no_subpackage():
    out = _fresh(
        "import sys, labkit.errors\n"
        "print(sorted(m for m in sys.modules if m.startswith('labkit.') and m != 'labkit.errors'))"
    )
    assert "labkit.vpc.model" in out  # `import labkit` loads the network model…
    assert "labkit.iam" not in out and "labkit.exercises" not in out  # …but the re-exported errors wait


@pytest.mark.parametrize(
    "error",
    [
        errors.UnknownFunctionError("No function 'x'."),
        errors.UnknownResourceError("No subnet 'x'."),
        lk.exercises.UnknownExerciseError("No exercise 'x'."),
        lk.iam.errors.UnknownExampleError("No example policy 'x'."),
    ],
    ids=["function", "resource", "exercise", "example"],
)
def test_lookup_errors_read_as_their_message(error):
    assert isinstance(error, LookupError) and isinstance(error, errors.LabkitLookupError)
    assert str(error).startswith("No ") and not str(error).startswith('"')
    assert type(error).__str__ is errors.LabkitLookupError.__str__  # one fix, in the base class


def test_did_you_mean_compares_anything_as_text():
    assert errors.did_you_mean(7, ["Action", 3, None]) == "Known: 3, Action, None."
    assert errors.did_you_mean("Actoin", ["Action", 3, None]) == "Did you mean Action? Known: 3, Action, None."
