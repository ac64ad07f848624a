"""What a check says: ``Feedback`` (the verdict, a message, the graded cases) and ``Case`` (one graded case).

``excerpt`` shortens anything a message quotes back to the learner, so a huge answer is never echoed whole.

Feedback teaches before it tells. A grader fills in everything — the expected values, the reasons, the fix —
and also says it without the answer: ``Feedback.nudge`` (the message), ``Case.nudge`` (a case's reason),
``Feedback.nudge_notes`` and ``Case.gives_away`` (a case whose verdict alone would tell the answer).
``Feedback.without_answer()`` is what the learner sees until the answer may be shown (see
``labkit.exercises.core.Exercise.answer_disclosed``): the wrong items are named, each with a nudge, and no
expected value appears.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace

#: How many characters of a learner's answer a message may quote.
EXCERPT_CHARS = 200


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``value`` as text, cut to ``limit`` characters with "…" at the end when it is longer.

    >>> excerpt("short")
    'short'
    >>> excerpt("x" * 1000, limit=5)
    'xxxx…'
    """
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Case:
    """One graded case: a request, a step, a question. ``expected``/``got`` are short words; ``why`` explains.

    ``nudge``: the reason to show while the answer is withheld (it points at the idea and never states the
    expected value); ``gives_away``: the case's verdict alone would tell the answer (an option left unpicked
    in a multi-select), so it is left out while the answer is withheld.
    """

    name: str
    passed: bool
    expected: str = ""
    got: str = ""
    why: str = ""
    nudge: str = ""
    gives_away: bool = False

    def without_answer(self) -> Case:
        """This case as shown while the answer is withheld: no expected value, the nudge as its reason."""
        if self.passed:
            return replace(self, why=self.nudge or self.why)
        return replace(self, expected="", why=self.nudge)

    def __str__(self) -> str:
        mark = "✔" if self.passed else "✘"
        text = f"{mark} {self.name}"
        if self.expected or self.got:
            if self.passed:
                text += f": {self.got}"
            elif self.expected:
                text += f": expected {self.expected}, got {self.got}"
            else:
                text += f": you said {self.got}"
        if self.why:
            text += "\n    " + self.why.replace("\n", "\n    ")
        return text

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "expected": self.expected, "got": self.got, "why": self.why}


@dataclass(frozen=True)
class Feedback:
    """The answer to one check.

    ``correct``: the verdict. ``message``: what to take away (and, when wrong, what to change).
    ``details``: the cases, each passed or failed with why. ``notes``: extra remarks (lint findings…).
    ``trace``/``topology``: for reachability exercises, the trace that graded the answer (``picture()``
    draws it).

    ``nudge``/``nudge_notes``: the message and notes without the answer (empty/None: the message and notes
    hold no answer). ``answer``: the expected answer, filled in once it may be shown. ``withheld``: True when
    this is the view without the answer (``without_answer()``); ``status`` then says when it will be shown.
    """

    exercise_id: str
    correct: bool
    message: str
    details: tuple[Case, ...] = ()
    notes: tuple[str, ...] = ()
    trace: object = field(default=None, compare=False, repr=False)
    topology: object = field(default=None, compare=False, repr=False)
    nudge: str = ""
    nudge_notes: tuple[str, ...] | None = None
    answer: str = ""
    withheld: bool = False
    status: str = ""

    def without_answer(self, status: str = "") -> Feedback:
        """What the learner sees before the answer may be shown: the wrong items named, each with a nudge;
        no expected value, no fix, no trace text (``picture()`` still draws the trace)."""
        return replace(
            self,
            message=self.nudge or self.message,
            nudge="",
            details=tuple(c.without_answer() for c in self.details if not c.gives_away),
            notes=self.notes if self.nudge_notes is None else self.nudge_notes,
            nudge_notes=None,
            answer="",
            withheld=True,
            status=status,
        )

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
        if self.trace is not None and not self.withheld:
            lines.append(str(self.trace))
        if self.status:
            lines.append(self.status)
        if self.answer:
            lines.append("The expected answer:\n  " + self.answer.replace("\n", "\n  "))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "exercise": self.exercise_id,
            "correct": self.correct,
            "message": self.message,
            "details": [c.to_dict() for c in self.details],
            "notes": list(self.notes),
            "trace": self.trace.to_dict()
            if self.trace is not None and hasattr(self.trace, "to_dict") and not self.withheld
            else None,
            "withheld": self.withheld,
            "status": self.status,
            "answer": self.answer,
        }

    def _repr_html_(self) -> str:
        e = html.escape
        colour = "#1a7f37" if self.correct else "#cf222e"
        verdict = "✔ Correct" if self.correct else "✘ Not yet"
        out = [
            f'<div class="labkit-feedback"><p><b style="color:{colour}">{verdict}.</b> {_paragraphs(self.message)}</p>'
        ]
        if self.details:
            out.append(f"<p>Cases: {e(self.score)} right</p><ul>")
            for c in self.details:
                style = "" if c.passed else ' style="color:#cf222e"'
                mark = "✔" if c.passed else "✘"
                line = f"<li{style}>{mark} {e(c.name)}"
                if not c.passed and c.expected:
                    line += f": expected <b>{e(c.expected)}</b>, got <b>{e(c.got)}</b>"
                elif not c.passed and c.got:
                    line += f": you said <b>{e(c.got)}</b>"
                elif c.got:
                    line += f": {e(c.got)}"
                if c.why:
                    line += f'<br><span style="color:#57606a;white-space:pre-wrap">{e(c.why)}</span>'
                out.append(line + "</li>")
            out.append("</ul>")
        for n in self.notes:
            out.append(f"<p><i>Note: {e(n)}</i></p>")
        if self.trace is not None and hasattr(self.trace, "_repr_html_") and not self.withheld:
            out.append(self.trace._repr_html_())
        if self.status:
            out.append(f'<p class="labkit-feedback-status"><i>{e(self.status)}</i></p>')
        if self.answer:
            out.append(
                f'<details class="labkit-answer"><summary>The expected answer</summary><pre>{e(self.answer)}'
                "</pre></details>"
            )
        out.append("</div>")
        return "".join(out)


def _paragraphs(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")
