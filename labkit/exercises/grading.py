"""Grading a policy answer by its behaviour: evaluate it on a battery of requests and explain each miss.

A policy is right when it decides every request of the battery as intended — whatever its text. Two
answers that differ (a ``Null … false`` condition or a ``StringEquals`` on ``lambda:VpcIds``; one
statement or an Allow paired with a Deny) are both right if they behave the same.

For each request the answer decides wrongly, the feedback names it ("wrongly allows …") and gives the
evaluator's statement-level reasoning; ``lk.iam.lint`` findings on the answer are added as notes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from labkit.exercises.errors import AnswerError
from labkit.exercises.feedback import Case, Feedback
from labkit.iam import Decision, Finding, PolicyError, evaluate, lint, parse_policy
from labkit.iam.policy import Policy

ANSWER_NAME = "your policy"
EXISTING_NAME = "existing policy"


@dataclass(frozen=True)
class Request:
    """One request of a battery: what is asked, in which context, and whether it should be allowed."""

    name: str
    action: str
    context: dict
    allowed: bool  # the intended outcome
    why: str  # why that is the intended outcome (shown when the answer gets it wrong)
    tag: str = ""  # lets an exercise add advice when this request is decided wrongly (e.g. "no-vpc")


def read_policies(answer, example: str = "") -> tuple[Policy, ...]:
    """The learner's answer (a dict, JSON text, or a list of those) as parsed policies.

    Raises ``AnswerError`` with what is wrong and how to fix it.
    """
    example_text = f" For example:\n{example}" if example else ""
    if answer is None or (isinstance(answer, (str, bytes)) and not answer.strip()) or answer == {} or answer == []:
        raise AnswerError(
            "Your answer is empty. Write an IAM policy document (a dict, or JSON text) with a "
            f'"Statement" list.{example_text}'
        )
    if isinstance(answer, bytes):
        answer = answer.decode("utf-8", errors="replace")
    if isinstance(answer, str):
        text = answer.strip()
        if text.startswith("["):  # several policies in one JSON array
            try:
                answer = json.loads(text)
            except ValueError as e:
                raise AnswerError(
                    f"Your answer is not valid JSON: {e}. Fix: check the commas, quotes and "
                    "brackets near that place (JSON needs double quotes)."
                ) from None
        else:
            answer = text
    documents = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    if not documents:
        raise AnswerError(f"Your answer is an empty list. Give one policy document (or a list of them).{example_text}")
    policies = []
    for i, doc in enumerate(documents, start=1):
        name = ANSWER_NAME if len(documents) == 1 else f"{ANSWER_NAME} {i}"
        if isinstance(doc, Policy):
            policies.append(doc)
            continue
        if not isinstance(doc, (dict, str)):
            raise AnswerError(
                f"{name.capitalize()} is {_a(type(doc).__name__)} ({doc!r:.40}); a policy is a dict "
                'or JSON text, e.g. {"Version": "2012-10-17", "Statement": [...]}.'
            )
        if isinstance(doc, dict) and "Statement" not in doc and ("Effect" in doc or "Action" in doc):
            raise AnswerError(
                f"{name.capitalize()} looks like a single statement. A policy wraps its statements: "
                '{"Version": "2012-10-17", "Statement": [ <your statement> ]}.'
            )
        if isinstance(doc, str) and doc.strip().startswith("{") and "'" in doc and '"' not in doc:
            raise AnswerError(
                f"{name.capitalize()} uses single quotes. JSON needs double quotes: "
                '{"Effect": "Deny", …}. (Or give a Python dict instead of text.)'
            )
        try:
            policies.append(parse_policy(doc, name=name))
        except PolicyError as e:
            raise AnswerError(f"{name.capitalize()} can't be read: {e}") from None
    return tuple(policies)


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _word(allowed: bool) -> str:
    return "allowed" if allowed else "denied"


def _explain(ev, answer_names: set[str]) -> str:
    """Why the evaluator decided as it did, in the statements of the learner's policy."""
    mine = [s for s in ev.statements if s.policy in answer_names]
    if ev.decision is Decision.EXPLICIT_DENY:
        lines = [str(s) for s in ev.matched]
    elif ev.decision is Decision.ALLOWED:
        deciding = [str(s) for s in ev.matched]
        denies = [str(s) for s in mine if s.effect == "Deny"]
        lines = deciding + (
            [f"(your Deny does not apply) {d}" for d in denies]
            if any(s.policy not in answer_names for s in ev.matched)
            else []
        )
    else:
        lines = [str(s) for s in mine]
    return "\n".join([ev.summary()] + lines)


