"""Execution environments: a function's unpacked code, its modules between invocations, its environment variables."""

from __future__ import annotations

import atexit
import contextlib
import datetime as _dt
import hashlib
import importlib
import io
import logging
import os
import shutil
import sys
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from labkit.awslambda.errors import DeploymentPackageError
from labkit.awslambda.runtime.logs import _LambdaLogHandler, _LogSink
from labkit.awslambda.runtime.payloads import InvokeRequestError, _Fault

__all__ = ["DeploymentPackageError", "discard_environments"]

#: Top-level modules that always come from the lab, even when a deployment package bundles its own copy:
#: the SDK (so that its calls reach the lab) and what it is built on. The standard library is added below.
_LAB_MODULES = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six", "moto", "labkit"}
)
_PROTECTED = _LAB_MODULES | frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names)


@dataclass
class _Environment:
    """A function's execution environment: its unpacked code and, once initialised, its modules."""

    function_arn: str
    code_sha: str
    config_key: tuple
    root: str
    top_names: frozenset
    bundled_lab_modules: tuple
    log_stream_name: str
    modules: dict | None = None  # None: not initialised (next invocation is a cold start)
    root_level: int = logging.WARNING
    root_handlers: list | None = None  # the root logger's handlers as the function left them (None: Lambda's only)
    busy: bool = False
    sink: _LogSink = None  # type: ignore[assignment]
    log_handler: _LambdaLogHandler = None  # type: ignore[assignment]


_ENVIRONMENTS: dict[str, _Environment] = {}
_ROOTS_IN_USE: dict[str, int] = {}  # unpacked directory → environments using it


def discard_environments(function_arn: str | None = None) -> None:
    """Forget a function's execution environment (all of them when ``function_arn`` is None).

    Its next invocation is a cold start. Call it when a function is deleted or the lab closes; the
    unpacked code is removed from disk."""
    arns = list(_ENVIRONMENTS) if function_arn is None else [function_arn]
    for arn in arns:
        env = _ENVIRONMENTS.pop(arn, None)
        if env is not None:
            _release_root(env.root)


def _release_root(root: str) -> None:
    count = _ROOTS_IN_USE.get(root, 0) - 1
    if count > 0:
        _ROOTS_IN_USE[root] = count
        return
    _ROOTS_IN_USE.pop(root, None)
    sys.path_importer_cache.pop(root, None)
    shutil.rmtree(root, ignore_errors=True)


atexit.register(discard_environments)


def _unpack(code_zip: bytes, function_name: str) -> tuple[str, frozenset, tuple]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(code_zip))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise DeploymentPackageError(
            f"The code of function {function_name!r} is not a valid .zip deployment package ({e}). "
            "Expected the bytes of a .zip archive with the handler's module at its root, e.g. built with "
            "zipfile.ZipFile(buffer, 'w').writestr('app.py', source)."
        ) from e
    root = tempfile.mkdtemp(prefix="labkit-task-")
    try:
        with archive:
            archive.extractall(root)
            names = archive.namelist()
    except (zipfile.BadZipFile, NotImplementedError, zlib.error, OSError, EOFError, ValueError) as e:
        shutil.rmtree(root, ignore_errors=True)
        raise DeploymentPackageError(
            f"The deployment package of function {function_name!r} can't be unpacked ({type(e).__name__}: {e}). "
            "Rebuild the .zip archive (deflate or stored compression) and deploy it again."
        ) from e
    tops = set()
    for name in names:
        first, sep, _ = name.partition("/")
        if not sep:  # a file at the root: app.py, app.pyc, fast.cpython-311-x86_64-linux-gnu.so
            if not first.endswith((".py", ".pyc", ".so", ".pyd")):
                continue
            first = first.partition(".")[0]
        if first.isidentifier():
            tops.add(first)
    bundled = tuple(sorted(t for t in tops if t in _LAB_MODULES))
    return root, frozenset(tops), bundled


def _environment_for(code_zip, handler, *, function_name, function_arn, timeout_s, memory_mb, environment):
    if not isinstance(code_zip, (bytes, bytearray, memoryview)):
        raise DeploymentPackageError(
            f"The code of function {function_name!r} must be the .zip file's bytes; got {type(code_zip).__name__}."
        )
    code_sha = hashlib.sha256(code_zip).hexdigest()
    # On AWS any configuration change (environment, memory, timeout, handler) brings new execution environments.
    config_key = (handler, timeout_s, memory_mb, tuple(sorted(environment.items())))
    env = _ENVIRONMENTS.get(function_arn)
    if env is not None and env.busy:
        # The function is invoked while it runs (it invokes itself): Lambda uses another execution environment.
        if env.code_sha == code_sha:
            return _new_environment(
                env.root, env.top_names, env.bundled_lab_modules, function_arn, code_sha, config_key
            ), False
        root, tops, bundled = _unpack(bytes(code_zip), function_name)
        return _new_environment(root, tops, bundled, function_arn, code_sha, config_key), False
    if env is not None and env.code_sha == code_sha:
        if env.config_key != config_key:
            env.modules = None
            env.config_key = config_key
            env.root_level = logging.WARNING
            env.root_handlers = None
            env.log_stream_name = _log_stream_name()
        return env, True
    root, tops, bundled = _unpack(bytes(code_zip), function_name)
    if env is not None:
        _release_root(env.root)
    env = _new_environment(root, tops, bundled, function_arn, code_sha, config_key)
    _ENVIRONMENTS[function_arn] = env
    return env, True


