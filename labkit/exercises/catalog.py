"""The catalogue: ``register`` (a class decorator), ``catalog()`` (the exercises as a table) and ``get(id)``.

The catalogue knows no exercise by name: every module of ``labkit.exercises.topics`` is imported on first
use, and each registers its exercises with ``@register``. A new topic module is picked up by being there.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
from dataclasses import dataclass

from labkit.errors import did_you_mean
from labkit.exercises.core import Exercise
from labkit.exercises.errors import UnknownExerciseError

TOPICS = ("permissions", "states", "conditions", "reachability")
DIFFICULTIES = ("intro", "core", "challenge")
TOPICS_PACKAGE = "labkit.exercises.topics"


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    title: str
    topic: str
    difficulty: str
    uses_lab: bool = False


class Catalog(tuple[CatalogEntry, ...]):
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
            f"<td>{e(x.difficulty)}</td><td>{'yes' if x.uses_lab else ''}</td></tr>"
            for x in self
        )
        return (
            '<table class="labkit-catalog"><thead><tr><th>id</th><th>title</th><th>topic</th>'
            f"<th>difficulty</th><th>lab</th></tr></thead><tbody>{rows}</tbody></table>"
        )


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
    """Import every topic module (each registers its exercises)."""
    package = importlib.import_module(TOPICS_PACKAGE)
    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")):
        importlib.import_module(f"{TOPICS_PACKAGE}.{module}")


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
        raise UnknownExerciseError(
            f"No exercise {exercise_id!r}."
            + did_you_mean(str(exercise_id), _REGISTRY, n=1, form=" Did you mean {}?", quote=True)
            + f" The exercises are: {', '.join(catalog().ids())} (lk.exercises.catalog() shows them as a table)."
        )
    return _REGISTRY[exercise_id]()