def grade_policy(
    exercise_id: str,
    answer,
    battery: tuple[Request, ...],
    *,
    existing=(),
    example: str = "",
    advice: dict[str, str] | None = None,
    intro: str = "",
    nudges: dict[str, str] | None = None,
) -> Feedback:
    """Evaluate ``answer`` (with the learner's ``existing`` policies) on every request of ``battery``.

    ``advice``: tag → what to change (shown once the answer may be shown); ``nudges``: tag → the same idea
    without the fix (shown before). The linter's findings lose their "Fix:" until then too.
    """
    policies = read_policies(answer, example)
    names = {p.name for p in policies}
    everything = tuple(parse_policy(p, name=EXISTING_NAME) for p in existing) + policies
    cases = []
    wrong_allows: list[str] = []
    wrong_denies: list[str] = []
    tags: set[str] = set()
    for req in battery:
        ev = evaluate(everything, req.action, context=req.context)
        ok = ev.allowed == req.allowed
        why = "" if ok else f"{req.why}\n{_explain(ev, names)}"
        cases.append(Case(req.name, ok, _word(req.allowed), ev.decision.value, why))
        if not ok:
            (wrong_allows if ev.allowed else wrong_denies).append(req.name)
            if req.tag:
                tags.add(req.tag)
    findings: list[Finding] = lint(list(policies))
    notes = tuple(str(f) for f in findings)
    total = len(battery)
    if not wrong_allows and not wrong_denies:
        message = f"Your policy decides all {total} requests as intended."
        warnings = [f for f in findings if f.severity == "warning"]
        if warnings:
            message += " It works, but read the linter's warnings below."
        return Feedback(exercise_id, True, (intro + " " if intro else "") + message, tuple(cases), notes)
    parts = [f"{len(wrong_allows) + len(wrong_denies)} of {total} requests are decided wrongly."]
    if wrong_allows:
        parts.append("Your policy wrongly ALLOWS: " + "; ".join(wrong_allows) + ".")
    if wrong_denies:
        parts.append("Your policy wrongly DENIES: " + "; ".join(wrong_denies) + ".")
    hidden = list(parts)
    advised = False
    for tag in sorted(tags):
        if advice and tag in advice:
            parts.append(advice[tag])
            hidden.append((nudges or {}).get(tag, GENERIC_NUDGE))
            advised = True
    if not advised:
        for f in findings:
            if f.severity == "error":
                parts.append(f"The linter says ({f.code}): {f.message} Fix: {f.fix}.")
                hidden.append(f"The linter says ({f.code}): {f.message}")
    nudge_notes = tuple(
        f"{f.code} ({f.severity}) in {f.policy}, statement {f.statement}: {f.message}" for f in findings
    )
    return Feedback(
        exercise_id,
        False,
        "\n".join(parts),
        tuple(cases),
        notes,
        nudge="\n".join(dict.fromkeys(hidden)),
        nudge_notes=nudge_notes,
    )


#: The nudge for a wrongly decided request when the exercise gives none for its tag.
GENERIC_NUDGE = (
    "Evaluate your policy on one of those requests yourself (lk.iam.evaluate(policy, action, "
    "context=…)): which condition decides it, and what does it do when a key is absent?"
)
