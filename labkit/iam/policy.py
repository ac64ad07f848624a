"""Reading and checking identity-based policy documents (JSON text or dicts) into compiled :class:`Policy` objects.

What IAM requires of an identity-based policy (IAM User Guide, "IAM JSON policy element reference"):

* top-level elements ``Version`` (``"2012-10-17"`` or ``"2008-10-17"``; missing means ``2008-10-17``),
  ``Id`` and ``Statement`` (one object or a list of them);
* each statement has ``Effect`` (``Allow`` or ``Deny``), exactly one of ``Action``/``NotAction``,
  exactly one of ``Resource``/``NotResource``, and optionally ``Sid`` and ``Condition``; an
  identity-based policy has no ``Principal``;
* policy variables (``${aws:username}``) exist only in version ``2012-10-17``; in older policies
  the text is literal.

Anything else is a :class:`~labkit.iam.errors.PolicyError` naming the policy, the statement (its
``Sid`` or number) and the fix. Parsed policies are cached, so evaluating the same document again
does not parse it again.
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict

from labkit.errors import did_you_mean
from labkit.iam import patterns
from labkit.iam.conditions import Condition, compile_condition
from labkit.iam.errors import PolicyError, PolicyJSONError, UnknownOperatorError
from labkit.iam.errors import shown as _short

VERSIONS = ("2012-10-17", "2008-10-17")
DEFAULT_VERSION = "2008-10-17"
TOP_LEVEL_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition")
EFFECTS = ("Allow", "Deny")


class Statement:
    """One compiled statement. ``label`` is its ``Sid``, or ``#n`` (its position, from 1) when it has none."""

    __slots__ = (
        "policy",
        "index",
        "sid",
        "effect",
        "actions",
        "not_action",
        "resources",
        "not_resource",
        "conditions",
        "_exact",
        "_wild",
        "_any_action",
        "_res_static",
        "_res_templates",
        "_any_resource",
    )

    def __init__(
        self,
        policy: str,
        index: int,
        sid: str | None,
        effect: str,
        actions: tuple[str, ...],
        not_action: bool,
        resources: tuple[str, ...],
        not_resource: bool,
        conditions: tuple[Condition, ...],
        variables: bool,
    ):
        self.policy = policy
        self.index = index
        self.sid = sid
        self.effect = effect
        self.actions = actions
        self.not_action = not_action
        self.resources = resources
        self.not_resource = not_resource
        self.conditions = conditions
        exact: list[str] = []
        wild: list[tuple[str, str]] = []
        for a in actions:
            if "*" in a or "?" in a:
                wild.append((a, a.lower()))
            else:
                exact.append(a.lower())
        self._any_action = "*" in actions
        self._exact = frozenset(exact)
        self._wild = tuple(wild)  # (as written, lower-case) of each wildcard action; matched without a regex
        static: list[str] = []
        templates: list[tuple[str, patterns.Template]] = []
        for r in resources:
            if variables and patterns.has_variables(r):
                templates.append((r, patterns.Template.parse(r)))
            elif r != "*":
                static.append(r)
        self._any_resource = "*" in resources
        self._res_static = tuple(static)
        self._res_templates = tuple(templates)

    @property
    def label(self) -> str:
        return self.sid if self.sid else f"#{self.index}"

    @property
    def where(self) -> str:
        sid = f"{self.sid} (#{self.index})" if self.sid else f"#{self.index} (no Sid)"
        return f"{self.policy}, statement {sid}"

    def listed_action(self, action_lower: str) -> str | None:
        """The Action/NotAction entry that names this action (lower-case), or None."""
        if self._any_action:
            return "*"
        if action_lower in self._exact:
            return next(a for a in self.actions if a.lower() == action_lower)
        for written, lower in self._wild:
            if patterns.glob_match(lower, action_lower):
                return written
        return None

    def action_listed_fast(self, action_lower: str) -> bool:
        if self._any_action or action_lower in self._exact:
            return True
        return any(patterns.glob_match(lower, action_lower) for _, lower in self._wild)

    def actions_listed(self, candidates_lower: tuple[str, ...]) -> set[str]:
        """Which of ``candidates_lower`` (lower-case action names) the Action/NotAction list names.

        Fast for long lists: a wildcard pattern is tried only on candidates that start with its text
        before the first wildcard.
        """
        if self._any_action:
            return set(candidates_lower)
        found = {c for c in candidates_lower if c in self._exact}
        for _, lower in self._wild:
            head = lower[: min((i for i in (lower.find("*"), lower.find("?")) if i >= 0), default=len(lower))]
            found.update(
                c for c in candidates_lower if c not in found and c.startswith(head) and patterns.glob_match(lower, c)
            )
        return found

    def listed_resource(self, resource: str, variables: dict[str, str]) -> tuple[str | None, list[str]]:
        """The Resource/NotResource entry matching ``resource`` (or None), and unresolved variable patterns."""
        if self._any_resource:
            return "*", []
        for text in self._res_static:
            if patterns.arn_match(text, resource):
                return text, []
        unresolved = []
        for text, tpl in self._res_templates:
            pieces = tpl.resolve(variables)
            if pieces is None:
                unresolved.append(text)
            elif patterns.arn_regex(pieces).fullmatch(resource):
                return text, []
        return None, unresolved

    def __repr__(self) -> str:
        return f"<Statement {self.label} {self.effect} in {self.policy}>"


