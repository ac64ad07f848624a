"""Wildcards and policy variables: the text machinery shared by Action, Resource and condition values.

* ``*`` matches any run of characters and ``?`` exactly one, in Action, Resource, ``StringLike`` and
  the ARN operators. In an ARN (Resource, ``ArnLike``…) a wildcard stays inside its colon-separated
  segment, except in the last segment of the pattern (the resource part), which may contain colons.
* A policy variable ``${aws:username}`` is replaced by the request's value of that key; a default
  can follow: ``${aws:username, 'anonymous'}``. ``${*}``, ``${?}`` and ``${$}`` stand for a literal
  ``*``, ``?`` and ``$``. Variables exist only in policies with ``"Version": "2012-10-17"``; in older
  policies the text is taken literally.
* A variable whose key is not in the request (and has no default) can't be resolved: the value that
  contains it matches nothing.

Plain wildcard patterns (``*`` only) are matched with string searches, without a regex: reading a large
policy compiles nothing. Patterns with ``?`` and policy variables become regexes, compiled once per
pattern (``functools.lru_cache``) and shared by every statement and policy that uses the same text.
"""

from __future__ import annotations

import re
from functools import lru_cache

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"^\s*([^\s,'{}]+)\s*(?:,\s*'([^']*)'\s*)?$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}

# A resolved piece of text: (text, literal). Literal text (escapes, substituted values) never holds wildcards.
Piece = tuple[str, bool]


class Template:
    """A policy string that contains policy variables, split into text, escapes and variables.

    >>> t = Template.parse("home/${aws:username}/${*}")
    >>> t.variables
    ('aws:username',)
    >>> t.resolve({"aws:username": "alice"})
    (('home/', False), ('alice', True), ('/', False), ('*', True))
    >>> t.resolve({}) is None
    True
    >>> Template.parse("${aws:userid, 'anonymous'}").resolve({})
    (('anonymous', True),)
    """

    __slots__ = ("text", "parts", "variables")

    def __init__(self, text: str, parts: tuple, variables: tuple[str, ...]):
        self.text = text
        self.parts = parts  # ("text", s) | ("lit", s) | ("var", key_lower, key, default_or_None)
        self.variables = variables

    @classmethod
    def parse(cls, text: str) -> Template:
        parts: list[tuple] = []
        variables: list[str] = []
        pos = 0
        for m in _VARIABLE.finditer(text):
            if m.start() > pos:
                parts.append(("text", text[pos : m.start()]))
            body = m.group(1)
            if body in _ESCAPES:
                parts.append(("lit", _ESCAPES[body]))
            else:
                vm = _VARIABLE_BODY.match(body)
                if vm is None:  # not a variable (e.g. "${}"): literal text, as IAM leaves it
                    parts.append(("text", m.group(0)))
                else:
                    key, default = vm.group(1), vm.group(2)
                    parts.append(("var", key.lower(), key, default))
                    variables.append(key)
            pos = m.end()
        if pos < len(text):
            parts.append(("text", text[pos:]))
        return cls(text, tuple(parts), tuple(variables))

    def resolve(self, context: dict) -> tuple[Piece, ...] | None:
        """The pieces with variables replaced; ``None`` if a variable can't be resolved.

        ``context`` maps lower-case key names to a single value (str) or to something else
        (a list: multivalued keys can't be used as variables).
        """
        out: list[Piece] = []
        for part in self.parts:
            kind = part[0]
            if kind == "text":
                out.append((part[1], False))
            elif kind == "lit":
                out.append((part[1], True))
            else:
                value = context.get(part[1])
                if isinstance(value, str):
                    out.append((value, True))
                elif part[3] is not None:
                    out.append((part[3], True))
                else:
                    return None
        return tuple(out)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


def has_variables(text: str) -> bool:
    """True if ``text`` contains ``${…}`` (a variable or an escape)."""
    return "${" in text


def join(pieces: tuple[Piece, ...]) -> str:
    """The plain text of resolved pieces (for the Equals operators)."""
    return "".join(p for p, _ in pieces)


