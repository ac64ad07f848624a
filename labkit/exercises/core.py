"""The exercise framework: ``Exercise`` (data + a headless checker), ``Feedback`` (what a check says),
``Case`` (one graded case) and the catalog.

An exercise is data — ``id``, ``title``, ``topic``, ``difficulty``, ``prompt``, ``params`` (the scenario
values shown to the learner), ``hints`` (progressive), ``solution`` (the reference answer) — plus
``check(answer) → Feedback``. The check calls labkit's engines (the IAM evaluator and linter, the
reachability trace, the offline lab) and never raises for a bad answer: a malformed answer gets
``Feedback(correct=False)`` whose message says what is wrong and how to fix it.

``exercise.widget()`` is a thin ipywidgets view over the same methods (see ``labkit.exercises.views``).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from types import MappingProxyType

from labkit.errors import LabkitError, did_you_mean
from labkit.exercises.mode import is_instructor

TOPICS = ("permissions", "states", "conditions", "reachability")
DIFFICULTIES = ("intro", "core", "challenge")


class UnknownExerciseError(LabkitError, LookupError):
    """``lk.exercises.get`` was given an id that is not in the catalog."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0]) if self.args else ""


class AnswerError(LabkitError, ValueError):
    """An answer the checker can't read. ``check`` turns it into friendly feedback; it never escapes."""


# ------------------------------------------------------------------------------------------ feedback


@dataclass(frozen=True)
class Case:
    """One graded case: a request, a step, a question. ``expected``/``got`` are short words; ``why`` explains."""

    name: str
    passed: bool
    expected: str = ""
    got: str = ""
    why: str = ""

    def __str__(self) -> str:
        mark = "✔" if self.passed else "✘"
        text = f"{mark} {self.name}"
        if self.expected or self.got:
            text += f": expected {self.expected}, got {self.got}" if not self.passed else f": {self.got}"
        if self.why:
            text += "\n    " + self.why.replace("\n", "\n    ")
        return text

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "expected": self.expected, "got": self.got,
                "why": self.why}


@dataclass(frozen=True)
class Feedback:
    """The answer to one check.

    ``correct``: the verdict. ``message``: what to take away (and, when wrong, what to change).
    ``details``: the cases, each passed or failed with why. ``notes``: extra remarks (lint findings…).
    ``trace``/``topology``: for reachability exercises, the trace that graded the answer (``picture()``
    draws it).
    """

    exercise_id: str
    correct: bool
    message: str
    details: tuple[Case, ...] = ()
    notes: tuple[str, ...] = ()
    trace: object = field(default=None, compare=False, repr=False)
    topology: object = field(default=None, compare=False, repr=False)

    @property
    def passed(self) -> tuple[Case, ...]:
        return tuple(c for c in self.details if c.passed)

    @property
    def failed(self) -> tuple[Case, ...]:
        return tuple(c for c in self.details if not c.passed)

    @property
    def score(self) -> str:
        """``"7/8"``: cases passed out of all cases ("" when the check has no cases)."""
        return f"{len(self.passed)}/{len(self.details)}" if self.details else ""

    def picture(self):
        """The graded trace drawn on its topology (``lk.draw``); None when there is no trace."""
        if self.trace is None or self.topology is None:
            return None
        from labkit.render.draw import draw

        return draw(self.topology, highlight=self.trace)

    def __str__(self) -> str:
        head = ("✔ Correct. " if self.correct else "✘ Not yet. ") + self.message
        lines = [head]
        if self.details:
            lines.append(f"Cases ({self.score} right):")
            lines += ["  " + str(c).replace("\n", "\n  ") for c in self.details]
        lines += [f"Note: {n}" for n in self.notes]
        if self.trace is not None:
            lines.append(str(self.trace))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "exercise": self.exercise_id, "correct": self.correct, "message": self.message,
            "details": [c.to_dict() for c in self.details], "notes": list(self.notes),
            "trace": self.trace.to_dict() if self.trace is not None and hasattr(self.trace, "to_dict") else None,
        }

    def _repr_html_(self) -> str:
        e = html.escape
        colour = "#1a7f37" if self.correct else "#cf222e"
        verdict = "✔ Correct" if self.correct else "✘ Not yet"
        out = [f'<div class="labkit-feedback"><p><b style="color:{colour}">{verdict}.</b> '
               f"{_paragraphs(self.message)}</p>"]
        if self.details:
            out.append(f"<p>Cases: {e(self.score)} right</p><ul>")
            for c in self.details:
                style = "" if c.passed else ' style="color:#cf222e"'
                mark = "✔" if c.passed else "✘"
                line = f"<li{style}>{mark} {e(c.name)}"
                if not c.passed and (c.expected or c.got):
                    line += f": expected <b>{e(c.expected)}</b>, got <b>{e(c.got)}</b>"
                elif c.got:
                    line += f": {e(c.got)}"
                if c.why:
                    line += f'<br><span style="color:#57606a;white-space:pre-wrap">{e(c.why)}</span>'
                out.append(line + "</li>")
            out.append("</ul>")
        for n in self.notes:
            out.append(f"<p><i>Note: {e(n)}</i></p>")
        if self.trace is not None and hasattr(self.trace, "_repr_html_"):
            out.append(self.trace._repr_html_())
        out.append("</div>")
        return "".join(out)


