"""``lab.deploy(template)``: a CloudFormation stack in the lab account, with what moto leaves out filled in.

``template`` is a path, template text (YAML or JSON, short tags such as ``!Ref`` included), or the bare name of
a template shipped with labkit: ``"vpc-private"`` and ``"vpc-privatepublic"``, the AWS Lambda guide's two
sample networks. moto's CloudFormation creates most resources; the lab then does what moto ignores, so the
account matches the template:

* ``AWS::EC2::SubnetRouteTableAssociation`` — the association (moto records it, but route tables don't show it);
* ``AWS::EC2::Subnet`` with ``MapPublicIpOnLaunch`` — the subnet attribute;
* ``Tags`` of ``AWS::EC2::RouteTable``, ``InternetGateway``, ``NatGateway``, ``EIP``, ``VPCEndpoint`` — the tags;
* ``AWS::EC2::VPCEndpoint`` with a ``PolicyDocument`` object — the policy as JSON;
* ``AWS::EC2::SecurityGroup`` with ``SecurityGroupEgress`` — those rules, and no default allow-all rule, as on AWS;
* ``AWS::EC2::SecurityGroupEgress`` — the egress rule;
* ``AWS::EC2::NetworkAcl`` — the network ACL (no entries: it denies everything, like AWS's ``*`` rule);
* ``AWS::EC2::NetworkAclEntry`` — the entry; ``AWS::EC2::SubnetNetworkAclAssociation`` — the subnet's ACL;
* ``AWS::IAM::Role`` with ``ManagedPolicyArns`` — the attached policies;
* ``AWS::Lambda::Function`` — the control plane: its ``VpcConfig`` and role are checked like
  ``CreateFunction``'s, and, as CloudFormation waits for a function to be ``Active``, the lab clock runs
  until it is.

The result is a ``Stack``: ``name``, ``stack_id``, ``outputs`` ({OutputKey: value}), ``resources``
({logical id: physical id}) and ``resource_types``. ``DescribeStacks`` in the lab shows every output.
A template that fails raises ``labkit.errors.DeployError`` naming the failing resource; the stack is deleted
(CloudFormation rolls it back). Before anything is created, the template is checked: every resource must have
a type the lab can create (:func:`supported_types`; ``Custom::`` resources and types moto does not emulate are
refused with the list of what is supported), and every ``Ref``/``GetAtt``/``Sub`` must name a parameter or
resource of the template, as CloudFormation's own validation requires (``labkit.awslambda.cfn_templates``
reads and checks templates; it is re-exported here).
"""

from __future__ import annotations

import copy
import json
import logging
import re
import warnings
from dataclasses import dataclass, field

from labkit.awslambda.cfn_templates import FILLED_TYPES, TEMPLATES, check_template, load_template, references
from labkit.awslambda.errors import DeployError, TemplateError

__all__ = ["Stack", "load_template", "deploy", "TEMPLATES", "FILLED_TYPES"]

_STACK_NAME = re.compile(r"^[A-Za-z][-A-Za-z0-9]{0,127}$")


@dataclass(frozen=True)
class Stack:
    """A deployed stack: its name and id, outputs, and the physical id of every resource."""

    name: str
    stack_id: str
    outputs: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)
    resource_types: dict = field(default_factory=dict)
    status: str = "CREATE_COMPLETE"

    def __str__(self) -> str:
        lines = [f"stack {self.name} ({self.status}): {len(self.resources)} resources"]
        lines += [f"  output {k} = {v}" for k, v in self.outputs.items()]
        lines += [f"  {k} ({self.resource_types.get(k, '?')}) = {v}" for k, v in self.resources.items()]
        return "\n".join(lines)


def _parameters(parameters) -> list[dict]:
    if parameters is None:
        return []
    if not isinstance(parameters, dict):
        raise TemplateError(
            f"parameters must be a dict such as {{'Cidr': '10.0.0.0/16'}}; got {type(parameters).__name__}."
        )
    out = []
    for key, value in parameters.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        out.append({"ParameterKey": str(key), "ParameterValue": str(value)})
    return out


