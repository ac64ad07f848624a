"""Exercises: short tasks with instant, specific feedback, hints and visible progress.

    import labkit as lk
    lk.exercises.catalog()                         # the exercises (a table in Jupyter)
    ex = lk.exercises.get("conditions/require-vpc")
    ex                                             # prompt and scenario (ex.params)
    ex.check({...})                                # → Feedback: correct, message, details (cases)
    ex.hint()                                      # the next hint
    ex.widget()                                    # the same, as an ipywidgets view
    lk.exercises.progress()                        # per-topic progress (a widget)
    lk.instructor(True)                            # reveal solutions (or LABKIT_INSTRUCTOR=1)

Each exercise is data plus a headless checker that calls labkit's engines (``lk.iam``, ``lk.trace``, the
offline lab); the widgets only display what the checker says. Checks, hints, resets and solutions shown
are events in a progress log (``~/.labkit/events.jsonl``, ``$LABKIT_PROGRESS`` or ``progress_store(path)``).

The rooms, one concept each:

- ``catalog``: ``register``, ``catalog()``, ``get(id)``; finds the topic modules by itself.
- ``core``: ``Exercise`` (data + ``check``, which always returns Feedback) and ``Field`` (a widget input).
- ``feedback``: ``Feedback`` and ``Case``, what a check says; ``excerpt`` for quoting answers.
- ``errors``: ``UnknownExerciseError``, ``AnswerError``.
- ``choice``: exercises answered by a selection or one option per question.
- ``grading``: grading a policy answer by its behaviour on a battery of requests.
- ``labwork``: exercises that run in the offline lab (start, fix, check).
- ``topics/``: the exercises, a module per topic: ``lambda_permissions``, ``lambda_states``,
  ``lambda_vpc_config``, ``policy_conditions``, ``policy_pitfalls``, ``vpc_reachability``, ``vpc_egress``, ``vpc_faults``, ``vpc_databases``.
- ``mode``: instructor mode (solutions shown or hidden).
- ``store``: the progress log (``eventlog``: its file format, atomic appends); export and import.
- ``views``: the ipywidgets views (no logic).
"""

from __future__ import annotations

from labkit.exercises.catalog import TOPICS, Catalog, CatalogEntry, catalog, get, register
from labkit.exercises.core import Exercise, Field
from labkit.exercises.errors import AnswerError, UnknownExerciseError
from labkit.exercises.feedback import Case, Feedback
from labkit.exercises.mode import instructor, is_instructor
from labkit.exercises.store import (  # the learner's log: download, load back
    ProgressStore,
    ProgressStoreWarning,
    export_progress,
    import_progress,
    progress_store,
)


def progress(topic: str | None = None):
    """A widget showing, per topic, how many exercises are solved (from the progress file)."""
    from labkit.exercises.views import progress_widget

    return progress_widget(progress_store(), catalog(topic))


def ids() -> list[str]:
    """Every exercise id, in teaching order."""
    return catalog().ids()


__all__ = [
    "catalog",
    "get",
    "ids",
    "progress",
    "progress_store",
    "instructor",
    "is_instructor",
    "Exercise",
    "Feedback",
    "Case",
    "Field",
    "Catalog",
    "CatalogEntry",
    "UnknownExerciseError",
    "AnswerError",
    "ProgressStore",
    "ProgressStoreWarning",
    "register",
    "TOPICS",
    "export_progress",
    "import_progress",
]
