"""Deploying the same template again: nothing to change, the same stack back (a re-run notebook cell).

``lab.deploy("vpc-private")`` run twice in one lab used to fail the second time (a stack of that name
exists). Like ``aws cloudformation deploy`` ("No changes to deploy. Stack … is up to date"), deploying a
template again with the same stack name and parameters, while the stack it made still exists, changes
nothing and returns that stack. Another template or other parameters under a name already taken still
fail with CloudFormation's ``AlreadyExistsException``; a stack deleted meanwhile is created again.
"""

from __future__ import annotations

import json
import weakref

from labkit.awslambda.deploy import Stack, deploy, load_template

__all__ = ["deploy_once"]

#: lab → {stack name: (what was deployed, the Stack)}; forgotten with the lab.
_DEPLOYED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _key(body: dict, parameters) -> str:
    try:
        return json.dumps([body, parameters], sort_keys=True, default=str)
    except (TypeError, ValueError):
        return ""  # parameters we can't compare: deploy as asked


def _still_there(lab, stack: Stack) -> bool:
    from botocore.exceptions import ClientError

    try:
        found = lab.internal("cloudformation").describe_stacks(StackName=stack.stack_id)["Stacks"]
    except ClientError:
        return False
    return bool(found) and found[0].get("StackStatus") == "CREATE_COMPLETE"


def deploy_once(lab, template, parameters=None, *, name: str | None = None) -> Stack:
    """``labkit.awslambda.deploy.deploy``, except that the same deployment again returns the stack it made."""
    body, default_name = load_template(template)
    stack_name = name or default_name
    key = _key(body, parameters)
    done = _DEPLOYED.setdefault(lab, {})
    previous = done.get(stack_name)
    if key and previous is not None and previous[0] == key and _still_there(lab, previous[1]):
        return previous[1]
    stack = deploy(lab, template, parameters, name=name)
    if key:
        done[stack_name] = (key, stack)
    return stack
