"""moto, started once per process for every open lab, and the few moto internals the lab needs.

* ``acquire()`` / ``release()``: a reference count over one ``moto.mock_aws`` (Lambda without Docker,
  AWS managed IAM policies loaded). The mock stays on while at least one lab is open. It nests with the
  user's own ``mock_aws`` (decorators, pytest fixtures): moto counts nested mocks and only the last one
  to stop resets moto's data, so neither side wipes the other's accounts.
* ``drop_account(account_id)``: forget one account's data in every moto service (a closed lab).
* ``mark_lambda_interface``, ``function_code``, ``cloudformation_stack``: fields the AWS APIs can't set
  or return (a Hyperplane ENI's interface type, a function's code, a stack's parsed template).

While a lab is open, moto answers every boto3 client of this Python process, not only the lab's (that is
how moto works). Close the lab (or restart the kernel) before reading a real account.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from typing import Any

from labkit.awslambda.errors import LabError

__all__ = [
    "acquire",
    "release",
    "is_active",
    "drop_account",
    "prepare_account",
    "mark_lambda_interface",
    "function_code",
    "cloudformation_stack",
    "MOTO_CONFIG",
    "active_labs",
    "gc_paused",
]

#: The moto configuration of the lab's mock.
MOTO_CONFIG = {"lambda": {"use_docker": False}, "iam": {"load_aws_managed_policies": False}}

_LOCK = threading.RLock()
_state: dict[str, Any] = {"mock": None, "refs": 0}


#: Importing moto's CloudFormation support pulls in jsonschema's IRI format checker (rfc3987_syntax),
#: which builds its grammars at import time: more than a second of every lab start, for a check no AWS
#: API here uses. Unless something already imported it, jsonschema is told it is absent (it then simply
#: skips the "iri" formats).
_SKIPPED_IMPORTS = ("rfc3987_syntax",)


def _import_moto():
    for name in _SKIPPED_IMPORTS:
        sys.modules.setdefault(name, None)
    try:
        import moto  # noqa: F401
        from moto.core import models  # noqa: F401

        from labkit.awslambda import moto_patches

        moto_patches.install()  # before any moto service is imported (they load when first used)
    except ImportError as e:  # pragma: no cover - moto is a dependency of the lab extra
        raise LabError(
            "The offline lab needs moto, which is not installed. Install the lab extra: pip install 'labkit[lab]'."
        ) from e
    return moto


class _GcState:
    """How deep the nested pauses are, whether the collector was on before the first, which first uses ran."""

    depth = 0
    was_enabled = False
    warm: set[str] = set()


_GC = _GcState()
_GC_LOCK = threading.Lock()


@contextlib.contextmanager
def gc_paused(first_use: str | None = None):
    """Python's cyclic garbage collector paused while the block runs (with ``first_use``: only the first
    time a block of that name runs in this process). Loading moto, a service's moto support and the API
    models makes about a million objects that live as long as the process; each full collection while they
    are made scans them all again, about a quarter of ``lk.Lab()`` and its first call. Pausing only delays
    collections: nested blocks resume it when the outermost ends, and the next collection finds whatever the
    block left behind."""
    if first_use is not None and first_use in _GC.warm:
        yield
        return
    with _GC_LOCK:
        if _GC.depth == 0:
            _GC.was_enabled = gc.isenabled()
            gc.disable()
        _GC.depth += 1
    try:
        yield
    finally:
        if first_use is not None:
            _GC.warm.add(first_use)
        with _GC_LOCK:
            _GC.depth -= 1
            if _GC.depth == 0 and _GC.was_enabled:
                gc.enable()


def acquire() -> None:
    """Start moto's mock if no lab holds it yet; count one more holder."""
    with _LOCK:
        if _state["refs"] == 0:
            moto = _import_moto()
            mock = moto.mock_aws(config=MOTO_CONFIG)
            mock.start(reset=False)
            _state["mock"] = mock
        _state["refs"] += 1


def release() -> None:
    """One holder less; the last one stops the mock."""
    with _LOCK:
        if _state["refs"] <= 0:
            return
        _state["refs"] -= 1
        if _state["refs"] == 0 and _state["mock"] is not None:
            mock, _state["mock"] = _state["mock"], None
            mock.stop()


