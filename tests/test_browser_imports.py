"""labkit.browser: in JupyterLite, imports look in site-packages before the page's drive."""

import sys

import pytest

from labkit import browser

SITE = ["/lib/python314.zip", "/lib/python3.14/site-packages"]


@pytest.fixture
def kernel(monkeypatch):
    """A JupyterLite kernel's view: emscripten, working in the drive, '' first on sys.path."""
    path = ["", *SITE]
    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setattr(sys, "path", path)
    monkeypatch.setattr(browser.os, "getcwd", lambda: "/drive/lessons")
    return path


def test_the_working_folder_goes_last_in_the_drive(kernel):
    assert browser.working_folder_last() is True
    assert sys.path == [*SITE, ""]
    assert browser.working_folder_last() is False  # once is enough
    assert sys.path == [*SITE, ""]


def test_every_spelling_of_the_working_folder_moves_and_nothing_else(kernel, monkeypatch):
    monkeypatch.setattr(sys, "path", ["", SITE[0], ".", "/drive/lessons", "/drive/other", SITE[1]])
    assert browser.working_folder_last() is True
    assert sys.path == [SITE[0], "/drive/other", SITE[1], "", ".", "/drive/lessons"]


@pytest.mark.parametrize("cwd", ["/home/pyodide", "/drivers", "/tmp/drive"])
def test_outside_the_drive_nothing_changes(kernel, monkeypatch, cwd):
    monkeypatch.setattr(browser.os, "getcwd", lambda: cwd)
    assert browser.working_folder_last() is False
    assert sys.path == ["", *SITE]


def test_on_cpython_nothing_changes(kernel, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert browser.working_folder_last() is False
    assert sys.path == ["", *SITE]