def deploy(lab, template, parameters=None, *, name: str | None = None) -> Stack:
    """Create a stack from ``template`` in ``lab``'s account (see the module docstring)."""
    body, default_name = load_template(template)
    stack_name = name or default_name
    if not _STACK_NAME.match(stack_name):
        raise TemplateError(
            f"Stack name {stack_name!r} is not valid: start with a letter, then letters, digits and "
            "hyphens (at most 128). Pass name='my-stack'."
        )
    check_template(body)
    resources = body["Resources"]
    filled = {k: v for k, v in resources.items() if isinstance(v, dict) and v.get("Type") in FILLED_TYPES}
    moto_body = copy.deepcopy(body)
    for logical in filled:
        del moto_body["Resources"][logical]
    for resource in moto_body["Resources"].values():
        depends = resource.get("DependsOn") if isinstance(resource, dict) else None
        if isinstance(depends, str) and depends in filled:
            del resource["DependsOn"]
        elif isinstance(depends, list):
            resource["DependsOn"] = [d for d in depends if d not in filled]
    outputs = body.get("Outputs") or {}
    moto_body["Outputs"] = {k: v for k, v in outputs.items() if not (references(v) & set(filled))}
    if not moto_body["Outputs"]:
        del moto_body["Outputs"]

    cloudformation = lab.internal("cloudformation")
    from botocore.exceptions import ClientError

    try:
        with _quiet_moto():
            stack_id = cloudformation.create_stack(
                StackName=stack_name,
                TemplateBody=json.dumps(moto_body),
                Parameters=_parameters(parameters),
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            )["StackId"]
    except ClientError as e:
        error = e.response.get("Error", {})
        hint = (
            " Pass another name: lab.deploy(template, name='…')."
            if error.get("Code") == "AlreadyExistsException"
            else ""
        )
        raise DeployError(
            f"CloudFormation refused stack {stack_name!r}: {error.get('Code')}: {error.get('Message')}.{hint}"
        ) from None
    except Exception as e:  # moto can fail inside a resource with a plain exception
        raise DeployError(f"Stack {stack_name!r} could not be created: {type(e).__name__}: {e}") from None
    described = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
    if described["StackStatus"] != "CREATE_COMPLETE":
        reasons = [
            ev.get("ResourceStatusReason")
            for ev in cloudformation.describe_stack_events(StackName=stack_id)["StackEvents"]
            if ev.get("ResourceStatusReason")
        ]
        _rollback(cloudformation, stack_id)
        raise DeployError(
            f"Stack {stack_name!r} ended in {described['StackStatus']}: {'; '.join(reasons) or 'no reason given'}"
        )

    from labkit.awslambda import mock

    moto_stack = mock.cloudformation_stack(lab.account_id, lab.region, stack_id)
    physical: dict[str, str] = {}
    types: dict[str, str] = {}
    for item in _stack_resources(cloudformation, stack_id):
        physical[item["LogicalResourceId"]] = item["PhysicalResourceId"]
        types[item["LogicalResourceId"]] = item["ResourceType"]
    try:
        _fill(lab, moto_stack, resources, filled, physical, types)
        lab.control_plane.sync_ec2()  # new VPCs' default groups get their inbound rule, as on AWS
        functions = [physical[k] for k, t in types.items() if t == "AWS::Lambda::Function"]
        _start_functions(lab, functions)
    except (DeployError, ClientError) as e:
        _rollback(cloudformation, stack_id)
        if isinstance(e, ClientError):
            error = e.response.get("Error", {})
            raise DeployError(
                f"Stack {stack_name!r} rolled back: {error.get('Code')}: {error.get('Message')}"
            ) from None
        raise
    if outputs:
        mock.stack_set_outputs(moto_stack, copy.deepcopy(outputs))
    final = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
    lab.changed()
    return Stack(
        name=stack_name,
        stack_id=stack_id,
        outputs={o["OutputKey"]: o.get("OutputValue") for o in final.get("Outputs") or ()},
        resources={k: physical[k] for k in resources if k in physical},
        resource_types={k: types[k] for k in resources if k in types},
        status=final["StackStatus"],
    )


class _quiet_moto:
    """moto warns about resource types it doesn't support: the lab handles those, so hide the noise."""

    def __enter__(self):
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore", UserWarning)
        self._logger = logging.getLogger("moto.cloudformation.parsing")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)
        return self

    def __exit__(self, *exc):
        self._logger.setLevel(self._level)
        self._warnings.__exit__(*exc)
        return False


def _stack_resources(cloudformation, stack_id) -> list[dict]:
    items: list[dict] = []
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_id):
        items.extend(i for i in page["StackResourceSummaries"] if i.get("LogicalResourceId"))
    return items


def _rollback(cloudformation, stack_id) -> None:
    try:
        cloudformation.delete_stack(StackName=stack_id)
    except Exception:  # noqa: BLE001 - the error being reported matters more than the rollback
        pass


