"""graphviz's ``dot`` program: is it installed, which version, and how to install it.

Kept free of the ``graphviz`` Python package so that ``labkit doctor`` can use it on a broken setup.
"""

from __future__ import annotations

import re
import shutil
import subprocess

#: How to install ``dot``, one command per platform.
INSTALL_COMMANDS = (
    ("Debian/Ubuntu", "sudo apt-get install graphviz"),
    ("macOS", "brew install graphviz"),
    ("conda", "conda install graphviz"),
)

INSTALL_HINT = "; ".join(f"{cmd} ({where})" for where, cmd in INSTALL_COMMANDS)


def missing_message() -> str:
    """The message of ``GraphvizMissingError``: what is missing and how to install it."""
    return (
        "graphviz's 'dot' program is not installed (or not on PATH), so the picture can't be drawn. "
        f"Install it: {INSTALL_HINT}; then restart the Jupyter kernel. "
        "The picture's DOT text is still available as picture.source."
    )


def dot_path() -> str | None:
    """The path of the ``dot`` program on PATH, or None."""
    return shutil.which("dot")


def dot_available() -> bool:
    """True when graphviz's ``dot`` program is on PATH (pictures can be shown)."""
    return dot_path() is not None


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
