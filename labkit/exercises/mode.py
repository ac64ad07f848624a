"""Instructor mode: when it is on, exercises reveal their solutions (the widget's "Show solution" button,
``exercise.show_solution()``, the solution in an exercise's HTML view).

It is on when ``lk.instructor(True)`` was called in this kernel, or — when ``lk.instructor`` was never
called — when the environment variable ``LABKIT_INSTRUCTOR`` is ``1`` (or ``true``, ``yes``, ``on``).

>>> previous = instructor(True)
>>> is_instructor()
True
>>> _ = instructor(False); is_instructor()
False
>>> _reset()  # back to the environment variable
"""

from __future__ import annotations

import os

ENV_VAR = "LABKIT_INSTRUCTOR"
_TRUE = frozenset({"1", "true", "yes", "on"})
_override: bool | None = None


def is_instructor() -> bool:
    """True when instructor mode is on (``lk.instructor(True)``, else ``LABKIT_INSTRUCTOR=1``)."""
    if _override is not None:
        return _override
    return os.environ.get(ENV_VAR, "").strip().lower() in _TRUE


def instructor(on: bool) -> bool:
    """Turn instructor mode on (``lk.instructor(True)``) or off (``lk.instructor(False)``) for this kernel.

    Returns the mode that was in force before, so a script can put it back. Overrides the environment
    variable ``LABKIT_INSTRUCTOR``. Widgets created earlier pick the change up at their next click.
    """
    global _override
    if not isinstance(on, bool):
        raise TypeError(
            f"lk.instructor expects True or False, got {on!r}. "
            "Write lk.instructor(True) to reveal solutions, lk.instructor(False) to hide them."
        )
    previous = is_instructor()
    _override = on
    return previous


def _reset() -> None:
    """Forget ``instructor()`` calls: the environment variable decides again (for tests)."""
    global _override
    _override = None
