"""``Picture``: a ``graphviz.Digraph`` that says what it shows and turns a missing ``dot`` into a labkit error.

In a notebook a picture displays as HTML that carries its own text alternative: a ``<figure>`` holding the
inline SVG (``role="img"``, with a ``<title>`` and a ``<desc>`` saying in sentences what is drawn and the
trace's result) and a ``<figcaption>`` with the same sentences. The SVG is scaled down to the notebook's
width, never cropped (``max-width: 100%``, height kept in proportion). JupyterLab renders the richest output
it knows, ranking ``text/html`` before ``image/svg+xml`` (which it would show as an ``<img>`` without
alternative text), so the bundle carries both and the accessible one is shown.
"""

from __future__ import annotations

import html
import itertools
import re

import graphviz

from labkit.render import wasm as _wasm
from labkit.render.dot import missing_message
from labkit.render.errors import GraphvizMissingError

_wasm.install()  # a `dot` that can't start (or none, in a browser) → GraphvizMissingError or WebAssembly

__all__ = ["Picture"]


class Picture(graphviz.Digraph):
    """A ``graphviz.Digraph`` that says what it shows and explains a missing ``dot``.

    ``picture.source`` is the DOT text (no ``dot`` needed). Rendering — Jupyter's display,
    ``pipe()``, ``render()``, ``view()`` — raises ``GraphvizMissingError`` when ``dot`` is missing.
    """

    def __init__(self, *args, summary: str = "", description: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.summary = summary
        self.description = description or (
            f"A picture of the network: {summary}." if summary else "A picture of the network."
        )

    def _copy_kwargs(self, **kwargs):
        out = super()._copy_kwargs(**kwargs)
        out["summary"] = self.summary
        out["description"] = self.description
        return out

    def figure_html(self, svg: str | None = None) -> str:
        """The picture as an accessible HTML figure (see the module docstring); ``svg``: already rendered."""
        svg = svg if svg is not None else self.pipe(format="svg", encoding="utf-8")
        return accessible_figure(svg, self.description)

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
            bundle = super()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
            svg = bundle.get("image/svg+xml") or self.pipe(format="svg", encoding="utf-8")
        except (graphviz.ExecutableNotFound, GraphvizMissingError):
            self._missing_reported = True
            raise GraphvizMissingError(missing_message()) from None
        # text/html first: the figure with its text alternative is what a notebook shows
        return {"text/html": accessible_figure(svg, self.description), **bundle}

    def _repr_svg_(self) -> str | None:
        if getattr(self, "_missing_reported", False):
            # IPython asks for SVG right after the bundle failed: the error is already on screen once.
            self._missing_reported = False
            return None
        return self.pipe(format="svg", encoding="utf-8")


_IDS = itertools.count(1)
_SVG_OPEN = re.compile(r"<svg\b([^>]*)>", re.S)


def accessible_figure(svg: str, description: str) -> str:
    """``svg`` (graphviz's output) as an HTML ``<figure>``: inline, ``role="img"`` with a ``<title>`` and a
    ``<desc>`` (``description``), scaled down to the available width, and a ``<figcaption>``."""
    n = next(_IDS)
    title_id, desc_id = f"labkit-picture-{n}-title", f"labkit-picture-{n}-desc"
    body = svg[svg.find("<svg") :] if "<svg" in svg else svg  # no XML prolog or doctype inside HTML
    e = html.escape
    match = _SVG_OPEN.search(body)
    if match is None:
        raise ValueError("not an SVG document")
    attrs = match.group(1)
    opening = (
        f'<svg{attrs} role="img" aria-labelledby="{title_id} {desc_id}" '
        'style="max-width:100%;height:auto">'
        f'<title id="{title_id}">Network picture</title><desc id="{desc_id}">{e(description)}</desc>'
    )
    body = body[: match.start()] + opening + body[match.end() :]
    return (
        f'<figure class="labkit-picture" style="margin:0;max-width:100%;overflow:visible">{body}'
        f'<figcaption class="labkit-picture-caption">{e(description)}</figcaption></figure>'
    )