def _as_bool(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _fill(lab, moto_stack, resources: dict, filled: dict, physical: dict, types: dict) -> None:
    from labkit.awslambda import mock

    ec2 = lab.internal("ec2")

    def props(logical):
        raw = (resources[logical] or {}).get("Properties") or {}
        return mock.stack_resolve(moto_stack, copy.deepcopy(raw))

    for logical, resource in resources.items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind == "AWS::EC2::Subnet" and _as_bool(props(logical).get("MapPublicIpOnLaunch")):
            ec2.modify_subnet_attribute(SubnetId=physical[logical], MapPublicIpOnLaunch={"Value": True})
        elif kind == "AWS::EC2::SubnetRouteTableAssociation" and logical in physical:
            p = props(logical)
            physical[logical] = _associate_route_table(ec2, p["RouteTableId"], p["SubnetId"])
        elif kind == "AWS::EC2::SecurityGroup" and logical in physical:
            _inline_egress(ec2, physical[logical], props(logical).get("SecurityGroupEgress") or [])
        elif kind == "AWS::IAM::Role" and logical in physical:
            iam = lab.internal("iam")
            attached = {
                p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=physical[logical])["AttachedPolicies"]
            }
            for arn in props(logical).get("ManagedPolicyArns") or []:
                if arn not in attached:
                    iam.attach_role_policy(RoleName=physical[logical], PolicyArn=arn)
        if kind in _UNTAGGED_TYPES and logical in physical and props(logical).get("Tags"):
            _apply_tags(ec2, kind, physical[logical], props(logical)["Tags"])
        if (
            kind == "AWS::EC2::VPCEndpoint"
            and logical in physical
            and isinstance(props(logical).get("PolicyDocument"), dict)
        ):  # moto keeps the object's repr, not its JSON
            ec2.modify_vpc_endpoint(
                VpcEndpointId=physical[logical], PolicyDocument=json.dumps(props(logical)["PolicyDocument"])
            )

    for kind in FILLED_TYPES:
        for logical, resource in filled.items():
            if resource.get("Type") != kind:
                continue
            p = props(logical)
            try:
                physical[logical] = _FILLERS[kind](ec2, p, resource)
            except KeyError as e:
                raise DeployError(f"Resource {logical} ({kind}) lacks the property {e.args[0]}.") from None
            types[logical] = kind
            mock.stack_set_physical_id(moto_stack, logical, physical[logical])


#: EC2 types whose template ``Tags`` moto's CloudFormation does not apply; the lab tags them.
_UNTAGGED_TYPES = (
    "AWS::EC2::RouteTable",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::EC2::VPCEndpoint",
)


def _apply_tags(ec2, kind: str, physical_id: str, tags: list) -> None:
    if kind == "AWS::EC2::EIP":  # Ref of an Elastic IP is its address; tags go on the allocation
        physical_id = ec2.describe_addresses(PublicIps=[physical_id])["Addresses"][0]["AllocationId"]
    ec2.create_tags(Resources=[physical_id], Tags=[{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags])


def _inline_egress(ec2, group_id: str, egress: list) -> None:
    """A group whose template lists egress rules has exactly those: the lab adds them (moto ignores them) and
    removes the default allow-all rule, as AWS does, unless the template lists it too."""
    if not egress or not group_id.startswith("sg-"):
        return
    listed_all = any(str(r.get("IpProtocol")) in ("-1", "all") and r.get("CidrIp") == "0.0.0.0/0" for r in egress)
    for rule in egress:
        if str(rule.get("IpProtocol")) in ("-1", "all") and rule.get("CidrIp") == "0.0.0.0/0":
            continue  # the default rule, already there
        _security_group_egress(ec2, {**rule, "GroupId": group_id}, {})
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    default = [
        p
        for p in group.get("IpPermissionsEgress") or ()
        if p.get("IpProtocol") == "-1" and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges") or ())
    ]
    if default and not listed_all:
        ec2.revoke_security_group_egress(
            GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )


def _associate_route_table(ec2, route_table_id: str, subnet_id: str) -> str:
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])[
        "RouteTables"
    ]
    for table in tables:
        for association in table.get("Associations") or ():
            if association.get("SubnetId") == subnet_id:
                if table["RouteTableId"] == route_table_id:
                    return association["RouteTableAssociationId"]
                return ec2.replace_route_table_association(
                    AssociationId=association["RouteTableAssociationId"], RouteTableId=route_table_id
                )["NewAssociationId"]
    return ec2.associate_route_table(RouteTableId=route_table_id, SubnetId=subnet_id)["AssociationId"]


def _tags(resource_type: str, props: dict) -> list[dict]:
    tags = props.get("Tags") or []
    return (
        [{"ResourceType": resource_type, "Tags": [{"Key": t["Key"], "Value": str(t["Value"])} for t in tags]}]
        if tags
        else []
    )


def _network_acl(ec2, p: dict, resource: dict) -> str:
    return ec2.create_network_acl(VpcId=p["VpcId"], TagSpecifications=_tags("network-acl", p))["NetworkAcl"][
        "NetworkAclId"
    ]


