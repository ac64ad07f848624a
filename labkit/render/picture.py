"""``Picture``: a ``graphviz.Digraph`` that says what it shows and turns a missing ``dot`` into a labkit error."""

from __future__ import annotations

import graphviz

from labkit.errors import GraphvizMissingError
from labkit.render.dot import missing_message

__all__ = ["Picture"]


class Picture(graphviz.Digraph):
    """A ``graphviz.Digraph`` that says what it shows and explains a missing ``dot``.

    ``picture.source`` is the DOT text (no ``dot`` needed). Rendering — Jupyter's display,
    ``pipe()``, ``render()``, ``view()`` — raises ``GraphvizMissingError`` when ``dot`` is missing.
    """

    def __init__(self, *args, summary: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.summary = summary

    def _copy_kwargs(self, **kwargs):
        out = super()._copy_kwargs(**kwargs)
        out["summary"] = self.summary
        return out

    def __repr__(self) -> str:
        return f"<labkit picture: {self.summary}>" if self.summary else "<labkit picture>"

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizMissingError(missing_message()) from None

    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizMissingError(missing_message()) from None

    def view(self, *args, **kwargs):
        try:
            return super().view(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizMissingError(missing_message()) from None

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        self._missing_reported = False
        try:
            return super()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        except (graphviz.ExecutableNotFound, GraphvizMissingError):
            self._missing_reported = True
            raise GraphvizMissingError(missing_message()) from None

    def _repr_svg_(self) -> str | None:
        if getattr(self, "_missing_reported", False):
            # IPython asks for SVG right after the bundle failed: the error is already on screen once.
            self._missing_reported = False
            return None
        return self.pipe(format="svg", encoding="utf-8")
