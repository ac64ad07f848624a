"""CloudFormation templates for ``lab.deploy``: reading them (a path, YAML or JSON text with short tags such as
``!Ref``, or the bare name of a template shipped with labkit) and checking them before anything is created.

``check_template`` refuses a resource type the lab can't create (:func:`supported_types`; ``Custom::``
resources and types moto does not emulate, with the list of what is supported) and a ``Ref``/``GetAtt``/``Sub``
that names no parameter or resource of the template, as CloudFormation's own validation does. A template file
must be UTF-8 text of at most :data:`MAX_TEMPLATE_BYTES` bytes (CloudFormation itself takes 51,200 bytes
inline, 1 MB from S3).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from labkit.awslambda.errors import TemplateError
from labkit.errors import did_you_mean

__all__ = ["load_template", "parse_template", "check_template", "supported_types", "TEMPLATES", "FILLED_TYPES"]

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

#: The largest template file the lab reads (CloudFormation's limit for a template in S3 is 1 MB).
MAX_TEMPLATE_BYTES = 1 << 20


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


def references(value) -> set[str]:
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
            found |= references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner)
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
        f"reach FUNCTION DEST` without --template. Supported types ({len(supported)}): labkit.awslambda.cfn_templates.supported_types()."
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
