"""Containers that read their contents the first time they are used (the lazy parts of moto_patches), and
the one loader of AWS service models that every lab client and moto share (``SharedModelLoader``)."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import types

from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader, instance_cache

__all__ = [
    "LazyDict",
    "LazyList",
    "LazyRegions",
    "LazyClassAttribute",
    "SharedModelLoader",
    "overlay",
    "share_service_models",
    "REWRITTEN",
    "CLOUDFORMATION_ON_DEMAND",
    "cloudformation_placeholders",
    "cloudformation_on_demand",
    "cloudformation_type_known",
    "cloudformation_types",
]

_PATCHES_MODULE = "labkit.awslambda.moto_patches"


def overlay(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` deep-merged into it (botocore's ``deep_merge`` rules), ``base`` left as it
    was: only the dicts on the paths ``extra`` changes are copied, everything else is shared.

    >>> base = {"shapes": {"A": {"type": "string"}, "B": {"type": "integer"}}, "version": "2.0"}
    >>> merged = overlay(base, {"shapes": {"C": {"type": "structure"}}})
    >>> sorted(merged["shapes"]), sorted(base["shapes"]), merged["shapes"]["A"] is base["shapes"]["A"]
    (['A', 'B', 'C'], ['A', 'B'], True)
    """
    merged = type(base)(base)
    for key, value in extra.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = overlay(merged[key], value)
        else:
            merged[key] = value
    return merged


class SharedModelLoader(Loader):
    """botocore's loader, except that a service model's extras are laid over the parsed model file instead
    of merged into it: the parsed file (``load_data``) stays as read, so moto answers from the very same
    objects the lab's clients use, with its own extras laid over them (patch ``one-service-model``)."""

    @instance_cache
    def load_service_model(self, service_name, type_name, api_version=None):
        known = self.list_available_services(type_name)
        if service_name not in known:
            raise UnknownServiceError(service_name=service_name, known_service_names=", ".join(known))
        if api_version is None:
            api_version = self.determine_latest_version(service_name, type_name)
        model = self.load_data(os.path.join(service_name, api_version, type_name))
        for extras in self._find_extras(service_name, type_name, api_version):
            if "merge" in extras:
                model = overlay(model, extras["merge"])
        if service_name in REWRITTEN and type_name == "service-2":
            model = _own_operation_parts(model)
        return model


def _own_operation_parts(model: dict) -> dict:
    """``model`` with its own copy of each operation's ``http`` and ``endpoint`` (what botocore's handlers
    rewrite in place as requests go out), the rest shared."""
    model = type(model)(model)
    operations = model["operations"] = type(model["operations"])(model["operations"])
    for name, operation in operations.items():
        operation = operations[name] = type(operation)(operation)
        for part in ("http", "endpoint"):
            if isinstance(operation.get(part), dict):
                operation[part] = type(operation[part])(operation[part])
    return model


def _after_load(base: type, name: str):
    """``base.name`` run on the container once ``load()`` has filled it."""
    method = getattr(base, name)

    def call(self, *args, **kwargs):
        return method(self._ready(), *args, **kwargs)

    call.__name__ = name
    return call


class _Lazy:
    """What LazyDict and LazyList share: ``load()`` fills the container the first time anything reads or
    changes it."""

    def __init__(self, load):
        super().__init__()
        self._load = load

    def _ready(self):
        load, self._load = self._load, None
        if load is not None:
            self._fill(load())
        return self

    def _fill(self, contents) -> None:
        raise NotImplementedError

    def __bool__(self):
        return len(self) > 0

    __hash__ = None  # type: ignore[assignment]


_READ = ("__getitem__", "__contains__", "__iter__", "__len__", "__repr__", "__eq__", "copy")
_CHANGE = ("__setitem__", "__delitem__", "pop")


class LazyDict(_Lazy, dict):
    """A dict filled by ``load()`` the first time it is read."""

    def _fill(self, contents) -> None:
        dict.update(self, contents)


class LazyList(_Lazy, list):
    """A list filled by ``load()`` the first time it is read."""

    def _fill(self, contents) -> None:
        list.extend(self, contents)


for _name in (*_READ, *_CHANGE, "get", "keys", "values", "items", "setdefault", "update"):
    setattr(LazyDict, _name, _after_load(dict, _name))
for _name in (
    *_READ,
    *_CHANGE,
    "append",
    "extend",
    "insert",
    "remove",
    "index",
    "count",
    "__reversed__",
    "__add__",
    "sort",
):
    setattr(LazyList, _name, _after_load(list, _name))


