"""Read an AWS account (moto or real) into a ``Topology``, with read-only calls only.

``topology_from_boto3(session)`` (also reachable as ``Topology.from_boto3``) makes a fixed list of calls,
whatever the size of the account:

=====================================  ==========================================================
call (paginated)                       becomes
=====================================  ==========================================================
``ec2:DescribeVpcs``                   ``Vpc`` (primary CIDR first, then associated secondary ones)
``ec2:DescribeSubnets``                ``Subnet``
``ec2:DescribeRouteTables``            ``RouteTable`` with its ``Route`` list, main flag, subnets
``ec2:DescribeInternetGateways``       ``InternetGateway`` (attachments "available"/"attached")
``ec2:DescribeNatGateways``            ``NatGateway`` in every state (a route to a deleted one is a blackhole)
``ec2:DescribeVpcEndpoints``           ``VpcEndpoint`` (gateway and interface)
``ec2:DescribeSecurityGroups``         ``SecurityGroup`` with one ``SgRule`` per peer
``ec2:DescribeNetworkAcls``            ``NetworkAcl`` with its ``NaclEntry`` list
``ec2:DescribeVpcPeeringConnections``  ``PeeringConnection``
``ec2:DescribeNetworkInterfaces``      ``NetworkInterface``
``ec2:DescribePrefixLists``            ``PrefixList`` (the AWS-managed service lists)
``lambda:ListFunctions``               ``LambdaFunction``
``sts:GetCallerIdentity``              ``Topology.account_id`` ("" when STS can't answer)
=====================================  ==========================================================

Databases are read later, only when a trace first names one (``labkit.vpc.databases``): for
``"rds:NAME"`` rds:DescribeDBInstances; for ``"elasticache:NAME"`` elasticache:DescribeCacheClusters,
DescribeCacheSubnetGroups and DescribeReplicationGroups. They are in ``IMPORTER_CALLS`` too.

Nothing else is ever called: each client the importer creates carries a botocore event hook that
raises ``ReadOnlyViolation`` for any operation not in ``IMPORTER_CALLS`` (the table above, as
(service, operation) pairs), before the request is even built (see ``read_only_client``). A ``Get*``
name is no promise of a read (``sts:GetSessionToken`` creates credentials), so the guard allows only
what is listed. ``minimal_read_only_policy()`` turns the same list into the IAM policy the importer
needs.

What is kept and what is left out
---------------------------------
* Only IPv4 is modelled: IPv6 routes, IPv6 security-group ranges (``Ipv6Ranges``) and IPv6 network ACL
  entries are skipped.
* Resources are kept in every state AWS returns (NAT gateways, endpoints and peering connections that are
  deleted, failed or pending included): a route to such a target is a blackhole, and the trace needs to
  know why. Only associations that no longer hold are dropped (internet gateway attachments that are not
  "available"/"attached", route table and VPC CIDR associations that are not "associated").
* ``ListFunctions`` does not return a function's ``State`` on AWS (only ``GetFunction`` does, one call
  per function): ``LambdaFunction.state`` is what the listing says, usually ``None`` on a real account.
* A function's VPC is derived from its subnets (``VpcConfig.VpcId`` is used only when it names a VPC of
  the account and none of the subnets is known). A function with no subnets is not VPC-connected.
* Customer-managed prefix lists are not read (their entries need one call per list); a security-group
  rule or route naming one keeps its ``pl-`` id.
* Endpoint states are lower-cased ("available"), as the EC2 API spells them in responses.

Every inner list is put in a canonical order (ids sorted, routes most specific first, rules sorted), so
the same account always gives an equal ``Topology`` whatever order the describe calls answer in.
"""

from __future__ import annotations

from typing import Any

from labkit.vpc.databases import DATABASE_CALLS, DatabaseLoader
from labkit.vpc.describe import build_topology, route_from_aws, sg_rules_from_aws
from labkit.vpc.errors import AwsAccessError, AwsSetupError, ReadOnlyViolation
from labkit.vpc.model import Topology

__all__ = [
    "topology_from_boto3",
    "build_topology",
    "read_only_client",
    "is_read_only",
    "READ_ONLY_PREFIXES",
    "IMPORT_CALLS",
    "IMPORTER_CALLS",
    "minimal_read_only_policy",
    "AwsAccessError",
    "AwsSetupError",
    "route_from_aws",
    "sg_rules_from_aws",
]

#: Operation-name prefixes of the reading kinds (see ``is_read_only``).
READ_ONLY_PREFIXES = ("Describe", "List", "Get")

