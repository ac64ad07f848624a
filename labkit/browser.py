"""labkit in a browser (JupyterLite's Pyodide kernel): imports that don't wait on the page.

JupyterLite starts its kernel in its drive (``/drive``), the folder the file browser shows. The drive is
not in the kernel's memory: every look-up there is a synchronous request from the kernel's Web Worker to
the page. Python looks for each module it imports in the working folder first (``''`` at the front of
``sys.path``), so each of the several hundred modules the lab imports (moto, boto3, botocore…) asked
the page once before being found in site-packages: about 2 s of lesson 00, measured in chromium.

When labkit is imported there, it moves the working folder's entries to the END of ``sys.path``:
installed packages are found without asking the page, and a learner's own module in the working folder
still imports (unless an installed package has the same name). Nothing changes outside the drive or
outside a browser.
"""

from __future__ import annotations

import os
import sys

#: Where JupyterLite's Pyodide kernel mounts its contents drive.
DRIVE = "/drive"


def in_browser() -> bool:
    """True inside Pyodide (a JupyterLite kernel, or Pyodide under node)."""
    return sys.platform == "emscripten"


def working_folder_last() -> bool:
    """Move the working folder's ``sys.path`` entries last when it is JupyterLite's drive; True if moved."""
    if not in_browser():
        return False
    cwd = os.getcwd()
    if cwd != DRIVE and not cwd.startswith(DRIVE + "/"):
        return False
    here = [p for p in sys.path if p in ("", ".", cwd)]
    if not here or sys.path[-len(here) :] == here:
        return False
    sys.path[:] = [p for p in sys.path if p not in here] + here
    return True