class LazyRegions(dict):
    """region → offerings, each region's file read when that region is first looked up."""

    def __init__(self, location_type: str, paths: dict, load):
        super().__init__()
        self._location_type, self._paths, self._load_file = location_type, dict(paths), load

    def _region(self, region):
        path = self._paths.pop(region, None)
        if path is not None:
            offerings = self._load_file(path)
            for offering in offerings:
                offering["LocationType"] = self._location_type
            dict.__setitem__(self, region, offerings)

    def _all(self):
        for region in list(self._paths):
            self._region(region)
        return self

    def __getitem__(self, region):
        self._region(region)
        return dict.__getitem__(self, region)

    def get(self, region, default=None):
        self._region(region)
        return dict.get(self, region, default)

    def __contains__(self, region):
        return region in self._paths or dict.__contains__(self, region)

    def __iter__(self):
        return dict.__iter__(self._all())

    def __len__(self):
        return len(self._paths) + dict.__len__(self)

    def keys(self):
        return dict.keys(self._all())

    def values(self):
        return dict.values(self._all())

    def items(self):
        return dict.items(self._all())


class LazyClassAttribute:
    """A class attribute computed on first use (moto's ``InstanceTypeBackend.instance_types``)."""

    def __init__(self, build):
        self._build, self._value = build, None

    def __get__(self, obj, cls=None):
        if self._value is None:
            self._value = self._build()
        return self._value


# ------------------------------------------- moto's models and CloudFormation's services, loaded on demand


_MOTO_LOADER: list = []


def _moto_loader():
    """One moto model loader per process (moto makes a new one, and walks every model folder, per model)."""
    if not _MOTO_LOADER:
        from moto.core.loaders import create_loader

        _MOTO_LOADER.append(create_loader())
    return _MOTO_LOADER[0]


def _lab_model_loader():
    lab = sys.modules.get("labkit.lab")
    get = getattr(lab, "shared_model_loader", None)
    return get() if get is not None else None


def _model_file(loader, path: str):
    """The file ``loader`` reads ``path`` (``ec2/2016-11-15/service-2``) from: the first that exists."""
    for candidate in loader._potential_locations(path):  # noqa: SLF001 - the order botocore searches in
        if loader.file_loader.exists(candidate):
            return candidate
    return None


#: Services whose operation models botocore's own handlers rewrite in place while a client makes requests
#: (S3 moves the bucket out of each operation's ``requestUri``, S3 Control drops a ``hostPrefix``): the lab's
#: clients get their own copy of those parts, so that the parsed file moto shares stays as read.
REWRITTEN = frozenset({"s3", "s3control"})


def mutating_handlers() -> dict[str, set[str]]:
    """The services (moto's names) of botocore's built-in handlers that write into an operation model, with
    the parts they write (``{"s3": {"http"}}``)."""
    import inspect
    import re

    from botocore.handlers import BUILTIN_HANDLERS

    found: dict[str, set[str]] = {}
    for event, handler, *_ in BUILTIN_HANDLERS:
        function = getattr(handler, "__func__", handler)
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        parts = set(re.findall(r"model\.(\w+)\[[^]]*\]\s*=", source)) | set(re.findall(r"del model\.(\w+)", source))
        if parts:
            found.setdefault(event.rsplit(".", 1)[-1].replace("-", ""), set()).update(parts)
    return found


def share_service_models(module):  # one-service-model: moto.core.utils
    original = module._load_service_model
    if getattr(original, "_labkit", False):
        return
    from botocore.exceptions import DataNotFoundError

    def _load_service_model(service_name, model_name):
        shared = _lab_model_loader()
        if shared is None:  # moto without a lab: moto's own loading
            return original(service_name, model_name)
        mine = _moto_loader()
        try:
            api_version = mine.determine_latest_version(service_name, model_name)
            path = os.path.join(service_name, api_version, model_name)
            same = _model_file(mine, path) == _model_file(shared, path) is not None
        except DataNotFoundError:
            same = False
        if not same:  # moto ships its own model file, or the lab reads another one: moto's own loading
            return original(service_name, model_name)
        model = shared.load_data(path)  # the parsed file, as read (SharedModelLoader never merges into it)
        for extras in mine._find_extras(service_name, model_name, api_version):  # noqa: SLF001 - moto's extras
            if "merge" in extras:
                model = overlay(model, extras["merge"])
        return model

    _load_service_model._labkit = True
    _load_service_model.__wrapped__ = original
    module._load_service_model = _load_service_model
    return True


