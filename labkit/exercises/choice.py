"""Exercises whose answer is a selection: pick the right items (multi-select), or one option per question."""

from __future__ import annotations

from dataclasses import dataclass

from labkit.errors import did_you_mean
from labkit.exercises.core import Exercise, Field
from labkit.exercises.errors import AnswerError
from labkit.exercises.feedback import Case, Feedback

NEEDED, OPTIONAL, WRONG = "needed", "optional", "wrong"


@dataclass(frozen=True)
class Option:
    """One choice. ``verdict``: ``needed`` (must be picked), ``wrong`` (must not), ``optional`` (either)."""

    value: str
    verdict: str
    why: str


def read_selection(answer, options: tuple[str, ...], what: str = "choice") -> list[str]:
    """The learner's selection as canonical option values.

    Accepts a list/tuple/set of strings, or one string with items separated by commas, spaces or new lines.
    Matching ignores case. Raises ``AnswerError`` naming any item that is not an option.
    """
    if answer is None:
        raise AnswerError(f"Your answer is empty. Give a list of {what}s, e.g. [{options[0]!r}, …].")
    if isinstance(answer, str):
        items = [x for x in answer.replace(",", " ").split() if x]
    elif isinstance(answer, (list, tuple, set, frozenset)):
        items = list(answer)
    else:
        raise AnswerError(
            f"Give your answer as a list of {what}s, e.g. [{options[0]!r}, …]; got a {type(answer).__name__}."
        )
    by_lower = {o.lower(): o for o in options}
    chosen, unknown = [], []
    for item in items:
        if not isinstance(item, str):
            raise AnswerError(f"{item!r} is not a {what} name; write the names as strings, e.g. {options[0]!r}.")
        hit = by_lower.get(item.strip().lower())
        if hit is None:
            unknown.append(item)
        elif hit not in chosen:
            chosen.append(hit)
    if unknown:
        parts = []
        for u in unknown:
            parts.append(f"{u!r}" + did_you_mean(u, options, n=1, form=" (did you mean {}?)", quote=True))
        raise AnswerError(f"Not among the choices: {', '.join(parts)}. The choices are: {', '.join(options)}.")
    return chosen


class SelectExercise(Exercise):
    """Pick every needed option and no wrong one (optional ones may go either way)."""

    options: tuple[Option, ...] = ()
    what = "permission"
    selection_label = "Your choice"

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def _params(self) -> dict:
        return {"choices": list(self.choices)}

    def _solution(self):
        return [o.value for o in self.options if o.verdict == NEEDED]

    def solution_text(self) -> str:
        lines = [", ".join(self._solution()), ""]
        for o in self.options:
            lines.append(f"{o.value} — {o.verdict}: {o.why}")
        return "\n".join(lines)

    def _grade(self, answer) -> Feedback:
        chosen = set(read_selection(answer, self.choices, self.what))
        cases, missing, extra = [], [], []
        for o in self.options:
            picked = o.value in chosen
            if o.verdict == NEEDED:
                ok = picked
                if not ok:
                    missing.append(o.value)
            elif o.verdict == WRONG:
                ok = not picked
                if not ok:
                    extra.append(o.value)
            else:
                ok = True
            expected = {NEEDED: "picked", WRONG: "not picked", OPTIONAL: "either"}[o.verdict]
            got = "picked" if picked else "not picked"
            why = o.why if (not ok or o.verdict == OPTIONAL and picked) else ""
            # An option left unpicked gives the answer away by its verdict alone: withheld until the answer
            # may be shown. A picked one is the learner's own item: its reason says why it is (not) needed.
            cases.append(Case(o.value, ok, expected, got, why, nudge=why, gives_away=not picked))
        if not missing and not extra:
            optional = [o.value for o in self.options if o.verdict == OPTIONAL and o.value in chosen]
            msg = self.right_message
            if optional:
                msg += f" ({', '.join(optional)}: not required, but harmless — see why below.)"
            return Feedback(self.id, True, msg, tuple(cases))
        parts, nudge = [], []
        if missing:
            parts.append(f"Missing: {', '.join(missing)}.")
            count = f"{len(missing)} needed {self.what}{'s are' if len(missing) > 1 else ' is'} missing."
            nudge.append(f"{count} {self.missing_nudge}".strip())
        if extra:
            parts.append(f"Not needed here: {', '.join(extra)}.")
            nudge.append(f"Not needed here: {', '.join(extra)}.")
        parts.append("The cases below say why for each.")
        nudge.append("The cases below say why for each of your picks.")
        return Feedback(self.id, False, " ".join(parts), tuple(cases), nudge=" ".join(nudge))

    #: Said (by the topic) when needed options are missing, without naming them: a pointer to the idea.
    missing_nudge = "Which steps does the task involve, and what permission does each step take?"
    right_message = "You picked exactly what is needed."

    def fields(self) -> tuple[Field, ...]:
        return (
            Field(
                "selection", self.selection_label, "multi", tuple((o.value, o.value) for o in self.options), default=()
            ),
        )

    def answer_from(self, values: dict):
        return list(values.get("selection") or ())

    def values_from(self, answer) -> dict:
        return {"selection": tuple(answer)}