class Policy:
    """A parsed, checked and compiled identity-based policy.

    >>> p = parse_policy({"Version": "2012-10-17", "Statement": {"Sid": "A", "Effect": "Allow",
    ...                   "Action": "lambda:*", "Resource": "*"}}, name="dev")
    >>> p.name, p.version, [s.label for s in p.statements]
    ('dev', '2012-10-17', ['A'])
    """

    __slots__ = ("name", "version", "id", "statements", "document", "has_variables")

    def __init__(self, name: str, version: str, id: str | None, statements: tuple[Statement, ...], document: object):
        self.name = name
        self.version = version
        self.id = id
        self.statements = statements
        self.document = document
        #: whether any statement holds a policy variable that must be resolved per request
        self.has_variables = any(st._res_templates or any(not c.static for c in st.conditions) for st in statements)

    @property
    def variables(self) -> bool:
        """Whether policy variables are active (``Version`` 2012-10-17)."""
        return self.version == "2012-10-17"

    def __repr__(self) -> str:
        return f"<Policy {self.name} version={self.version} statements={len(self.statements)}>"


# ---------------------------------------------------------------- parsing


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise PolicyJSONError(
                f"the name {key!r} appears twice in one JSON object; JSON readers keep only one "
                "of them, so part of the policy would be lost",
                fix=f"merge the two {key!r} entries into one",
            )
        seen[key] = value
    return seen


def load_json(text: str | bytes, name: str = "policy") -> object:
    """Parse JSON text, with line and column in the error.

    >>> load_json('{"Version": "2012-10-17",}', "p.json")
    Traceback (most recent call last):
    ...
    labkit.iam.errors.PolicyJSONError: p.json: not valid JSON at line 1, column 26: Expecting property name enclosed in double quotes. Fix: check the JSON near line 1, column 26 (a missing or extra comma, quote or brace is the usual cause).
    """
    if isinstance(text, (bytes, bytearray)):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise PolicyJSONError(
                f"not UTF-8 text (byte {err.start} is {raw[err.start : err.start + 1]!r})",
                where=name,
                fix="save the policy as UTF-8 JSON text",
            ) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as err:
        raise PolicyJSONError(
            f"not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}",
            where=name,
            fix=f"check the JSON near line {err.lineno}, column {err.colno} (a missing or extra comma, quote or "
            "brace is the usual cause)",
            line=err.lineno,
            column=err.colno,
        ) from None
    except PolicyJSONError as err:
        raise PolicyJSONError(err.problem, where=name, fix=err.fix) from None
    except RecursionError:
        raise PolicyJSONError(
            "the JSON is nested too deeply to read (thousands of brackets inside each other)",
            where=name,
            fix="a policy nests only a few levels (Statement → Condition → operator → key); remove the extra brackets",
        ) from None
    except ValueError as err:  # e.g. an integer beyond Python's digit limit for int parsing
        raise PolicyJSONError(
            f"the JSON can't be read: a number in it has more digits than Python reads ({str(err).split(':')[0]})",
            where=name,
            fix="write numbers with at most a few dozen digits (condition values are usually strings)",
        ) from None