#: CloudFormation resource namespace → the moto service whose models moto's CloudFormation imports for it
#: (``moto.cloudformation.parsing``'s list of ``from moto.X import models``), left until a template uses it.
CLOUDFORMATION_ON_DEMAND = {
    "ApiGateway": "apigateway",
    "AutoScaling": "autoscaling",
    "Batch": "batch",
    "CloudWatch": "cloudwatch",
    "DataPipeline": "datapipeline",
    "DynamoDB": "dynamodb",
    "ECR": "ecr",
    "ECS": "ecs",
    "EFS": "efs",
    "ElasticLoadBalancing": "elb",
    "ElasticLoadBalancingV2": "elbv2",
    "EMR": "emr",
    "Events": "events",
    "IoT": "iot",
    "Kinesis": "kinesis",
    "KMS": "kms",
    "RDS": "rds",
    "Redshift": "redshift",
    "Route53": "route53",
    "SageMaker": "sagemaker",
    "SQS": "sqs",
    "StepFunctions": "stepfunctions",
}


def _importer() -> str | None:
    """The module whose code runs the import statement being served (the first frame outside importlib)."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None and (
        frame.f_code.co_filename.startswith("<frozen importlib")
        or frame.f_globals.get("__name__") in (__name__, _PATCHES_MODULE)
    ):
        frame = frame.f_back
    return frame.f_globals.get("__name__") if frame is not None else None


class _Placeholders(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """While moto's CloudFormation module runs: ``moto.X`` (X not imported yet) is an empty stand-in whose
    ``models`` is one too, so ``from moto.X import models as x_models  # noqa`` imports nothing."""

    def __init__(self, services):
        self.names = {f"moto.{service}" for service in services if f"moto.{service}" not in sys.modules}
        self.made: dict = {}

    def find_spec(self, name, path, target=None):
        if name in self.names and _importer() == "moto.cloudformation.parsing":  # not another module's import
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name, "labkit: imported when a template uses it")
        module.models = types.ModuleType(f"{spec.name}.models")
        self.made[spec.name] = module
        return module

    def exec_module(self, module):
        pass

    def __enter__(self):
        sys.meta_path.insert(0, self)

    def __exit__(self, *exc):
        sys.meta_path.remove(self)
        import moto

        for name, module in self.made.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
            child = name.rpartition(".")[2]
            if getattr(moto, child, None) is module:
                delattr(moto, child)


def cloudformation_placeholders():  # cloudformation-on-demand: around moto.cloudformation.parsing's import
    return _Placeholders(CLOUDFORMATION_ON_DEMAND.values())


def _parsing():
    from moto.cloudformation import parsing

    return parsing


def _fresh_model_map(parsing) -> dict:
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    return parsing.get_model_map()


def cloudformation_type_known(resource_type: str) -> bool:
    """True when moto's CloudFormation creates ``resource_type``; imports the moto service it belongs to
    first when no template used that service yet (or every such service, for a type none answered yet)."""
    parsing = _parsing()
    if resource_type in parsing.get_model_map() or resource_type in _fresh_model_map(parsing):
        return True
    pending = [s for s in CLOUDFORMATION_ON_DEMAND.values() if f"moto.{s}.models" not in sys.modules]
    namespace = resource_type.split("::")[1] if resource_type.count("::") >= 2 else ""
    first = [s for s in pending if CLOUDFORMATION_ON_DEMAND.get(namespace) == s]
    for services in (first, pending):
        for service in services:
            importlib.import_module(f"moto.{service}.models")
        if services and resource_type in _fresh_model_map(parsing):
            return True
    return False


def cloudformation_types() -> dict:
    """moto's CloudFormation types → models, every service imported (as moto itself does)."""
    parsing = _parsing()
    for service in CLOUDFORMATION_ON_DEMAND.values():
        importlib.import_module(f"moto.{service}.models")
    return _fresh_model_map(parsing)


def cloudformation_on_demand(module):  # cloudformation-on-demand: after moto.cloudformation.parsing's import
    find, name_of = module.resource_class_from_type, module.resource_name_property_from_type
    if getattr(find, "_labkit", False):
        return False

    def ensure(resource_type):
        if resource_type not in module.NULL_MODELS and not resource_type.startswith("Custom::"):
            cloudformation_type_known(resource_type)

    def resource_class_from_type(resource_type):
        ensure(resource_type)
        return find(resource_type)

    def resource_name_property_from_type(resource_type):
        ensure(resource_type)
        return name_of(resource_type)

    resource_class_from_type._labkit = resource_name_property_from_type._labkit = True
    resource_class_from_type.__wrapped__, resource_name_property_from_type.__wrapped__ = find, name_of
    module.resource_class_from_type = resource_class_from_type
    module.resource_name_property_from_type = resource_name_property_from_type
    return True
