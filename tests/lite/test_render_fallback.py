"""Pictures without a working ``dot`` on CPython: clear errors, never a raw traceback.

The WebAssembly engine itself only runs in Pyodide: tests/lite/test_pyodide.py draws with it there.
"""

import os
import shutil
import stat
from pathlib import Path

import graphviz
import pytest

import labkit as lk
from labkit.errors import GraphvizMissingError
from labkit.render import wasm
from labkit.vpc.model import InternetGateway, Route, RouteTable, Subnet, Topology, Vpc


def picture():
    topo = Topology(
        vpcs=(Vpc("vpc-1", ("10.0.0.0/16",), name="lab"),),
        subnets=(Subnet("subnet-1", "vpc-1", "10.0.1.0/24", "us-east-1a"),),
        route_tables=(
            RouteTable(
                "rtb-1",
                "vpc-1",
                is_main=True,
                routes=(Route("10.0.0.0/16", "local", "local"), Route("0.0.0.0/0", "igw", "igw-1")),
            ),
        ),
        internet_gateways=(InternetGateway("igw-1", ("vpc-1",)),),
    )
    return lk.draw(topo)


@pytest.fixture
def broken_dot(monkeypatch, tmp_path):
    """A PATH whose only ``dot`` can't be started (not executable): an OSError other than 'not found'."""
    dot = tmp_path / "dot"
    dot.write_text("#!/bin/sh\necho never\n")
    os.chmod(dot, stat.S_IRUSR | stat.S_IWUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    "render",
    [
        lambda p: p._repr_mimebundle_(),
        lambda p: p.pipe(format="svg"),
        lambda p: graphviz.Source(p.source).pipe(format="svg"),  # any graphviz picture, not only labkit's
    ],
    ids=["mimebundle", "pipe", "plain-graphviz"],
)
def test_a_dot_that_cannot_start_becomes_graphviz_missing_error(broken_dot, render):
    with pytest.raises(GraphvizMissingError) as err:
        render(picture())
    message = str(err.value)
    assert "could not be started" in message
    assert "apt-get install graphviz" in message and "picture.source" in message
    assert isinstance(err.value, RuntimeError)


def test_without_dot_on_cpython_pictures_are_not_available(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None
    assert wasm.in_browser() is False and wasm.available() is False
    assert lk.render.dot_available() is False
    with pytest.raises(GraphvizMissingError, match="apt-get install graphviz"):
        picture()._repr_mimebundle_()


def test_the_hook_wraps_graphviz_once_and_keeps_the_original():
    from graphviz.backend import execute

    wasm.install()
    wasm.install()
    assert execute.run_check.__wrapped__ is not None
    assert not hasattr(execute.run_check.__wrapped__, "__wrapped__")


@pytest.mark.parametrize(
    "cmd, kwargs, job",
    [
        (["dot", "-Kdot", "-Tsvg"], {"input": b"graph {}", "capture_output": True}, ("dot", "svg")),
        (["dot", "-Kneato", "-Tjson"], {"input": b"graph {}", "capture_output": True}, ("neato", "json")),
        (["dot", "-Kdot", "-Tpng"], {"input": b"graph {}", "capture_output": True}, None),  # no PNG in wasm
        (["dot", "-Kdot", "-Tsvg:cairo"], {"input": b"graph {}", "capture_output": True}, None),
        (["dot", "-Kdot", "-Tsvg", "-O", "x.gv"], {"capture_output": True}, None),  # render to a file
    ],
)
def test_only_pipes_to_text_formats_go_to_the_wasm_engine(cmd, kwargs, job):
    assert wasm._pipe_job(cmd, kwargs) == job


def test_graphviz_streams_the_dot_text_as_lines_and_that_is_a_pipe_too():
    cmd = [Path("dot"), "-Kdot", "-Tsvg"]  # what graphviz 0.21 passes for picture.pipe(format="svg")
    assert wasm._pipe_job(cmd, {"capture_output": True, "encoding": "utf-8"}, iter(["graph {}"])) == ("dot", "svg")


def test_render_without_an_engine_says_where_to_get_one():
    with pytest.raises(GraphvizMissingError, match="%pip install labkit"):
        wasm.render("digraph { a -> b }")
    with pytest.raises(ValueError, match="format='svg'"):
        wasm.render("digraph { a -> b }", format="png")
