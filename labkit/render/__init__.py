"""Pictures and other views of labkit's answers. ``lk.draw`` lives in ``labkit.render.draw``.

``dot_available()`` says whether graphviz's ``dot`` program (needed to show a picture) is installed.
"""

from labkit.render.dot import INSTALL_HINT, dot_available, dot_version

__all__ = ["INSTALL_HINT", "dot_available", "dot_version"]
