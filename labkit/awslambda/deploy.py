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
resource of the template, as CloudFormation's own validation requires. A template file must be UTF-8 text
of at most :data:`MAX_TEMPLATE_BYTES` bytes (CloudFormation itself takes 51,200 bytes inline, 1 MB from S3).
"""

from __future__ import annotations

import copy
import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from labkit.awslambda.errors import DeployError, TemplateError
from labkit.errors import did_you_mean

__all__ = ["Stack", "load_template", "deploy", "TEMPLATES", "FILLED_TYPES"]

#: Resource types moto's CloudFormation ignores; the lab creates them, in this order.
FILLED_TYPES = (
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::SecurityGroupEgress",
)

_TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

#: Templates shipped with labkit, by bare name.
TEMPLATES = ("vpc-private", "vpc-privatepublic")

_STACK_NAME = re.compile(r"^[A-Za-z][-A-Za-z0-9]{0,127}$")

#: The largest template file the lab reads (CloudFormation's limit for a template in S3 is 1 MB).
MAX_TEMPLATE_BYTES = 1 << 20


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


# ------------------------------------------------------------------------------------------ templates


def _cfn_loader():
    import yaml

    class CfnLoader(yaml.SafeLoader):
        """YAML with CloudFormation's short tags; dates stay text (``Version: 2012-10-17``)."""

    CfnLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def short_tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "Ref":
            return {"Ref": value}
        if suffix == "Condition":
            return {"Condition": value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{suffix}": value}

    CfnLoader.add_multi_constructor("!", short_tag)
    return CfnLoader


def parse_template(text: str, where: str = "template") -> dict:
    """A template's text (JSON or YAML) as a dict; ``TemplateError`` with the line when it can't be read."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError as e:
            raise TemplateError(
                f"{where} is not valid JSON: {e}. Fix the JSON, or write the template in YAML."
            ) from None
    else:
        import yaml

        try:
            body = yaml.load(text, Loader=_cfn_loader())  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as e:
            raise TemplateError(f"{where} is not valid YAML: {e}") from None
    if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict) or not body["Resources"]:
        raise TemplateError(f"{where} has no Resources section: a CloudFormation template needs at least one resource.")
    return body


def load_template(template) -> tuple[dict, str]:
    """(template as a dict, a default stack name) from a path, template text, or a shipped template's name."""
    if isinstance(template, dict):
        return copy.deepcopy(template), "labkit-stack"
    if isinstance(template, Path):
        return _from_path(template)
    if not isinstance(template, str) or not template.strip():
        raise TemplateError(
            f"template must be a path, template text or one of {', '.join(TEMPLATES)}; got {template!r}."
        )
    text = template.strip()
    if "\n" not in text and not text.startswith("{"):
        bare = text[:-5] if text.endswith(".yaml") else text
        if bare in TEMPLATES and not _exists(Path(text)):
            return _from_path(_TEMPLATE_DIR / f"{bare}.yaml", name=bare)
        try:
            path = Path(text).expanduser()
        except RuntimeError:  # "~someone" with no such user
            path = Path(text)
        if _exists(path):
            return _from_path(path)
        raise TemplateError(
            f"No template file {text!r} and no labkit template of that name. Give a path to a .yaml/.json file, "
            f"the template text, or a labkit template: {did_you_mean(bare, TEMPLATES)}"
        )
    return parse_template(template), "labkit-stack"


def _exists(path: Path) -> bool:
    """``path.exists()``, False for names no file can have (a NUL character, too long…)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _read_text(path: Path) -> str:
    """A template file's text: a regular UTF-8 file of at most MAX_TEMPLATE_BYTES bytes, else TemplateError."""
    import os
    import stat

    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise TemplateError(
                    f"The template {str(path)!r} is a directory. Give the path of a .yaml or .json file."
                )
            if not stat.S_ISREG(info.st_mode):
                raise TemplateError(
                    f"The template {str(path)!r} is not a regular file (a device, pipe or socket). "
                    "Save the template to a .yaml or .json file and give its path."
                )
            data = f.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as e:
        raise TemplateError(f"Can't read the template {str(path)!r}: {e.strerror or e}.") from None
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(
            f"The template {str(path)!r} is over {MAX_TEMPLATE_BYTES:,} bytes; CloudFormation itself "
            "takes at most 51,200 bytes inline and 1 MB from S3. Check that this is the right file."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TemplateError(
            f"The template {str(path)!r} is not UTF-8 text (byte {e.start:,} is "
            f"{data[e.start : e.start + 1]!r}): a binary file is not a template. Give a CloudFormation "
            "template in YAML or JSON."
        ) from None


def _from_path(path: Path, name: str | None = None) -> tuple[dict, str]:
    text = _read_text(path)
    stem = name or re.sub(r"[^-A-Za-z0-9]", "-", path.stem).strip("-") or "labkit-stack"
    if not stem[0].isalpha():
        stem = f"stack-{stem}"
    return parse_template(text, where=str(path)), stem


# -------------------------------------------------------------------------------------------- deploy


def _references(value) -> set[str]:
    """Logical ids a piece of template refers to (Ref, GetAtt, ${…} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) and inner else str(inner).split(".", 1)[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                if isinstance(text, str):
                    found.update(m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text))
            found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return found


def supported_types() -> tuple[str, ...]:
    """The resource types a lab template may use: those moto's CloudFormation creates, and FILLED_TYPES."""
    from moto.cloudformation.parsing import NULL_MODELS

    from labkit.awslambda.moto_lazy import cloudformation_types

    everything = cloudformation_types()  # moto's services for CloudFormation load on demand: all of them here
    return tuple(sorted({t for t in everything if isinstance(t, str) and t} | set(NULL_MODELS) | set(FILLED_TYPES)))


def _supported(kind: str) -> bool:
    from moto.cloudformation.parsing import NULL_MODELS

    from labkit.awslambda.moto_lazy import cloudformation_type_known

    return kind in NULL_MODELS or kind in FILLED_TYPES or cloudformation_type_known(kind)


def _unsupported(logical: str, kind: str, supported: tuple[str, ...]) -> TemplateError:
    service = kind.rsplit("::", 1)[0] + "::" if kind.count("::") == 2 else ""
    same = [t for t in supported if service and t.startswith(service)]
    if kind.startswith("Custom::"):
        why = "custom resources run your own Lambda code during the deployment, which the offline lab doesn't do"
    elif same:
        why = f"the lab emulates these {service[:-2]} types: {', '.join(same)}"
    else:
        why = "the offline lab (moto) does not emulate that service"
    close = did_you_mean(kind, supported).split("Known:")[0].strip()
    return TemplateError(
        f"Resource {logical} has type {kind!r}, which the offline lab can't create: {why}. {close + ' ' if close else ''}"
        f"Remove the resource (or replace it with a supported type), or trace the real account instead: `labkit "
        f"reach FUNCTION DEST` without --template. Supported types ({len(supported)}): labkit.awslambda.deploy.supported_types()."
    )


def _refs(value, out: list) -> None:
    """(kind, name) of every Ref, GetAtt and ${…} in a Sub of a piece of template."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                out.append(("Ref", inner))
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) and inner else str(inner).split(".", 1)[0]
                if isinstance(target, str):
                    out.append(("GetAtt", target))
            elif key == "Fn::Sub":
                text, local = (inner[0], inner[1]) if isinstance(inner, list) and len(inner) == 2 else (inner, {})
                if isinstance(text, str):
                    names = {m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                    out.extend(
                        ("Sub", n.strip()) for n in sorted(names) if not (isinstance(local, dict) and n in local)
                    )
                _refs(local, out)
                continue
            _refs(inner, out)
    elif isinstance(value, list):
        for inner in value:
            _refs(inner, out)


def check_template(body: dict) -> None:
    """Refuse, before anything is created, what the lab can't deploy (see the module docstring)."""
    resources = body["Resources"]
    parameters: dict = body["Parameters"] if isinstance(body.get("Parameters"), dict) else {}
    known = set(resources) | set(parameters)
    for logical, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str) or not resource["Type"]:
            raise TemplateError(f"Resource {logical} has no Type: write e.g. `Type: AWS::EC2::VPC` under it.")
        if not _supported(resource["Type"]):
            raise _unsupported(str(logical), resource["Type"], supported_types())
    places = [(f"resource {k}", v) for k, v in resources.items()]
    places += (
        [(f"output {k}", v) for k, v in (body.get("Outputs") or {}).items()]
        if isinstance(body.get("Outputs"), dict)
        else []
    )
    for where, value in places:
        found: list = []
        _refs(value, found)
        for kind, name in found:
            if name.startswith("AWS::") or name in known:
                continue
            what = "no resource" if kind == "GetAtt" else "no parameter or resource"
            raise TemplateError(
                f"The {where} refers to {name!r} ({'!' + kind}), but the template has {what} of that name. "
                f"{did_you_mean(name, known)} Define {name} under Resources (or Parameters), or correct the name."
            )


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
    moto_body["Outputs"] = {k: v for k, v in outputs.items() if not (_references(v) & set(filled))}
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
