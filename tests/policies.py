"""Building IAM policy documents in tests.

policy(statement("Deny", "lambda:CreateFunction", condition={"Null": {"lambda:VpcIds": "true"}}))
"""

from __future__ import annotations


def policy(*statements: dict, **top: object) -> dict:
    """A policy document (Version 2012-10-17) with these statements; ``top`` adds top-level elements."""
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


def statement(
    effect: str, action: str | list[str], condition: dict | None = None, sid: str | None = None, resource: str = "*"
) -> dict:
    """One statement: ``effect`` on ``action`` (a name or a list) for ``resource``, with an optional condition."""
    s: dict = {"Effect": effect, "Action": action, "Resource": resource}
    if condition is not None:
        s["Condition"] = condition
    if sid:
        s["Sid"] = sid
    return s