#: The paginated calls the importer makes: (service, boto3 method, key of the list in each page).
IMPORT_CALLS: tuple[tuple[str, str, str], ...] = (
    ("ec2", "describe_vpcs", "Vpcs"),
    ("ec2", "describe_subnets", "Subnets"),
    ("ec2", "describe_route_tables", "RouteTables"),
    ("ec2", "describe_internet_gateways", "InternetGateways"),
    ("ec2", "describe_nat_gateways", "NatGateways"),
    ("ec2", "describe_vpc_endpoints", "VpcEndpoints"),
    ("ec2", "describe_security_groups", "SecurityGroups"),
    ("ec2", "describe_network_acls", "NetworkAcls"),
    ("ec2", "describe_vpc_peering_connections", "VpcPeeringConnections"),
    ("ec2", "describe_network_interfaces", "NetworkInterfaces"),
    ("ec2", "describe_prefix_lists", "PrefixLists"),
    ("lambda", "list_functions", "Functions"),
)

#: Calls that need no IAM permission: ``sts:GetCallerIdentity`` answers for any valid credentials.
_NO_PERMISSION_NEEDED = (("sts", "GetCallerIdentity"),)

#: Every call the importer makes, as (service, API operation) pairs: the paginated ``IMPORT_CALLS`` and
#: the account id look-up. The read-only guard allows these and nothing else; the minimal read-only
#: policy (``minimal_read_only_policy``) is generated from them.
IMPORTER_CALLS: tuple[tuple[str, str], ...] = (
    tuple((service, method.title().replace("_", "")) for service, method, _ in IMPORT_CALLS)
    + tuple((service, operation) for service, _, _, operation in DATABASE_CALLS)
    + _NO_PERMISSION_NEEDED
)


def minimal_read_only_policy() -> dict[str, object]:
    """The IAM policy that lets the importer read an account, and nothing more (built from ``IMPORTER_CALLS``).

    >>> policy = minimal_read_only_policy()
    >>> policy["Statement"][0]["Action"][:2], "sts:GetCallerIdentity" in policy["Statement"][0]["Action"]
    (['ec2:DescribeInternetGateways', 'ec2:DescribeNatGateways'], False)
    """
    actions = sorted(
        {
            f"{service}:{operation}"
            for service, operation in IMPORTER_CALLS
            if (service, operation) not in _NO_PERMISSION_NEEDED
        }
    )
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "LabkitReadTopology", "Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


_POLICY_HINT = "the importer needs read-only access (the AWS managed policy ReadOnlyAccess or ViewOnlyAccess)"

# AWS error codes, grouped by what the user should do about them.
_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"})
_BAD_CREDENTIAL_CODES = frozenset(
    {
        "AuthFailure",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "IncompleteSignature",
    }
)
_REGION_CODES = frozenset({"OptInRequired", "InvalidRegion"})


# ------------------------------------------------------------------------------------------- errors


# ------------------------------------------------------------------------------------- read-only guard


def is_read_only(operation_name: str) -> bool:
    """True for operation names of the reading kinds (``Describe*``, ``List*``, ``Get*``).

    A name is a hint, not a guarantee (``GetSessionToken`` creates credentials): the lab uses it to tell
    calls that may change the account from reads; the read-only guard uses ``IMPORTER_CALLS`` instead.

    >>> is_read_only("DescribeSubnets"), is_read_only("ListFunctions"), is_read_only("GetCallerIdentity")
    (True, True, True)
    >>> is_read_only("CreateVpc"), is_read_only("DeleteRoute"), is_read_only("Describe")
    (False, False, False)
    """
    return any(operation_name.startswith(p) and len(operation_name) > len(p) for p in READ_ONLY_PREFIXES)


_ALLOWED = frozenset(IMPORTER_CALLS)


def _refuse_writes(model: Any = None, **kwargs: Any) -> None:
    name = getattr(model, "name", "?")
    service = model.service_model.service_name if model is not None else "?"
    if (service, name) not in _ALLOWED:
        prefix = model.service_model.signing_name if model is not None else "?"
        allowed = ", ".join(f"{s}:{o}" for s, o in IMPORTER_CALLS if s == service) or "none"
        raise ReadOnlyViolation(
            f"This client is read-only: it refused {prefix}:{name}. Only the importer's own read calls are "
            f"allowed here ({service}: {allowed}). To call anything else, use a separate client."
        )


def read_only_client(session: Any, service_name: str, *, region_name: str | None = None) -> Any:
    """A boto3 client of ``session`` that refuses every operation but the importer's (``IMPORTER_CALLS``).

    The refusal is a botocore ``before-parameter-build`` hook on this client only: any other call raises
    ``labkit.errors.ReadOnlyViolation`` before any request is built or sent (a ``Get*`` that is not on
    the list, such as ``sts:GetSessionToken``, included). Other clients of the same session are not
    affected. The importer creates its clients with this function.
    """
    region = region_name or session.region_name
    try:
        client = session.client(service_name, region_name=region)
    except _region_errors() as e:
        raise AwsSetupError(_region_message(region, e)) from e
    client.meta.events.register("before-parameter-build", _refuse_writes, unique_id="labkit-read-only")
    return client


# ------------------------------------------------------------------------------------------ importer