@dataclass(frozen=True)
class Question:
    """One question of a ``QuizExercise``: ``key`` names it in the answer dict."""

    key: str
    text: str
    options: tuple[str, ...]


class QuizExercise(Exercise):
    """One option per question; the answer is ``{question key: option}``.

    Subclasses give ``questions`` and ``expected() → {key: (option, why)}`` (computed by an engine).
    """

    questions: tuple[Question, ...] = ()

    def expected(self) -> dict[str, tuple[str, str]]:
        raise NotImplementedError

    def _solution(self):
        return {k: v[0] for k, v in self.expected().items()}

    def read_answer(self, answer) -> dict[str, str]:
        keys = [q.key for q in self.questions]
        if isinstance(answer, (list, tuple)) and len(answer) == len(keys) and all(isinstance(a, str) for a in answer):
            answer = dict(zip(keys, answer, strict=False))
        if answer == {}:
            raise AnswerError(f"No answer yet: choose one option for each question ({', '.join(keys)}).")
        if not isinstance(answer, dict):
            raise AnswerError(
                f"Give one choice per question as a dict, e.g. {{{keys[0]!r}: "
                f"{self.questions[0].options[0]!r}, …}} (questions: {', '.join(keys)})."
            )
        unknown = [k for k in answer if k not in keys]
        if unknown:
            raise AnswerError(f"No question {', '.join(map(repr, unknown))}; the questions are {', '.join(keys)}.")
        out = {}
        for q in self.questions:
            given = answer.get(q.key)
            if given is None or given == "":
                continue
            if not isinstance(given, str):
                raise AnswerError(f"The answer to {q.key!r} must be one of {', '.join(q.options)}; got {given!r}.")
            by_lower = {o.lower(): o for o in q.options}
            hit = by_lower.get(given.strip().lower())
            if hit is None:
                raise AnswerError(
                    f"{given!r} is not a choice for {q.key!r}"
                    + did_you_mean(given, q.options, n=1, form=" (did you mean {}?)", quote=True)
                    + f". The choices are: {', '.join(q.options)}."
                )
            out[q.key] = hit
        return out

    #: question key → a nudge for a wrong answer to it (towards the idea; never the expected option).
    nudges: dict[str, str] = {}
    default_nudge = "Read the scenario again with the hints in mind: what decides this one?"

    def nudge(self, key: str, given: str) -> str:
        """The nudge for a wrong answer ``given`` to question ``key`` (topics override or set ``nudges``)."""
        return self.nudges.get(key, self.default_nudge)

    def _grade(self, answer) -> Feedback:
        given = self.read_answer(answer)
        truth = self.expected()
        cases = []
        for q in self.questions:
            want, why = truth[q.key]
            got = given.get(q.key, "no answer")
            wrong = got != want
            cases.append(
                Case(
                    f"{q.key}: {q.text}",
                    not wrong,
                    want,
                    got,
                    why if wrong else "",
                    nudge=self.nudge(q.key, got) if wrong else "",
                )
            )
        wrong_cases = [c for c in cases if not c.passed]
        if not wrong_cases:
            return Feedback(self.id, True, f"All {len(cases)} answers are right.", tuple(cases))
        unanswered = [q.key for q in self.questions if q.key not in given]
        msg = f"{len(cases) - len(wrong_cases)} of {len(cases)} right."
        if unanswered:
            msg += f" Unanswered: {', '.join(unanswered)}."
        return Feedback(
            self.id,
            False,
            msg + " Each wrong answer below comes with the reason.",
            tuple(cases),
            nudge=msg + " Each wrong answer below comes with a pointer to think it over.",
        )

    def fields(self) -> tuple[Field, ...]:
        return tuple(
            Field(q.key, f"{q.key}: {q.text}", "choice", tuple((o, o) for o in ("",) + q.options), default="")
            for q in self.questions
        )

    def answer_from(self, values: dict):
        return {k: v for k, v in values.items() if v}

    def values_from(self, answer) -> dict:
        return dict(answer)
