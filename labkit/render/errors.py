"""Errors of the pictures (re-exported by ``labkit.errors``)."""

from __future__ import annotations

from labkit.errors import LabkitError

#: How to install ``dot``, one command per platform.
INSTALL_COMMANDS = (
    ("Debian/Ubuntu", "sudo apt-get install graphviz"),
    ("macOS", "brew install graphviz"),
    ("conda", "conda install graphviz"),
)

INSTALL_HINT = "; ".join(f"{cmd} ({where})" for where, cmd in INSTALL_COMMANDS)


class GraphvizMissingError(LabkitError, RuntimeError):
    """graphviz's ``dot`` program is not installed, so a picture can't be rendered."""
