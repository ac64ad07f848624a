"""What Lambda checks in a VpcConfig (CreateFunction, UpdateFunctionConfiguration), with AWS's errors.

In order:

1. ``SubnetIds`` and ``SecurityGroupIds`` come together or not at all (empty lists disconnect);
2. at most 16 subnets and 5 security groups;
3. every subnet and security group exists (Lambda looks them up in EC2 with the caller's credentials);
4. the subnets are all in one VPC, and the security groups too — that VPC is the function's ``VpcId``;
5. the VPC's instance tenancy is ``default`` (Lambda can't connect to a dedicated-tenancy VPC);
6. the execution role allows ``ec2:CreateNetworkInterface``, ``ec2:DescribeNetworkInterfaces`` and
   ``ec2:DeleteNetworkInterface`` (its inline and attached policies, evaluated by ``labkit.iam``).

Every failure is an ``InvalidParameterValueException`` (or a ``ValidationException`` for the limits), as on
AWS. The messages of steps 1, 3, the security-group half of 4 and 6 are AWS's; the subnet half of 4 and
step 5 use labkit's words (AWS documents the rule, not the message).
"""

from __future__ import annotations

from dataclasses import dataclass

from labkit.awslambda.exceptions import InvalidParameterValueException, ValidationException

__all__ = [
    "VpcRequest",
    "read_vpc_config",
    "resolve_vpc",
    "role_missing_permission",
    "check_execution_role",
    "lambda_can_assume",
    "MAX_SUBNETS",
    "MAX_SECURITY_GROUPS",
    "role_name",
    "role_policies",
]

MAX_SUBNETS, MAX_SECURITY_GROUPS = 16, 5


def __getattr__(name: str):
    """``ENI_ACTIONS``: what the execution role of a VPC function must be allowed to do, read from
    ``labkit.iam.lambda_role`` when first asked for (importing the lab does not import the IAM engine)."""
    if name == "ENI_ACTIONS":
        from labkit.iam.lambda_role import ENI_ACTIONS_2021

        return ENI_ACTIONS_2021
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class VpcRequest:
    """The VPC settings of a request that has a ``VpcConfig`` (empty lists: a disconnect)."""

    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]

    @property
    def disconnect(self) -> bool:
        return not self.subnet_ids


def read_vpc_config(vpc_config) -> VpcRequest | None:
    """The VPC settings of a request (``None`` when the request has no ``VpcConfig``).

    >>> read_vpc_config(None) is None
    True
    >>> read_vpc_config({"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]})
    VpcRequest(subnet_ids=('subnet-1',), security_group_ids=('sg-1',))
    >>> read_vpc_config({"SubnetIds": ["subnet-1"]})
    Traceback (most recent call last):
    ...
    labkit.awslambda.exceptions.InvalidParameterValueException: SubnetIds and SecurityIds must coexist or be both empty list.
    """
    if vpc_config is None:
        return None
    subnets = tuple(vpc_config.get("SubnetIds") or ())
    groups = tuple(vpc_config.get("SecurityGroupIds") or ())
    if bool(subnets) != bool(groups):
        raise InvalidParameterValueException("SubnetIds and SecurityIds must coexist or be both empty list.")
    if len(subnets) > MAX_SUBNETS:
        raise ValidationException(_too_many(subnets, "vpcConfig.subnetIds", MAX_SUBNETS))
    if len(groups) > MAX_SECURITY_GROUPS:
        raise ValidationException(_too_many(groups, "vpcConfig.securityGroupIds", MAX_SECURITY_GROUPS))
    return VpcRequest(subnets, groups)


def _too_many(values, where: str, limit: int) -> str:
    return (
        f"1 validation error detected: Value '[{', '.join(values)}]' at '{where}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit}"
    )


