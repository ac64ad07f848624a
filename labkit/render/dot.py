"""graphviz's ``dot`` program: is it installed, which version, and how to install it.

Kept free of the ``graphviz`` Python package so that ``labkit doctor`` can use it on a broken setup.
Where there is no ``dot`` to run (a browser), ``labkit.render.wasm`` draws instead: importing this
module hooks it in (see the end of this file).
"""

from __future__ import annotations

import re
import shutil
import subprocess

from labkit.render import wasm as _wasm
from labkit.render.errors import INSTALL_COMMANDS, INSTALL_HINT

__all__ = ["INSTALL_COMMANDS", "INSTALL_HINT", "dot_available", "dot_path", "dot_version", "missing_message"]


def missing_message() -> str:
    """The message of ``GraphvizMissingError``: what is missing and how to install it.

    After a failure that has its own message (``dot`` could not start; in a browser, the WebAssembly
    engine is missing or still loading), that message.
    """
    last = _wasm.last_message()
    if last:
        return last
    if _wasm.in_browser():
        return _wasm.no_engine_message()
    return (
        "graphviz's 'dot' program is not installed (or not on PATH), so the picture can't be drawn. "
        f"Install it: {INSTALL_HINT}; then restart the Jupyter kernel. "
        "The picture's DOT text is still available as picture.source."
    )


def dot_path() -> str | None:
    """The path of the ``dot`` program on PATH, or None."""
    return shutil.which("dot")


def dot_available() -> bool:
    """True when pictures can be shown: graphviz's ``dot`` program is on PATH, or, in a browser kernel,
    labkit's graphviz compiled to WebAssembly draws them (``labkit.render.wasm``)."""
    return dot_path() is not None or _wasm.available()


def dot_version(path: str | None = None) -> str | None:
    """``dot``'s version ("2.43.0"), or None when it is missing or does not answer.

    >>> dot_version("/nonexistent/dot") is None
    True
    """
    path = path or dot_path()
    if not path:
        return None
    try:
        done = subprocess.run([path, "-V"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"version\s+(\S+)", done.stderr + done.stdout)
    return found.group(1) if found else None


# Pictures without `dot`: graphviz compiled to WebAssembly in a browser kernel; an OSError from starting
# `dot` becomes GraphvizMissingError. In a browser the hook goes in now (the engine starts loading while
# the lesson's first cells run); elsewhere when the first picture is made (labkit.render.picture), so
# `import labkit` does not load graphviz.
if _wasm.in_browser():
    _wasm.install()
