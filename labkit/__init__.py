"""labkit: a teaching kit for AWS Lambda functions connected to a VPC.

    import labkit as lk
    topo = lk.Topology.from_boto3(session)          # an account, read-only (moto or real)
    t = lk.trace(topo, "my-function", "internet")    # can it get there? what blocks it?
    lk.draw(topo, highlight=t)                       # a graphviz picture

The analysis cores (``labkit.vpc``, ``labkit.iam``) import neither boto3 nor moto at import time.
"""

from labkit.browser import working_folder_last
from labkit.errors import LabkitError
from labkit.render.errors import GraphvizMissingError
from labkit.vpc.errors import (
    AwsAccessError,
    AwsSetupError,
    DestinationError,
    ReadOnlyViolation,
    SourceError,
    UnknownFunctionError,
    UnknownResourceError,
    UnknownSubnetError,
    VpcConfigError,
)
from labkit.vpc.model import Topology
from labkit.vpc.reach import can_reach, trace
from labkit.vpc.results import Blocker, BlockerCode, Hop, Path, Trace

__version__ = "0.1.0"

working_folder_last()  # in JupyterLite only: imports look in site-packages before the page's drive


_LAZY_MODULES = ("iam", "samples", "render", "exercises", "classroom")


def __getattr__(name: str) -> object:  # lazy: keep `import labkit` light and free of boto3/moto/graphviz
    import importlib

    if name == "draw":
        from labkit.render.draw import draw

        return draw
    if name == "Lab":
        from labkit.lab import Lab

        return Lab
    if name in _LAZY_MODULES:
        return importlib.import_module(f"labkit.{name}")
    if name == "instructor":
        from labkit.exercises.mode import instructor

        return instructor
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    """What ``dir(lk)`` and tab completion show: the public names, the lazy ones included (none is loaded)."""
    return sorted(set(__all__) | set(_LAZY_MODULES) | {"__version__"})


__all__ = [
    "Topology",
    "trace",
    "can_reach",
    "draw",
    "Trace",
    "Path",
    "Hop",
    "Blocker",
    "BlockerCode",
    "LabkitError",
    "UnknownResourceError",
    "UnknownFunctionError",
    "UnknownSubnetError",
    "DestinationError",
    "SourceError",
    "ReadOnlyViolation",
    "GraphvizMissingError",
    "AwsAccessError",
    "AwsSetupError",
    "VpcConfigError",
    "iam",
    "samples",
    "exercises",
    "instructor",
    "Lab",
]
