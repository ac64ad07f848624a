"""Pictures without the ``dot`` program: graphviz compiled to WebAssembly, run inside the kernel.

In a browser (JupyterLite's Pyodide kernel) there is no ``dot`` program and no way to start one:
``subprocess`` raises ``OSError: emscripten does not support processes``. There, labkit draws with
graphviz compiled to WebAssembly (the ``@hpcc-js/wasm-graphviz`` bundle, graphviz 16, whose wasm is
inlined in one JavaScript file). ``make lite`` puts that file into the labkit wheel it builds for the
site, as ``labkit/render/_wasm/graphviz.js``; nothing is fetched from the internet.

How it plugs in: ``install()`` (called once when the first picture is made, or in a browser when
``labkit.render.dot`` is imported) wraps the function
through which the ``graphviz`` package runs ``dot`` (``graphviz.backend.execute.run_check``). A pipe
to SVG (what Jupyter's display, ``pipe()`` and ``_repr_svg_`` ask for) goes to the WebAssembly engine
when there is no ``dot`` and the engine is there; the notebook gets the same output as with ``dot``
(an ``image/svg+xml`` picture). Anything else is left to ``dot``, and an ``OSError`` from starting it
becomes ``GraphvizMissingError`` with the fix, never a raw traceback.

The engine loads asynchronously (WebAssembly is compiled in the background) when labkit is imported in
Pyodide; the lessons draw several cells later. A picture asked for before the engine is ready waits for
it where the browser can (JSPI, ``pyodide.ffi.run_sync``), else says to run the cell again.

On CPython this module changes nothing unless ``dot`` fails to start.
"""

from __future__ import annotations

import base64
import errno
import subprocess
from importlib import resources

#: Where ``make lite`` puts the engine inside the labkit package.
ENGINE_DIR = "_wasm"
ENGINE_FILE = "graphviz.js"
#: Output formats the WebAssembly engine writes (text formats; no PNG/PDF without cairo).
TEXT_FORMATS = ("svg", "dot", "xdot", "json", "plain", "plain-ext", "canon")

_state: dict = {"installed": False, "engine": None, "promise": None, "error": None, "message": None}


def _missing(message: str):
    """A GraphvizMissingError, its message kept so ``dot.missing_message()`` repeats it when re-raised."""
    from labkit.render.errors import GraphvizMissingError

    _state["message"] = message
    return GraphvizMissingError(message)


def last_message() -> str | None:
    """The message of the last GraphvizMissingError raised here (for ``dot.missing_message``)."""
    return _state["message"]


def in_browser() -> bool:
    """True inside Pyodide (a JupyterLite kernel, or Pyodide under node)."""
    from labkit.browser import in_browser

    return in_browser()


def engine_source() -> bytes | None:
    """The engine's JavaScript (wasm inlined), or None when this copy of labkit has none."""
    try:
        return (resources.files("labkit.render") / ENGINE_DIR / ENGINE_FILE).read_bytes()
    except (FileNotFoundError, NotADirectoryError, OSError):
        return None


def available() -> bool:
    """True when pictures can be drawn here without ``dot`` (Pyodide with the engine bundled)."""
    return in_browser() and (_state["engine"] is not None or engine_source() is not None)


def ready() -> bool:
    """True once the engine is loaded and can draw synchronously."""
    return _state["engine"] is not None


def start_loading() -> bool:
    """Start loading the engine in the background (Pyodide only, once). True when loading or loaded."""
    if _state["engine"] is not None or _state["promise"] is not None:
        return True
    if not in_browser():
        return False
    source = engine_source()
    if source is None:
        return False
    from pyodide.code import run_js  # type: ignore[import-not-found]  # only exists in Pyodide
    from pyodide.ffi import create_once_callable  # type: ignore[import-not-found]

    url = "data:text/javascript;base64," + base64.b64encode(source).decode("ascii")
    load = run_js("(url) => import(url).then((m) => m.Graphviz.load())")

    def loaded(engine):
        _state["engine"] = engine

    def failed(error):
        _state["error"] = str(error)

    promise = load(url)
    promise.then(create_once_callable(loaded), create_once_callable(failed))
    _state["promise"] = promise
    return True


def _wait_for_engine():
    """The loaded engine; waits where the browser can, else raises GraphvizMissingError."""
    if _state["engine"] is not None:
        return _state["engine"]
    if not start_loading():
        raise _missing(no_engine_message())
    if _state["error"]:
        raise _missing(
            f"graphviz (WebAssembly) could not be loaded: {_state['error']}. "
            "Restart the kernel and run the notebook again."
        )
    import pyodide.ffi  # type: ignore[import-not-found]  # only exists in Pyodide

    can_run_sync = getattr(pyodide.ffi, "can_run_sync", lambda: False)
    if can_run_sync():
        _state["engine"] = pyodide.ffi.run_sync(_state["promise"])
        return _state["engine"]
    raise _missing(
        "The picture engine (graphviz compiled to WebAssembly) is still loading: run this cell again in a "
        "moment. The picture's DOT text is already available as picture.source."
    )