def _paragraphs(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


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
            return ("Solutions are shown in instructor mode: run lk.instructor(True) (or start Jupyter with "
                    "LABKIT_INSTRUCTOR=1).")
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

    def check(self, answer=None, *, record: bool = True) -> Feedback:
        """Grade ``answer``. Never raises for a bad answer: the Feedback says what is wrong and how to fix it.

        ``record=False`` leaves the progress file alone (for previews and benchmarks).
        """
        try:
            feedback = self._grade(answer)
        except AnswerError as e:
            feedback = Feedback(self.id, False, str(e))
        except LabkitError as e:
            feedback = Feedback(self.id, False, f"{e}")
        except Exception as e:  # noqa: BLE001 - a learner's answer must never crash the notebook
            feedback = Feedback(self.id, False, f"This answer could not be checked: {type(e).__name__}: {e}. "
                                                "Look at the example in the prompt for the expected form.")
        if record:
            from labkit.exercises.store import progress_store

            progress_store().record_check(self.id, self.topic, feedback.correct, answer=answer)
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
        out = [f'<div class="labkit-exercise"><h4>{e(self.title)} <small><code>{e(self.id)}</code> · '
               f"{e(self.topic)} · {e(self.difficulty)}</small></h4><p>{_paragraphs(self.prompt)}</p>"]
        params = self._params()
        if params:
            out.append("<table>")
            for k, v in params.items():
                out.append(f"<tr><th style='text-align:left'>{e(k)}</th><td><pre style='margin:0'>"
                           f"{e(_short(v, 2000))}</pre></td></tr>")
            out.append("</table>")
        if self.answer_help:
            out.append(f"<p><i>{e(self.answer_help)}</i></p>")
        if is_instructor():
            out.append(f"<details><summary>Solution (instructor mode)</summary><pre>{e(self.solution_text())}"
                       "</pre></details>")
        out.append("</div>")
        return "".join(out)


def _short(value, limit: int = 300) -> str:
    text = json.dumps(value, indent=None, ensure_ascii=False) if isinstance(value, (dict, list, tuple)) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------------ catalog


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    title: str
    topic: str
    difficulty: str
    uses_lab: bool = False


class Catalog(tuple):
    """The exercises, as a tuple of ``CatalogEntry`` records that displays as a table in Jupyter."""

    def ids(self) -> list[str]:
        return [e.id for e in self]

    def by_topic(self) -> dict[str, list[CatalogEntry]]:
        out: dict[str, list[CatalogEntry]] = {}
        for e in self:
            out.setdefault(e.topic, []).append(e)
        return out

    def __str__(self) -> str:
        w = max((len(e.id) for e in self), default=2)
        lines = [f"{'id':<{w}}  {'difficulty':<10}  title"]
        lines += [f"{e.id:<{w}}  {e.difficulty:<10}  {e.title}" + ("  (lab)" if e.uses_lab else "") for e in self]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<labkit exercise catalog: {len(self)} exercises>\n{self}"

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td><code>{e(x.id)}</code></td><td>{e(x.title)}</td><td>{e(x.topic)}</td>"
            f"<td>{e(x.difficulty)}</td><td>{'yes' if x.uses_lab else ''}</td></tr>" for x in self)
        return ('<table class="labkit-catalog"><thead><tr><th>id</th><th>title</th><th>topic</th>'
                f"<th>difficulty</th><th>lab</th></tr></thead><tbody>{rows}</tbody></table>")


_REGISTRY: dict[str, type[Exercise]] = {}


def register(cls: type[Exercise]) -> type[Exercise]:
    """Class decorator: add an exercise class to the catalog (its ``id`` must be new)."""
    if not cls.id or "/" not in cls.id:
        raise ValueError(f"{cls.__name__}: an exercise id looks like 'topic/name', got {cls.id!r}")
    if cls.id in _REGISTRY and _REGISTRY[cls.id] is not cls:
        raise ValueError(f"two exercises share the id {cls.id!r}: {_REGISTRY[cls.id].__name__} and {cls.__name__}")
    if cls.topic not in TOPICS or cls.difficulty not in DIFFICULTIES:
        raise ValueError(f"{cls.__name__}: topic must be one of {TOPICS} and difficulty one of {DIFFICULTIES}")
    _REGISTRY[cls.id] = cls
    return cls


def _load_all() -> None:
    from labkit.exercises import conditions, permissions, reachability, states  # noqa: F401 - they register


def catalog(topic: str | None = None) -> Catalog:
    """Every exercise (or those of one ``topic``), in teaching order."""
    _load_all()
    entries = [CatalogEntry(c.id, c.title, c.topic, c.difficulty, c.uses_lab) for c in _REGISTRY.values()]
    if topic is not None:
        if topic not in TOPICS:
            raise UnknownExerciseError(f"No topic {topic!r}. {did_you_mean(str(topic), TOPICS)}")
        entries = [x for x in entries if x.topic == topic]
    order = {t: i for i, t in enumerate(TOPICS)}
    return Catalog(sorted(entries, key=lambda x: (order[x.topic], DIFFICULTIES.index(x.difficulty))))


def get(exercise_id: str) -> Exercise:
    """A fresh exercise by id, e.g. ``lk.exercises.get("conditions/require-vpc")``."""
    _load_all()
    if not isinstance(exercise_id, str) or exercise_id not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(str(exercise_id), list(_REGISTRY), n=1)
        raise UnknownExerciseError(
            f"No exercise {exercise_id!r}." + (f" Did you mean {close[0]!r}?" if close else "")
            + f" The exercises are: {', '.join(catalog().ids())} (lk.exercises.catalog() shows them as a table).")
    return _REGISTRY[exercise_id]()