def _as_list(value: object, what: str, where: str, fix: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise PolicyError(f"{what} is an empty list", where=where, fix=fix)
    for item in items:
        if not isinstance(item, str) or not item:
            raise PolicyError(f"{what} holds {_short(item)}, which is not a non-empty string", where=where, fix=fix)
    return tuple(items)


def _check_action(action: str, where: str, element: str) -> None:
    if action == "*":
        return
    if ":" not in action or not action.split(":", 1)[0] or not action.split(":", 1)[1]:
        raise PolicyError(
            f"{element} {action!r} is not of the form service:Action",
            where=where,
            fix=f'write the service prefix, e.g. "lambda:{action.split(":")[-1] or "CreateFunction"}"',
        )


def _check_resource(resource: str, where: str, element: str) -> None:
    if resource == "*" or resource.startswith("arn:"):
        return
    raise PolicyError(
        f'{element} {resource!r} is neither "*" nor an ARN',
        where=where,
        fix='write the full ARN, e.g. "arn:aws:lambda:us-east-1:123456789012:function:my-function", or "*"',
    )


def _condition_values(value: object, op_name: str, key: str, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (int, float)):
            try:
                out.append(str(item))
            except ValueError:  # an integer beyond Python's digit limit for int → str
                raise PolicyError(
                    f"condition {op_name} on {key!r} has a number of about "
                    f"{int(int(item).bit_length() * 0.30103) + 1} digits",
                    where=where,
                    fix="give a number of at most a few dozen digits, or a string",
                ) from None
        elif isinstance(item, str):
            out.append(item)
        else:
            raise PolicyError(
                f"condition {op_name} on {key!r} has the value {_short(item)}, which is not a string, number "
                "or boolean",
                where=where,
                fix="give a string or a list of strings",
            )
    return tuple(out)


def _parse_conditions(block: object, where: str, variables: bool) -> tuple[Condition, ...]:
    if not isinstance(block, dict):
        raise PolicyError(
            f"Condition must be an object of operator → {{key: values}}, got {type(block).__name__}",
            where=where,
            fix='write e.g. "Condition": {"StringEquals": {"lambda:VpcIds": "vpc-1"}}',
        )
    out: list[Condition] = []
    for op_name, keys in block.items():
        if not isinstance(keys, dict) or not keys:
            raise PolicyError(
                f"condition operator {op_name!r} must map to an object of key → values",
                where=where,
                fix=f'write e.g. "{op_name}": {{"lambda:VpcIds": "vpc-1"}}',
            )
        for key, value in keys.items():
            if not isinstance(key, str):
                raise PolicyError(
                    f"condition {op_name} has the key {_short(key)}, which is not a string",
                    where=where,
                    fix="write a context key name such as lambda:VpcIds",
                )
            if not key:
                raise PolicyError(
                    f"condition {op_name} has an empty key name",
                    where=where,
                    fix="write a context key such as lambda:VpcIds",
                )
            values = _condition_values(value, op_name, key, where)
            try:
                out.append(compile_condition(op_name, key, values, variables=variables, where=where))
            except UnknownOperatorError as err:
                raise UnknownOperatorError(err.problem, where=where, fix=err.fix) from None
    return tuple(out)


def _parse_statement(raw: object, index: int, policy_name: str, variables: bool) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError(
            f"statement #{index} is a {type(raw).__name__}, not an object",
            where=policy_name,
            fix='write each statement as {"Effect": …, "Action": …, "Resource": …}',
        )
    sid = raw.get("Sid")
    label = f"{sid} (#{index})" if isinstance(sid, str) and sid else f"#{index} (no Sid)"
    where = f"{policy_name}, statement {label}"
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(
            f"Sid is {_short(sid)}, not a string", where=where, fix='write a text Sid such as "AllowVpcOnly"'
        )
    for key in raw:
        if not isinstance(key, str):
            raise PolicyError(
                f"the statement has the element name {_short(key)}, which is not a string",
                where=where,
                fix=f"element names are text: {', '.join(STATEMENT_KEYS)}",
            )
        if key in ("Principal", "NotPrincipal"):
            raise PolicyError(
                f"{key} is not allowed in an identity-based policy (the policy applies to the "
                "user, group or role it is attached to)",
                where=where,
                fix=f'remove "{key}"',
            )
        if key not in STATEMENT_KEYS:
            raise PolicyError(
                f"unknown statement element {key!r}",
                where=where,
                fix=f"remove it or correct its name. {did_you_mean(key, STATEMENT_KEYS)}",
            )
    effect = raw.get("Effect")
    if effect is None:
        raise PolicyError("Effect is missing", where=where, fix='add "Effect": "Allow" or "Effect": "Deny"')
    if effect not in EFFECTS:
        raise PolicyError(
            f"Effect is {_short(effect)}",
            where=where,
            fix=f'write "Allow" or "Deny" (case-sensitive). {did_you_mean(effect if isinstance(effect, str) else "", EFFECTS)}',
        )
    if "Action" in raw and "NotAction" in raw:
        raise PolicyError(
            "both Action and NotAction are given",
            where=where,
            fix="keep one: Action lists what the statement covers, NotAction what it does not",
        )
    if "Action" not in raw and "NotAction" not in raw:
        raise PolicyError(
            "Action is missing",
            where=where,
            fix='add "Action", e.g. "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"]',
        )
    element = "Action" if "Action" in raw else "NotAction"
    actions = _as_list(raw[element], element, where, 'list actions like "lambda:CreateFunction"')
    for a in actions:
        _check_action(a, where, element)
    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError("both Resource and NotResource are given", where=where, fix="keep one of them")
    if "Resource" not in raw and "NotResource" not in raw:
        raise PolicyError(
            "Resource is missing", where=where, fix='add "Resource": "*" or the ARNs the statement covers'
        )
    r_element = "Resource" if "Resource" in raw else "NotResource"
    resources = _as_list(raw[r_element], r_element, where, 'write "*" or ARNs')
    for r in resources:
        _check_resource(r, where, r_element)
    conditions = _parse_conditions(raw["Condition"], where, variables) if "Condition" in raw else ()
    return Statement(
        policy_name,
        index,
        sid or None,
        effect,
        actions,
        element == "NotAction",
        resources,
        r_element == "NotResource",
        conditions,
        variables,
    )


def _parse(document: object, name: str) -> Policy:
    source = document
    if isinstance(document, (str, bytes, bytearray)):
        document = load_json(document, name)
    if not isinstance(document, dict):
        raise PolicyError(
            f"a policy document must be a JSON object, got {type(document).__name__}",
            where=name,
            fix='write {"Version": "2012-10-17", "Statement": [...]}',
        )
    for key in document:
        if not isinstance(key, str):
            raise PolicyError(
                f"the policy has the element name {_short(key)}, which is not a string",
                where=name,
                fix="a policy has only the text elements Version, Id and Statement",
            )
        if key not in TOP_LEVEL_KEYS:
            raise PolicyError(
                f"unknown top-level element {key!r}",
                where=name,
                fix=f"a policy has only Version, Id and Statement. {did_you_mean(key, TOP_LEVEL_KEYS)}",
            )
    version = document.get("Version", DEFAULT_VERSION)
    if version not in VERSIONS:
        raise PolicyError(
            f"Version is {_short(version)}",
            where=name,
            fix='write "Version": "2012-10-17" (the current policy language; "2008-10-17" is the old '
            "one, without policy variables)",
        )
    pid = document.get("Id")
    if pid is not None and not isinstance(pid, str):
        raise PolicyError(f"Id is {_short(pid)}, not a string", where=name, fix="write a text Id or remove it")
    if "Statement" not in document:
        raise PolicyError(
            "Statement is missing", where=name, fix='add "Statement": [{"Effect": …, "Action": …, "Resource": …}]'
        )
    raw = document["Statement"]
    raws = raw if isinstance(raw, list) else [raw]
    if not raws:
        raise PolicyError("Statement is an empty list", where=name, fix="add at least one statement")
    variables = version == "2012-10-17"
    statements = tuple(_parse_statement(s, i, name, variables) for i, s in enumerate(raws, start=1))
    return Policy(name, version, pid, statements, source)


# ---------------------------------------------------------------- the cache

_TEXT_CACHE: OrderedDict = OrderedDict()
_DICT_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 512


def parse_policy(document: object, name: str | None = None) -> Policy:
    """Parse and check a policy document: a dict, JSON text, or an already parsed :class:`Policy`.

    Results are cached: JSON text by its content, a dict by identity (re-parsed if it was changed).

    >>> p = parse_policy('{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": '
    ...                  '"lambda:CreateFunction", "Resource": "*", "Condition": {"Null": {"lambda:VpcIds": "true"}}}]}')
    >>> p.statements[0].effect, p.statements[0].conditions
    ('Deny', (Condition('Null', 'lambda:VpcIds', ['true']),))
    >>> parse_policy({"Statement": {"Effect": "Allow", "Action": "lambda:*"}})
    Traceback (most recent call last):
    ...
    labkit.iam.errors.PolicyError: policy, statement #1 (no Sid): Resource is missing. Fix: add "Resource": "*" or the ARNs the statement covers.
    """
    if isinstance(document, Policy):
        return document
    label = name or "policy"
    if isinstance(document, (str, bytes, bytearray)):
        key = (bytes(document) if not isinstance(document, str) else document, label)
        hit = _TEXT_CACHE.get(key)
        if hit is not None:
            _TEXT_CACHE.move_to_end(key)
            return hit
        policy = _parse(document, label)
        _TEXT_CACHE[key] = policy
        if len(_TEXT_CACHE) > _CACHE_SIZE:
            _TEXT_CACHE.popitem(last=False)
        return policy
    if isinstance(document, dict):
        try:
            return _parse_dict(document, label)
        except RecursionError:
            raise PolicyError(
                "the policy is nested too deeply to read (thousands of levels)",
                where=label,
                fix="a policy nests only a few levels (Statement → Condition → operator → key)",
            ) from None
    raise PolicyError(
        f"a policy must be a dict, JSON text or a parsed Policy, got {type(document).__name__}",
        where=label,
        fix="pass the policy document (or a list of them)",
    )


def _parse_dict(document: dict, label: str) -> Policy:
    key = (id(document), label)
    hit = _DICT_CACHE.get(key)
    if hit is not None and hit[0] is document and hit[1] == document:
        return hit[2]
    policy = _parse(document, label)
    _DICT_CACHE[key] = (document, copy.deepcopy(document), policy)
    if len(_DICT_CACHE) > _CACHE_SIZE:
        _DICT_CACHE.popitem(last=False)
    return policy


def parse_policies(policies: object) -> tuple[Policy, ...]:
    """One policy or a list of them → parsed policies, named ``policy 1``, ``policy 2``… when unnamed.

    >>> [p.name for p in parse_policies([{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}] * 2)]
    ['policy 1', 'policy 2']
    """
    if isinstance(policies, (dict, str, bytes, bytearray, Policy)):
        return (parse_policy(policies),)
    if isinstance(policies, (list, tuple)):
        if not policies:
            return ()
        if len(policies) == 1:
            return (parse_policy(policies[0]),)
        return tuple(
            parse_policy(p, None if isinstance(p, Policy) else f"policy {i}") for i, p in enumerate(policies, start=1)
        )
    raise PolicyError(
        f"policies must be a policy document or a list of them, got {type(policies).__name__}",
        fix="pass a dict, JSON text, or a list of those",
    )