def render(source: str | bytes, format: str = "svg", engine: str = "dot") -> str:
    """DOT text → ``format`` (SVG by default), drawn by the WebAssembly engine.

    Raises ``GraphvizMissingError`` when there is no engine here, ``ValueError`` for a format the engine
    does not write, and graphviz's ``CalledProcessError`` when graphviz refuses the DOT text (as ``dot``
    would).
    """
    if format not in TEXT_FORMATS:
        raise ValueError(
            f"graphviz compiled to WebAssembly writes only {', '.join(TEXT_FORMATS)}, "
            f"not {format!r}; ask for format='svg'."
        )
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    gv = _wait_for_engine()
    try:
        return str(gv.layout(source, format, engine))
    except Exception as exc:  # a JsException: graphviz's own error text
        import graphviz

        raise graphviz.CalledProcessError(1, ["dot", f"-K{engine}", f"-T{format}"], stderr=str(exc)) from None


def no_engine_message() -> str:
    """Why there is no picture in a browser copy of labkit without the engine, and what to do."""
    return (
        "graphviz's 'dot' program can't run in this browser kernel, and this copy of labkit has no "
        "WebAssembly graphviz. Install labkit from the lab's own site (the first cell of each "
        "lesson: %pip install labkit), which includes it. The picture's DOT text is still available "
        "as picture.source."
    )


def oserror_message(exc: OSError) -> str:
    """``GraphvizMissingError``'s message for a ``dot`` that exists but could not be started."""
    from labkit.render.errors import INSTALL_HINT

    if in_browser():
        if engine_source() is not None:
            return (
                "In a browser labkit draws pictures with graphviz compiled to WebAssembly, which writes "
                f"text formats only ({', '.join(TEXT_FORMATS)}): ask for format='svg'."
            )
        return no_engine_message()
    return (
        f"graphviz's 'dot' program could not be started ({exc.strerror or exc}), so the picture can't "
        f"be drawn. Check that 'dot' on PATH is graphviz's and runs (dot -V), or reinstall it: "
        f"{INSTALL_HINT}; then restart the Jupyter kernel. The picture's DOT text is still available "
        "as picture.source."
    )


# ------------------------------------------------------------------------------------------- hook


def _pipe_job(cmd, kwargs, input_lines=None) -> tuple[str, str] | None:
    """(engine, format) when ``cmd`` pipes DOT text in and reads the picture from stdout, else None."""
    if ("input" not in kwargs and input_lines is None) or not kwargs.get("capture_output"):
        return None
    args = [str(a) for a in cmd]
    engine = next((a[2:] for a in args[1:] if a.startswith("-K")), None)
    formats = [a[2:] for a in args[1:] if a.startswith("-T")]
    others = [a for a in args[1:] if not a.startswith(("-K", "-T"))]
    if engine is None or len(formats) != 1 or others or ":" in formats[0] or formats[0] not in TEXT_FORMATS:
        return None
    return engine, formats[0]


def _completed(cmd, job, data, input_lines, encoding):
    engine, fmt = job
    if data is None:  # graphviz streams the DOT text as lines (str with an encoding, else bytes)
        lines = list(input_lines)
        data = b"".join(lines) if lines and isinstance(lines[0], bytes) else "".join(lines)
    text = render(data, fmt, engine)
    if encoding is None:
        return subprocess.CompletedProcess(cmd, 0, stdout=text.encode("utf-8"), stderr=b"")
    return subprocess.CompletedProcess(cmd, 0, stdout=text.encode("utf-8").decode(encoding), stderr="")


def install() -> None:
    """Wrap graphviz's ``run_check`` once (see the module's docstring); start loading in Pyodide."""
    if _state["installed"]:
        return
    try:
        from graphviz.backend import execute
    except ImportError:  # no graphviz package: nothing to render with anyway
        return
    original = execute.run_check

    def run_check(cmd, *, input_lines=None, encoding=None, quiet=False, **kwargs):
        _state["message"] = None
        job = _pipe_job(cmd, kwargs, input_lines)
        if job is not None and in_browser():
            return _completed(cmd, job, kwargs.get("input"), input_lines, encoding)
        try:
            return original(cmd, input_lines=input_lines, encoding=encoding, quiet=quiet, **kwargs)
        except execute.ExecutableNotFound:
            raise
        except OSError as exc:
            if in_browser() or exc.errno != errno.ENOENT:
                raise _missing(oserror_message(exc)) from None
            raise

    run_check.__wrapped__ = original  # type: ignore[attr-defined]  # functools.wraps style, for unpatching
    execute.run_check = run_check
    _state["installed"] = True
    start_loading()
