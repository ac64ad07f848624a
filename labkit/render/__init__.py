"""Pictures and other views of labkit's answers. ``lk.draw`` lives in ``labkit.render.draw``.

Rooms: ``draw`` (what of the topology to draw), ``scene`` (the picture's nodes and edges, written as
DOT), ``highlight`` (a trace painted on a scene), ``labels`` (node names, words, shapes, the text
alternative), ``picture`` (``Picture``: the accessible HTML figure), ``palette`` (the one set of colours),
``dot`` (the native ``dot`` program), ``wasm`` (graphviz in WebAssembly, in a browser), ``errors``.

``dot_available()`` says whether graphviz's ``dot`` program (needed to show a picture) is installed.
"""

from labkit.render.dot import INSTALL_HINT, dot_available, dot_version

__all__ = ["INSTALL_HINT", "dot_available", "dot_version"]
