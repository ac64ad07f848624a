"""Import stand-ins for the test harness only (never in the published site).

The harness's Pyodide has no wasm builds of ``cryptography`` and of ``openapi_spec_validator``'s compiled
dependencies (Pyodide's distribution has them; it can't be fetched here). moto imports both at module
level, for code paths the lab never calls (EC2 key pairs, IAM/ACM certificates, API Gateway's OpenAPI
import). This module makes ``import <name>`` and ``from <name>.x.y import Z`` work for such a package:
every attribute is a stand-in class, and calling one (or instantiating it) raises ``NotImplementedError``
naming the harness, so a lesson that reaches one of those paths fails loudly instead of passing.

Used as the ``__init__.py`` of a stand-in package (``cryptography``, ``openapi_spec_validator``).
"""

import importlib.abc
import importlib.machinery
import sys
import types

PACKAGE = __name__.split(".")[0]
MESSAGE = (
    "{name} is a stand-in of the labkit test harness (Pyodide without {package}'s wasm build); "
    "the lesson reached code that the published site runs with Pyodide's real {package}."
)


class _StandInMeta(type):
    def __getattr__(cls, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _stand_in(f"{cls.__qualname__}.{attr}")

    def __call__(cls, *args, **kwargs):
        raise NotImplementedError(MESSAGE.format(name=cls.__qualname__, package=PACKAGE))


def _stand_in(qualname):
    return _StandInMeta(qualname.rsplit(".", 1)[-1], (), {"__qualname__": qualname, "__module__": PACKAGE})


def _module_getattr(module_name):
    def __getattr__(attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _stand_in(f"{module_name}.{attr}")

    return __getattr__


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(PACKAGE + "."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = _module_getattr(spec.name)
        return module

    def exec_module(self, module):
        pass


__path__ = []
__getattr__ = _module_getattr(PACKAGE)
STANDIN = True
sys.meta_path.insert(0, _Finder())