def active_labs() -> int:
    """How many open labs hold the mock."""
    return _state["refs"]


def stubber():
    """moto's botocore ``before-send`` handler (it answers the requests moto serves, ``None`` otherwise)."""
    from moto.core.models import botocore_stubber

    return botocore_stubber


def is_active() -> bool:
    """True while moto intercepts boto3 requests in this process."""
    try:
        from moto.core.models import botocore_stubber
    except ImportError:  # pragma: no cover
        return False
    return bool(botocore_stubber.enabled)


def prepare_account(account_id: str) -> None:
    """Make ``account_id`` a lab account: AWS's managed policies (AWSLambdaVPCAccessExecutionRole…) appear in
    its IAM when that is first used, whatever the user's own ``mock_aws`` configuration says (copies of one
    per-process set), and its S3 is its own world (see ``labkit.awslambda.moto_patches``)."""
    from labkit.awslambda import moto_patches

    moto_patches.install()
    moto_patches.register_lab_account(account_id)


def drop_account(account_id: str) -> None:
    """Remove every moto service's data for ``account_id``, and what the lab made for it in this process:
    its functions' execution environments (unpacked code, handler modules), its bucket names."""
    from moto.core.base_backend import BackendDict

    from labkit.awslambda import moto_patches

    with _LOCK:
        for backend_dict in list(BackendDict._instances):  # type: ignore[misc]  # noqa: SLF001 - moto keeps no public list
            if dict.__contains__(backend_dict, account_id):
                dict.pop(backend_dict, account_id)  # forgotten (a reset would rebuild it first)
        moto_patches.forget_s3_names(account_id)
        moto_patches.forget_lab_account(account_id)
    if _runtime_loaded():
        from labkit.awslambda import runtime

        for arn in _environment_arns(runtime, account_id):
            runtime.discard_environments(arn)


def _runtime_loaded() -> bool:
    return "labkit.awslambda.runtime" in sys.modules


def _environment_arns(runtime, account_id: str) -> set:
    """ARNs of the account's functions with an execution environment in this process."""
    environments = getattr(runtime, "_ENVIRONMENTS", None)
    if environments is None:
        environments = getattr(getattr(runtime, "environments", None), "_ENVIRONMENTS", None)
    if not isinstance(environments, dict):
        raise LabError(
            "labkit.awslambda.runtime keeps its execution environments elsewhere: update "
            "mock._environment_arns so that a closed lab's environments are discarded."
        )
    return {arn for arn in list(environments) if isinstance(arn, str) and arn.split(":")[4:5] == [account_id]}


def has_account(account_id: str) -> bool:
    from moto.core.base_backend import BackendDict

    from labkit.awslambda import moto_patches

    return account_id in moto_patches.lab_accounts() or any(
        dict.__contains__(b, account_id)
        for b in list(BackendDict._instances)  # type: ignore[misc]
    )  # noqa: SLF001


def _ec2(account_id: str, region: str):
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def mark_lambda_interface(account_id: str, region: str, eni_id: str, *, requester_id: str) -> None:
    """Make a network interface look like a Lambda Hyperplane ENI: interface type ``lambda``, in use."""
    eni = _ec2(account_id, region).get_network_interface(eni_id)
    eni.interface_type = "lambda"
    eni.requester_id = requester_id
    eni.requester_managed = False
    eni.status = "in-use"


def vpc_ids(account_id: str, region: str) -> list[str]:
    """The ids of the account's VPCs in ``region`` (creates moto's default VPC if EC2 was never used)."""
    return list(_ec2(account_id, region).vpcs)


def default_group_id(account_id: str, region: str, vpc_id: str) -> str | None:
    group = _ec2(account_id, region).get_default_security_group(vpc_id)
    return group.id if group is not None else None


def route_table_exists(account_id: str, region: str, route_table_id: str) -> bool:
    return route_table_id in _ec2(account_id, region).route_tables


def gateway_endpoints_typed(account_id: str, region: str) -> None:
    """An endpoint made without ``VpcEndpointType`` (CloudFormation's default) is a gateway endpoint, as on AWS."""
    for endpoint in _ec2(account_id, region).vpc_end_points.values():
        if not endpoint.vpc_endpoint_type:
            endpoint.vpc_endpoint_type = "Gateway"