def _new_environment(root, tops, bundled, function_arn, code_sha, config_key) -> _Environment:
    _ROOTS_IN_USE[root] = _ROOTS_IN_USE.get(root, 0) + 1
    env = _Environment(
        function_arn=function_arn,
        code_sha=code_sha,
        config_key=config_key,
        root=root,
        top_names=tops,
        bundled_lab_modules=bundled,
        log_stream_name=_log_stream_name(),
    )
    env.sink = _LogSink()
    env.log_handler = _LambdaLogHandler(env.sink)
    return env


def _log_stream_name() -> str:
    day = _dt.datetime.now(_dt.UTC).strftime("%Y/%m/%d")
    return f"{day}/[$LATEST]{uuid.uuid4().hex}"


def _belongs(env: _Environment, name: str, module) -> bool:
    top = name.partition(".")[0]
    if top in env.top_names and top not in _PROTECTED:
        return True
    prefix = env.root + os.sep
    filename = getattr(module, "__file__", None)
    if isinstance(filename, str) and filename.startswith(prefix):
        return True
    paths = getattr(module, "__path__", None)
    try:
        return any(isinstance(p, str) and p.startswith(prefix) for p in (paths or ()))
    except TypeError:
        return False


def _enter_modules(env: _Environment) -> dict:
    saved = dict(sys.modules)
    for name in list(saved):
        top = name.partition(".")[0]
        if top in env.top_names and top not in _PROTECTED:
            del sys.modules[name]  # the caller's module of the same name; put back afterwards
    if env.modules:
        sys.modules.update(env.modules)
    return saved


def _exit_modules(env: _Environment, saved: dict) -> dict:
    own = {}
    modules = sys.modules
    for name, module in list(modules.items()):
        if saved.get(name) is module:
            continue
        if _belongs(env, name, module):
            own[name] = module
            del modules[name]
        # else: a library imported for the first time stays loaded (like any import); a replaced one is put back
    for name, module in saved.items():
        if modules.get(name) is not module:
            modules[name] = module
    return own


_CALLER_AWS_VARIABLES = ("AWS_", "_X_AMZN_", "LAMBDA_")


def _function_environ(
    env: _Environment,
    base: dict,
    *,
    handler,
    function_name,
    function_arn,
    memory_mb,
    environment,
    region,
    account,
    credentials,
    log_group_name,
) -> dict:
    new = {k: v for k, v in base.items() if not k.startswith(_CALLER_AWS_VARIABLES) and k != "_HANDLER"}
    for key, value in environment.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvokeRequestError(
                f"Environment variables of function {function_name!r} must be strings; got {key!r}: {value!r}."
            )
        new[key] = value
    new.update(
        {
            "_HANDLER": handler,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": env.log_stream_name,
            "LAMBDA_TASK_ROOT": env.root,
            # No shared config or credentials files on Lambda: sessions the handler creates see only this environment.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            # The lab's account for every request, whichever session the handler builds.
            "MOTO_ACCOUNT_ID": account,
        }
    )
    if credentials is not None:
        new["AWS_ACCESS_KEY_ID"] = new["AWS_ACCESS_KEY"] = credentials.access_key
        new["AWS_SECRET_ACCESS_KEY"] = credentials.secret_key
        if credentials.token:
            new["AWS_SESSION_TOKEN"] = credentials.token
    return new


def _set_environ(target: dict) -> None:
    environ = os.environ
    for key in [k for k in environ if k not in target]:
        del environ[key]
    for key, value in target.items():
        if environ.get(key) != value:
            environ[key] = value


def _load_handler(handler: str, env: _Environment):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise _Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}") from None
    if modname.split(".")[0] in sys.builtin_module_names:
        raise _Fault("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {modname} as a handler module")
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise _Fault("Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}") from None
    except SyntaxError as e:
        filename = e.filename or ""
        if filename.startswith(env.root + os.sep):
            filename = "/var/task/" + filename[len(env.root) + 1 :]
        text = (e.text or "").rstrip("\n")
        raise _Fault(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{modname}': {e}",
            [f'  File "{filename}" Line {e.lineno}\n    {text}'],
        ) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise _Fault("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'") from None


# Each context manager below changes one piece of the process's state for an invocation and puts it back.


@contextlib.contextmanager
def in_use(env: _Environment) -> Iterator[_Environment]:
    """The environment is busy while the invocation runs (a nested invocation of the function gets another)."""
    env.busy = True
    try:
        yield env
    finally:
        env.busy = False


@contextlib.contextmanager
def environ(target: dict) -> Iterator[None]:
    """``os.environ`` is ``target`` (the function's variables), then the caller's again."""
    saved = dict(os.environ)
    try:
        _set_environ(target)
        yield
    finally:
        _set_environ(saved)


@contextlib.contextmanager
def code_on_path(env: _Environment) -> Iterator[None]:
    """The function's code directory comes first on ``sys.path``."""
    saved = list(sys.path)
    try:
        sys.path.insert(0, env.root)
        yield
    finally:
        sys.path[:] = saved


@contextlib.contextmanager
def function_modules(env: _Environment) -> Iterator[dict]:
    """The function's modules are in ``sys.modules`` (the caller's of the same name hidden); afterwards the
    yielded dict holds the function's modules, taken out again."""
    own: dict = {}
    saved = _enter_modules(env)
    env.modules = None  # they are in sys.modules now; kept again if the environment survives
    try:
        yield own
    finally:
        own.update(_exit_modules(env, saved))
