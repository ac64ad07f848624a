"""The exercise framework: ``Exercise`` (data + a headless checker), ``Feedback`` (what a check says),
``Case`` (one graded case), ``Field`` (one input of the widget).

An exercise is data — ``id``, ``title``, ``topic``, ``difficulty``, ``prompt``, ``params`` (the scenario
values shown to the learner), ``hints`` (progressive), ``solution`` (the reference answer) — plus
``check(answer) → Feedback``. The check calls labkit's engines (the IAM evaluator and linter, the
reachability trace, the offline lab) and never raises for a bad answer: a malformed answer gets
``Feedback(correct=False)`` whose message says what is wrong and how to fix it. ``Exercise.check`` wraps
every exercise's ``_grade``: whatever the answer (code that calls ``sys.exit``, a megabyte of text, an
object of any type) it returns Feedback, and quotes the answer only as a short excerpt.

``exercise.widget()`` is a thin ipywidgets view over the same methods (see ``labkit.exercises.views``); the
catalogue (``register``, ``catalog``, ``get``) is ``labkit.exercises.catalog``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from labkit.errors import LabkitError
from labkit.exercises.errors import AnswerError
from labkit.exercises.feedback import EXCERPT_CHARS, Feedback, _paragraphs, excerpt
from labkit.exercises.mode import is_instructor

#: The longest message a check returns (a longer one is shortened in its middle).
MAX_MESSAGE_CHARS = 2000

#: After this many checks of an exercise (counted in the progress log), a wrong answer's feedback shows the
#: expected answer. Opening every hint does too, and so does instructor mode.
REVEAL_AFTER_CHECKS = 3


# ------------------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Field:
    """One input of an exercise's widget.

    ``kind``: ``"multi"`` (check boxes), ``"choice"`` (a drop-down), ``"text"`` (one line), ``"code"``
    (a text area: a policy, JSON). ``options``: (label, value) pairs for multi/choice.
    """

    name: str
    label: str
    kind: str
    options: tuple[tuple[str, str], ...] = ()
    default: object = None
    placeholder: str = ""


# ------------------------------------------------------------------------------------------ exercise


class Exercise:
    """Base class. Subclasses set the data attributes and implement ``_grade(answer) → Feedback``.

    ``uses_lab``: the exercise runs the offline lab (``labkit.lab``) — its checks may take seconds, the
    others answer in well under 100 ms.
    """

    id: str = ""
    title: str = ""
    topic: str = ""
    difficulty: str = "core"
    prompt: str = ""
    hints: tuple[str, ...] = ()
    uses_lab: bool = False
    answer_help: str = ""  # how to give an answer in Python (shown with the prompt)

    def __init__(self) -> None:
        self._hint_index = 0

    # --- data -------------------------------------------------------------------------------------

    @property
    def params(self):
        """The scenario values shown to the learner (read-only)."""
        return MappingProxyType(self._params())

    def _params(self) -> dict:
        return {}

    @property
    def solution(self):
        """The reference answer: ``exercise.check(exercise.solution).correct`` is True.

        Learners see it in the widget only in instructor mode (``lk.instructor(True)``).
        """
        return self._solution()

    def _solution(self):
        raise NotImplementedError

    def solution_text(self) -> str:
        """The reference answer, as text to show."""
        sol = self.solution
        if isinstance(sol, (dict, list)):
            return json.dumps(sol, indent=2, ensure_ascii=False)
        return getattr(sol, "source", None) or str(sol)

    def show_solution(self) -> str:
        """The solution text in instructor mode; otherwise a message saying how to turn it on."""
        if not is_instructor():
            return (
                "Solutions are shown in instructor mode: run lk.instructor(True) (or start Jupyter with "
                "LABKIT_INSTRUCTOR=1)."
            )
        from labkit.exercises.store import progress_store

        progress_store().record_solution(self.id, self.topic)
        return self.solution_text()

    # --- hints ------------------------------------------------------------------------------------

    def hint(self) -> str:
        """The next hint (each call reveals one more; the last one repeats). Counted in the progress file."""
        if not self.hints:
            return "No hints for this exercise."
        i = min(self._hint_index, len(self.hints) - 1)
        if self._hint_index < len(self.hints):
            self._hint_index += 1
            from labkit.exercises.store import progress_store

            progress_store().record_hint(self.id, self.topic, number=i + 1)
        return f"Hint {i + 1}/{len(self.hints)}: {self.hints[i]}"

    @property
    def hints_shown(self) -> int:
        return self._hint_index

    def reset(self) -> None:
        """Start over: hints from the first one again (a lab exercise also rebuilds its lab)."""
        self._hint_index = 0
        from labkit.exercises.store import progress_store

        progress_store().record_reset(self.id, self.topic)

    # --- checking ---------------------------------------------------------------------------------

    def check(self, answer: Any = None, *, record: bool = True) -> Feedback:
        """Grade ``answer``. Never raises for a bad answer: the Feedback says what is wrong and how to fix it.

        Whatever the answer, the result is Feedback: an answer whose code raises (even ``SystemExit``) is
        graded wrong with the reason, and a long answer is quoted only as a short excerpt. Only
        ``KeyboardInterrupt`` (the learner stopping the kernel) goes through.
        ``record=False`` leaves the progress file alone (for previews and benchmarks).

        A wrong answer's Feedback names the wrong items and nudges towards the idea; it shows the expected
        answer only once ``answer_disclosed`` (this check being the third, every hint opened, or instructor
        mode) — before that it is ``feedback.without_answer()`` (``feedback.withheld`` is True).
        """
        from labkit.exercises.store import progress_store

        graded = _bounded(self._safe_grade(answer), answer)
        store = progress_store()
        checks = store.attempts(self.id) + (1 if record else 0)
        feedback = self._disclose(graded, checks)
        if record:
            store.record_check(self.id, self.topic, graded.correct, answer=answer)
        return feedback

    def answer_disclosed(self, checks: int | None = None) -> bool:
        """True when a wrong answer's feedback may show the expected answer: in instructor mode, after
        ``REVEAL_AFTER_CHECKS`` checks of this exercise, or once every hint was opened (both counted in the
        progress log, so they survive a kernel restart). ``checks``: the count to judge (default: the log's)."""
        if is_instructor():
            return True
        from labkit.exercises.store import progress_store

        store = progress_store()
        checks = store.attempts(self.id) if checks is None else checks
        return checks >= REVEAL_AFTER_CHECKS or bool(self.hints) and store.hints_opened(self.id) >= len(self.hints)

    def _disclose(self, feedback: Feedback, checks: int) -> Feedback:
        """``feedback`` as the learner may see it after ``checks`` checks (see ``check``)."""
        if feedback.correct:
            return feedback
        if self.answer_disclosed(checks):
            return replace(feedback, answer=self._answer_text())
        from labkit.exercises.store import progress_store

        hints = progress_store().hints_opened(self.id)
        left = REVEAL_AFTER_CHECKS - checks
        when = [f"after {left} more check{'s' if left != 1 else ''}"]
        if self.hints:
            when.append(f"once you have opened all {len(self.hints)} hints (opened: {min(hints, len(self.hints))})")
        return feedback.without_answer("The expected answer is shown " + " or ".join(when) + ".")

    def _answer_text(self) -> str:
        """The expected answer as text (for feedback once it may be shown); "" when it can't be given."""
        try:
            return self.solution_text()
        except Exception:  # noqa: BLE001 - an exercise whose answer depends on a lab not started yet
            return ""

    def _safe_grade(self, answer: Any) -> Feedback:
        try:
            feedback = self._grade(answer)
        except AnswerError as e:
            return Feedback(self.id, False, str(e))
        except LabkitError as e:
            return Feedback(self.id, False, f"{e}")
        except SystemExit as e:
            return Feedback(
                self.id,
                False,
                f"Your code stopped the check: it raised SystemExit({excerpt(e.code)}) "
                "(sys.exit, exit or quit). Remove that call; the check runs your code "
                "and then looks at the result.",
            )
        except Exception as e:  # noqa: BLE001 - a learner's answer must never crash the notebook
            return Feedback(
                self.id,
                False,
                f"This answer could not be checked: {type(e).__name__}: {_text_of(e)}. "
                "Look at the example in the prompt for the expected form.",
            )
        if not isinstance(feedback, Feedback):
            raise TypeError(f"{type(self).__name__}._grade returned {type(feedback).__name__}, not Feedback")
        return feedback

    def _grade(self, answer) -> Feedback:
        raise NotImplementedError

    # --- view -------------------------------------------------------------------------------------

    def fields(self) -> tuple[Field, ...]:
        """The widget's inputs."""
        return (Field("answer", "Answer", "code"),)

    def answer_from(self, values: dict):
        """The answer that the widget's input values stand for (passed to ``check``)."""
        return values.get("answer")

    def values_from(self, answer) -> dict:
        """The widget's input values for ``answer`` (the inverse of ``answer_from``)."""
        return {"answer": answer}

    def widget(self):
        """An ipywidgets view: inputs, Check, Hint, Reset (and Show solution in instructor mode)."""
        from labkit.exercises.views import ExerciseView

        return ExerciseView(self).box

    def __repr__(self) -> str:
        return f"<labkit exercise {self.id!r}: {self.title}>"

    def __str__(self) -> str:
        lines = [f"{self.title} [{self.id}, {self.topic}, {self.difficulty}]", "", self.prompt]
        params = self._params()
        if params:
            lines += ["", "Scenario:"] + [f"  {k}: {_short(v)}" for k, v in params.items()]
        if self.answer_help:
            lines += ["", self.answer_help]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        out = [
            f'<div class="labkit-exercise"><h4>{e(self.title)} <small><code>{e(self.id)}</code> · '
            f"{e(self.topic)} · {e(self.difficulty)}</small></h4><p>{_paragraphs(self.prompt)}</p>"
        ]
        params = self._params()
        if params:
            out.append("<table>")
            for k, v in params.items():
                out.append(
                    f"<tr><th style='text-align:left;vertical-align:top'>{e(k)}</th><td>{_param_html(v)}</td></tr>"
                )
            out.append("</table>")
        if self.answer_help:
            out.append(f"<p><i>{e(self.answer_help)}</i></p>")
        if is_instructor():
            out.append(
                f"<details><summary>Solution (instructor mode)</summary><pre>{e(self.solution_text())}</pre></details>"
            )
        out.append("</div>")
        return "".join(out)


def _param_html(value) -> str:
    """One scenario parameter as HTML: a table for a glossary (text → text), wrapped text otherwise."""
    e = html.escape
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        rows = "".join(
            f"<tr><td style='text-align:left;vertical-align:top'><code>{e(str(k))}</code></td>"
            f"<td style='text-align:left;white-space:normal'>{e(v)}</td></tr>"
            for k, v in value.items()
        )
        return f"<table style='margin:0'>{rows}</table>"
    return f"<pre style='margin:0;white-space:pre-wrap'>{e(_short(value, 2000))}</pre>"


def _short(value, limit: int = 300) -> str:
    text = json.dumps(value, indent=None, ensure_ascii=False) if isinstance(value, (dict, list, tuple)) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_of(error: BaseException) -> str:
    """``str(error)``, even when the error's own ``__str__`` fails (an answer's code can raise anything)."""
    try:
        return str(error)
    except Exception:  # noqa: BLE001
        return "(its message can't be shown)"


def _echoes(answer: Any) -> list[str]:
    """The long texts a message might quote from ``answer``: the answer, its repr, its long items."""
    values: list[Any] = [answer]
    if isinstance(answer, dict):
        values += list(answer.keys()) + list(answer.values())
    elif isinstance(answer, (list, tuple, set, frozenset)):
        values += list(answer)
    out: list[str] = []
    for v in values:
        for text in (v, repr(v)) if isinstance(v, str) else (repr(v),):
            if len(text) > EXCERPT_CHARS and text not in out:
                out.append(text)
    return sorted(out, key=len, reverse=True)


def _shorten(text: str, echoes: list[str], limit: int) -> str:
    for echo in echoes:
        if echo in text:
            text = text.replace(echo, excerpt(echo))
    if len(text) > limit:
        half = (limit - 3) // 2
        text = text[:half] + " … " + text[-half:]
    return text


def _bounded(feedback: Feedback, answer: Any) -> Feedback:
    """``feedback`` with every long quote of ``answer`` cut to an excerpt and every text of bounded length."""
    texts = [feedback.message, feedback.nudge, *feedback.notes, *(feedback.nudge_notes or ())]
    for c in feedback.details:
        texts += [c.name, c.expected, c.got, c.why, c.nudge]
    if all(len(t) <= EXCERPT_CHARS for t in texts):
        return feedback
    try:
        echoes = _echoes(answer)
    except Exception:  # noqa: BLE001 - an answer whose repr fails: only the length limit applies
        echoes = []

    def cut(text: str) -> str:
        return _shorten(text, echoes, MAX_MESSAGE_CHARS)

    return replace(
        feedback,
        message=cut(feedback.message),
        nudge=cut(feedback.nudge),
        notes=tuple(cut(n) for n in feedback.notes),
        nudge_notes=None if feedback.nudge_notes is None else tuple(cut(n) for n in feedback.nudge_notes),
        details=tuple(
            replace(c, name=cut(c.name), expected=cut(c.expected), got=cut(c.got), why=cut(c.why), nudge=cut(c.nudge))
            for c in feedback.details
        ),
    )