def _prefix_list_routes(table, prefix_list: str) -> dict:
    """A moto route table's routes to ``prefix_list``, by route id."""
    return {
        rid: r
        for rid, r in table._routes.items()  # noqa: SLF001 - moto's own store of routes
        if getattr(r.destination_prefix_list, "id", None) == prefix_list
    }


def endpoint_routes(account_id: str, region: str, endpoint_id: str, *, add=(), remove=()) -> None:
    """Add / remove a gateway endpoint's route (its service's prefix list -> the endpoint) in route tables."""
    backend = _ec2(account_id, region)
    endpoint = backend.vpc_end_points.get(endpoint_id)
    prefix_list = getattr(endpoint, "destination_prefix_list_id", None)
    if endpoint is None or not prefix_list or (endpoint.vpc_endpoint_type or "").lower() != "gateway":
        return
    for table_id in add:
        table = backend.route_tables.get(table_id)
        if table is not None and not _prefix_list_routes(table, prefix_list):
            backend.create_route(table_id, None, gateway_id=endpoint_id, destination_prefix_list_id=prefix_list)
    for table_id in remove:
        table = backend.route_tables.get(table_id)
        if table is None:
            continue
        for route_id, route in _prefix_list_routes(table, prefix_list).items():
            if getattr(route.gateway, "id", None) == endpoint_id:
                table._routes.pop(route_id)  # noqa: SLF001


def forget_missing_endpoint_routes(account_id: str, region: str, endpoint_ids) -> None:
    """Drop route tables (gone, or without the endpoint's route) from gateway endpoints about to be deleted,
    so deleting them never fails on a route that no longer exists."""
    backend = _ec2(account_id, region)
    for endpoint_id in endpoint_ids:
        endpoint = backend.vpc_end_points.get(endpoint_id)
        prefix_list = getattr(endpoint, "destination_prefix_list_id", None)
        if endpoint is None or (endpoint.vpc_endpoint_type or "").lower() != "gateway":
            continue
        endpoint.route_table_ids = [
            t
            for t in endpoint.route_table_ids
            if prefix_list and t in backend.route_tables and _prefix_list_routes(backend.route_tables[t], prefix_list)
        ]


def set_private_dns(account_id: str, region: str, endpoint_id: str, enabled: bool) -> None:
    endpoint = _ec2(account_id, region).vpc_end_points.get(endpoint_id)
    if endpoint is not None and (endpoint.vpc_endpoint_type or "").lower() == "interface":
        endpoint.private_dns_enabled = bool(enabled)


def function_code(account_id: str, region: str, name: str) -> bytes:
    """The deployment package (zip bytes) of a function, as moto stores it; b"" for an image function."""
    from moto.awslambda.utils import get_backend  # the Docker-less backend when use_docker is off

    fn = get_backend(account_id, region).get_function(name)
    return bytes(getattr(fn, "code_bytes", b"") or b"")


def cloudformation_stack(account_id: str, region: str, stack_id: str):
    """moto's stack object (its parsed template and resource map)."""
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[account_id][region]
    for stack in backend.stacks.values():
        if stack.stack_id == stack_id or stack.name == stack_id:
            return stack
    raise LookupError(stack_id)


# ------------------------------------------------------------------------ CloudFormation internals


def stack_resolve(stack, value):
    """Resolve intrinsic functions (Ref, GetAtt, Sub, Join, Select…) in ``value`` with moto's resolver."""
    from moto.cloudformation.parsing import clean_json

    return clean_json(value, stack.resource_map)


def stack_set_physical_id(stack, logical_id: str, physical_id: str) -> None:
    """Let ``Ref`` to a resource the lab created itself resolve to its id."""
    stack.resource_map._parsed_resources[logical_id] = physical_id  # noqa: SLF001


def stack_set_outputs(stack, outputs: dict) -> None:
    """The stack's outputs as the template declares them (resolved lazily by moto on DescribeStacks)."""
    stack.template_dict["Outputs"] = outputs
    stack.output_map._output_json_map = outputs  # noqa: SLF001
    stack.output_map._parsed_outputs.clear()  # noqa: SLF001