def _network_acl_entry(ec2, p: dict, resource: dict) -> str:
    request = {
        "NetworkAclId": p["NetworkAclId"],
        "RuleNumber": int(p["RuleNumber"]),
        "Protocol": str(p["Protocol"]),
        "RuleAction": str(p["RuleAction"]).lower(),
        "Egress": _as_bool(p.get("Egress", False)),
        "CidrBlock": p["CidrBlock"],
    }
    if p.get("PortRange"):
        request["PortRange"] = {"From": int(p["PortRange"]["From"]), "To": int(p["PortRange"]["To"])}
    if p.get("Icmp"):
        request["IcmpTypeCode"] = {"Code": int(p["Icmp"].get("Code", -1)), "Type": int(p["Icmp"].get("Type", -1))}
    ec2.create_network_acl_entry(**request)
    return f"{request['NetworkAclId']}|{request['RuleNumber']}|{'egress' if request['Egress'] else 'ingress'}"


def _subnet_network_acl_association(ec2, p: dict, resource: dict) -> str:
    subnet_id = p["SubnetId"]
    acls = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["NetworkAcls"]
    for acl in acls:
        for association in acl.get("Associations") or ():
            if association.get("SubnetId") == subnet_id:
                return ec2.replace_network_acl_association(
                    AssociationId=association["NetworkAclAssociationId"], NetworkAclId=p["NetworkAclId"]
                )["NewAssociationId"]
    raise DeployError(f"Subnet {subnet_id} has no network ACL association to replace.")


def _security_group_egress(ec2, p: dict, resource: dict) -> str:
    permission: dict = {"IpProtocol": str(p["IpProtocol"])}
    if permission["IpProtocol"] not in ("-1", "all"):
        if "FromPort" in p:
            permission["FromPort"] = int(p["FromPort"])
        if "ToPort" in p:
            permission["ToPort"] = int(p["ToPort"])
    description = {"Description": p["Description"]} if p.get("Description") else {}
    if p.get("CidrIp"):
        permission["IpRanges"] = [{"CidrIp": p["CidrIp"], **description}]
    if p.get("CidrIpv6"):
        permission["Ipv6Ranges"] = [{"CidrIpv6": p["CidrIpv6"], **description}]
    if p.get("DestinationPrefixListId"):
        permission["PrefixListIds"] = [{"PrefixListId": p["DestinationPrefixListId"], **description}]
    if p.get("DestinationSecurityGroupId"):
        permission["UserIdGroupPairs"] = [{"GroupId": p["DestinationSecurityGroupId"], **description}]
    response = ec2.authorize_security_group_egress(GroupId=p["GroupId"], IpPermissions=[permission])
    rules = response.get("SecurityGroupRules") or []
    return rules[0]["SecurityGroupRuleId"] if rules else f"{p['GroupId']}-egress"


_FILLERS = {
    "AWS::EC2::NetworkAcl": _network_acl,
    "AWS::EC2::NetworkAclEntry": _network_acl_entry,
    "AWS::EC2::SubnetNetworkAclAssociation": _subnet_network_acl_association,
    "AWS::EC2::SecurityGroupEgress": _security_group_egress,
}


def _start_functions(lab, names: list[str]) -> None:
    """Check each template function's VpcConfig like CreateFunction, then run the clock until all are Active."""
    if not names:
        return
    from labkit.awslambda.exceptions import AwsError
    from labkit.awslambda.validation import read_vpc_config, resolve_vpc

    plane = lab.control_plane
    lambda_client, ec2 = lab.internal("lambda"), lab.internal("ec2")
    for name in names:
        config = lambda_client.get_function_configuration(FunctionName=name)
        vpc = config.get("VpcConfig") or {}
        try:
            request = read_vpc_config(
                {"SubnetIds": vpc.get("SubnetIds") or [], "SecurityGroupIds": vpc.get("SecurityGroupIds") or []}
            )
            connecting = request is not None and not request.disconnect
            if request is not None and connecting:
                resolve_vpc(ec2, request)
            plane.check_role(config["Role"], permissions=connecting)
        except AwsError as e:
            raise DeployError(f"Function {name}: {e.code}: {e.message}") from None
        if name not in plane.records:
            plane.adopt(config)

    def settled() -> bool:
        return all(plane.records[n].state != "Pending" for n in names if n in plane.records)

    lab.clock.run_until(settled, limit=24 * 3600)
    failed = [(n, plane.records[n]) for n in names if n in plane.records and plane.records[n].state == "Failed"]
    if failed:
        name, record = failed[0]
        raise DeployError(f"Function {name} is Failed ({record.state_reason_code}): {record.state_reason}")