def topology_from_boto3(session: Any, *, region: str | None = None) -> Topology:
    """Read one region of an account into a ``Topology`` (see this module's docstring for what is read).

    ``session`` is a ``boto3.Session`` (a real account's or the offline lab's); ``region`` overrides the
    session's region. Raises ``AwsSetupError`` when no region is known and ``AwsAccessError`` when
    credentials are missing or rejected or a call is denied, each with the fix in its message.
    """
    region = region or session.region_name
    if not region:
        raise AwsSetupError(
            "No AWS region: the session has none and none was given. Pass one, e.g. "
            "Topology.from_boto3(session, region='eu-west-1'), or create the session with "
            "boto3.Session(region_name=...), or set AWS_DEFAULT_REGION."
        )
    _refuse_while_a_lab_is_open(session)
    clients = {svc: read_only_client(session, svc, region_name=region) for svc in ("ec2", "lambda")}
    responses = {key: _collect(clients[svc], method, key, region) for svc, method, key in IMPORT_CALLS}
    account_id = _account_id(session, region)
    topology = build_topology(responses, region=region, account_id=account_id)
    # databases ("rds:NAME", "elasticache:NAME") are read only when a trace first names one
    object.__setattr__(topology, "database_loader", DatabaseLoader(session, region))
    return topology


def _refuse_while_a_lab_is_open(session: Any) -> None:
    """While an offline lab is open, moto answers every AWS call of this process: reading a real account
    then would silently read the emulated one. Only the lab's own sessions may be read then."""
    import sys

    mock = sys.modules.get("labkit.awslambda.mock")
    if mock is None or mock.active_labs() == 0 or getattr(session, "_labkit_lab_account", None):
        return
    raise AwsSetupError(
        "An offline lab (lk.Lab) is open in this Python process, so every AWS call here is answered by the "
        "emulated account, not by the account of this session. Close the lab first (lab.close()), read the "
        "real account from another process (e.g. `labkit reach … --profile P`), or pass lab.session to read "
        "the lab."
    )


def _collect(client: Any, method: str, key: str, region: str) -> list[dict[str, Any]]:
    """Every item of every page of one call (one request when the account fits in one page)."""
    items: list[dict] = []
    try:
        if client.can_paginate(method):
            for page in client.get_paginator(method).paginate():
                items.extend(page.get(key) or ())
        else:  # pragma: no cover - every call in IMPORT_CALLS paginates today
            items.extend(getattr(client, method)().get(key) or ())
    except Exception as e:  # translate the few errors a user can fix; re-raise the rest unchanged
        _translate(e, client, method, region)
        raise
    return items


def _account_id(session: Any, region: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        sts = read_only_client(session, "sts", region_name=region)
        return sts.get_caller_identity().get("Account", "") or ""
    except (BotoCoreError, ClientError, AwsSetupError):
        return ""


def _region_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import InvalidRegionError, NoRegionError

    return (NoRegionError, InvalidRegionError)


def _region_message(region: str | None, error: BaseException) -> str:
    return (
        f"AWS region {region!r} is not usable ({error}). Give a region name such as 'us-east-1', e.g. "
        "boto3.Session(region_name='us-east-1') or Topology.from_boto3(session, region='us-east-1')."
    )


def _translate(error: Exception, client: Any, method: str, region: str) -> None:
    """Raise a labkit error for credential, permission and region problems; return for anything else."""
    from botocore import exceptions as bx

    action = f"{client.meta.service_model.signing_name}:{client.meta.method_to_api_mapping.get(method, method)}"
    credential_errors = tuple(
        getattr(bx, n)
        for n in (
            "NoCredentialsError",
            "PartialCredentialsError",
            "CredentialRetrievalError",
            "TokenRetrievalError",
            "SSOError",
        )
        if hasattr(bx, n)
    )
    if isinstance(error, credential_errors):
        raise AwsAccessError(
            f"No usable AWS credentials for {action} ({error}). Configure some: `aws configure`, "
            "`aws sso login --profile NAME` then boto3.Session(profile_name='NAME'), or set AWS_PROFILE."
        ) from error
    if isinstance(error, bx.ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        if code in _DENIED_CODES:
            raise AwsAccessError(f"AWS said {code} for {action}: {_POLICY_HINT}.") from error
        if code in _BAD_CREDENTIAL_CODES:
            raise AwsAccessError(
                f"AWS rejected the credentials ({code}) for {action}: they are wrong or expired. Refresh them "
                "(`aws sso login`, new access keys) or use another profile: boto3.Session(profile_name=...)."
            ) from error
        if code in _REGION_CODES:
            raise AwsSetupError(
                f"AWS said {code} for {action} in region {region!r}: the region is not enabled for this "
                "account. Enable it in the account settings or use another region."
            ) from error
    if isinstance(error, bx.EndpointConnectionError):
        raise AwsSetupError(
            f"Could not connect to {error.kwargs.get('endpoint_url', 'the AWS endpoint')} for {action}: check "
            f"that region {region!r} exists and that this machine can reach AWS."
        ) from error
