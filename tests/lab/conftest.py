"""Shared fixtures of the lab tests.

``lab``: one offline lab (``lk.Lab()``) for all the tests of a module, closed after the last one. A module
that needs a lab set up differently defines its own ``lab`` fixture, which takes precedence.
"""

from __future__ import annotations

import pytest

import labkit as lk


@pytest.fixture(scope="module")
def lab():
    with lk.Lab() as lab:
        yield lab