def _glob(text: str, star: str, one: str) -> str:
    out = []
    for ch in text:
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(one)
        else:
            out.append(re.escape(ch))
    return "".join(out)


def glob_match(pattern: str, text: str) -> bool:
    """Whether ``text`` matches the wildcard ``pattern`` (``*`` any run of characters, ``?`` exactly one).

    >>> glob_match("lambda:get*", "lambda:getfunction"), glob_match("lambda:*config*", "lambda:getpolicy")
    (True, False)
    >>> glob_match("ec2:run?nstances", "ec2:runinstances")
    True
    """
    if "?" in pattern:
        return like_regex(plain(pattern)).fullmatch(text) is not None
    parts = pattern.split("*")
    if len(parts) == 1:
        return pattern == text
    first, last = parts[0], parts[-1]
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    pos, end = len(first), len(text) - len(last)
    for middle in parts[1:-1]:
        if middle:
            found = text.find(middle, pos, end)
            if found < 0:
                return False
            pos = found + len(middle)
    return True


def arn_match(pattern: str, arn: str) -> bool:
    """Whether ``arn`` matches the ARN ``pattern`` (no policy variables) with the rules of :func:`arn_regex`.

    >>> arn_match("arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:111122223333:finance/a:b")
    True
    >>> arn_match("arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:999999999999:x:111122223333:finance/a")
    False
    """
    if "*" not in pattern and "?" not in pattern:
        return pattern == arn
    last = min(5, pattern.count(":"))
    pattern_segments, arn_segments = pattern.split(":", last), arn.split(":", last)
    if len(pattern_segments) != len(arn_segments):
        return False
    return all(glob_match(p, a) for p, a in zip(pattern_segments, arn_segments, strict=False))


@lru_cache(maxsize=16384)
def like_regex(pieces: tuple[Piece, ...], ignore_case: bool = False) -> re.Pattern:
    """Regex for a ``StringLike``/Action pattern: ``*`` any run (also across ``:`` and ``/``), ``?`` one char.

    >>> bool(like_regex((("lambda:Create*", False),)).fullmatch("lambda:CreateFunction"))
    True
    >>> bool(like_regex((("a*", True),)).fullmatch("abc"))   # a literal '*' (from ${*} or a variable)
    False
    """
    body = "".join(re.escape(t) if lit else _glob(t, ".*", ".") for t, lit in pieces)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@lru_cache(maxsize=16384)
def arn_regex(pieces: tuple[Piece, ...]) -> re.Pattern:
    """Regex for an ARN pattern (Resource element, ``ArnLike``/``ArnEquals``).

    Each colon-separated segment is matched on its own: a wildcard does not cross a colon, except in
    the pattern's last segment (the resource part after the fifth colon may itself contain colons).

    >>> r = arn_regex((("arn:aws:someservice:*:111122223333:finance/*", False),))
    >>> bool(r.fullmatch("arn:aws:someservice:us-east-2:111122223333:finance/doc.txt"))
    True
    >>> bool(r.fullmatch("arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/doc.txt"))
    False
    """
    total_colons = sum(t.count(":") for t, _ in pieces)
    last = min(5, total_colons)
    seen = 0
    out = []
    for text, literal in pieces:
        for ch in text:
            if ch == ":":
                seen += 1
                out.append(":")
            elif not literal and ch in "*?":
                free = seen >= last
                if ch == "*":
                    out.append(".*" if free else "[^:]*")
                else:
                    out.append("." if free else "[^:]")
            else:
                out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def plain(text: str) -> tuple[Piece, ...]:
    """Pieces for text without variables (wildcards active)."""
    return ((text, False),)


@lru_cache(maxsize=1024)
def any_like_regex(texts: tuple[str, ...]) -> re.Pattern:
    """One regex matching any of several wildcard patterns (``*``/``?``), e.g. the Action list of a statement.

    >>> bool(any_like_regex(("lambda:get*", "lambda:list*")).fullmatch("lambda:listfunctions"))
    True
    """
    return re.compile("|".join(f"(?:{_glob(t, '.*', '.')})" for t in texts), re.DOTALL)