def resolve_vpc(ec2, request: VpcRequest) -> str:
    """The VPC of a connecting request, after checks 3-5 (``ec2`` reads the lab account). ``""`` for a disconnect."""
    if request.disconnect:
        return ""
    subnets = {s["SubnetId"]: s for s in _describe(ec2, "describe_subnets", "Subnets", "subnet-id", request.subnet_ids)}
    for subnet_id in request.subnet_ids:
        if subnet_id not in subnets:
            raise InvalidParameterValueException(
                "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. "
                f"EC2 Error Message: The subnet ID '{subnet_id}' does not exist"
            )
    groups = {
        g["GroupId"]: g
        for g in _describe(ec2, "describe_security_groups", "SecurityGroups", "group-id", request.security_group_ids)
    }
    for group_id in request.security_group_ids:
        if group_id not in groups:
            raise InvalidParameterValueException(
                "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. "
                f"EC2 Error Message: The security group '{group_id}' does not exist"
            )
    subnet_vpcs = sorted({s["VpcId"] for s in subnets.values()})
    if len(subnet_vpcs) > 1:
        raise InvalidParameterValueException(
            f"Subnets are required to be in the same VPC. The subnets given are in {', '.join(subnet_vpcs)}."
        )
    vpc_id = subnet_vpcs[0]
    if any(g.get("VpcId") != vpc_id for g in groups.values()):
        raise InvalidParameterValueException("Security Groups are required to be in the same VPC.")
    vpcs = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    if vpcs and (vpcs[0].get("InstanceTenancy") or "default") == "dedicated":
        raise InvalidParameterValueException(
            f"Lambda can't connect a function to {vpc_id}: the VPC has dedicated instance tenancy. Connect the "
            "function to a VPC with default tenancy, peered with the dedicated one."
        )
    return vpc_id


def _describe(ec2, method: str, key: str, filter_name: str, ids) -> list[dict]:
    """At most 16 subnets or 5 groups: one page (a filter on unknown ids returns fewer, never an error)."""
    return list(getattr(ec2, method)(Filters=[{"Name": filter_name, "Values": list(ids)}]).get(key) or ())


def role_name(role_arn: str) -> str:
    """The role name in a role ARN (paths dropped).

    >>> role_name("arn:aws:iam::111122223333:role/service-role/lambda-vpc")
    'lambda-vpc'
    """
    return role_arn.rsplit("/", 1)[-1]


def role_policies(iam, role_arn: str) -> list[dict]:
    """The role's identity-based policies: inline ones, then attached managed ones (default versions)."""
    name = role_name(role_arn)
    documents: list[dict] = []
    for policy_name in _all(iam, "list_role_policies", "PolicyNames", RoleName=name):
        documents.append(iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"])
    for attached in _all(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
        arn = attached["PolicyArn"]
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        documents.append(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])
    return [_as_dict(d) for d in documents]


def _as_dict(document):
    if isinstance(document, str):
        import json
        from urllib.parse import unquote

        text = document if document.lstrip().startswith("{") else unquote(document)
        return json.loads(text)
    return document


def _all(iam, method: str, key: str, **kwargs) -> list:
    out: list = []
    while True:
        page = getattr(iam, method)(**kwargs)
        out.extend(page.get(key) or ())
        if not page.get("IsTruncated") or not page.get("Marker"):
            return out
        kwargs["Marker"] = page["Marker"]


def role_missing_permission(iam, role_arn: str) -> str | None:
    """The first of ``ENI_ACTIONS`` the role's policies don't allow, or ``None`` when it has them all."""
    from labkit.iam import evaluate
    from labkit.iam.lambda_role import ENI_ACTIONS_2021 as ENI_ACTIONS

    documents = role_policies(iam, role_arn)
    for action in ENI_ACTIONS:
        if not documents or not evaluate(documents, action, "*").allowed:
            return action
    return None


def lambda_can_assume(iam, role_arn: str) -> bool:
    """Whether the role's trust policy lets the Lambda service (``lambda.amazonaws.com``) assume it."""
    document = _as_dict(iam.get_role(RoleName=role_name(role_arn))["Role"].get("AssumeRolePolicyDocument") or {})
    statements = document.get("Statement") or []
    for st in statements if isinstance(statements, list) else [statements]:
        if st.get("Effect") != "Allow":
            continue
        actions = st.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        principal = st.get("Principal")
        if principal == "*":
            return True
        services = (principal or {}).get("Service") if isinstance(principal, dict) else None
        services = [services] if isinstance(services, str) else (services or [])
        if _lambda_service() in services:
            return True
    return False


def _lambda_service() -> str:
    from labkit.iam.lambda_role import LAMBDA_SERVICE

    return LAMBDA_SERVICE


def check_execution_role(iam, role_arn: str) -> None:
    """Raise AWS's ``InvalidParameterValueException`` when the role can't manage network interfaces."""
    missing = role_missing_permission(iam, role_arn)
    if missing:
        raise InvalidParameterValueException(
            f"The provided execution role does not have permissions to call {missing.split(':', 1)[1]} on EC2"
        )
