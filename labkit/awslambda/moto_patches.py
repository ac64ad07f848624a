"""Every change the lab makes to moto, in one place (moto 5.2.x). Listed in docs/lab.md.

A learner's kernel pays for moto in memory and start-up time, and a long session opens and closes many
labs. moto loads data for every region and holds on to accounts it no longer serves, so the lab changes
these things, none of which changes an answer:

1. ``lazy-ec2-data``: the instance types and instance-type offerings (every region's) are read from moto's
   data files when first looked up (DescribeInstanceTypes, DescribeInstanceTypeOfferings, RunInstances…),
   one region at a time, instead of when ``moto.ec2.models`` is imported.
2. ``one-botocore-session``: moto's region lists (EC2's regions, each service's regions per account) come
   from one shared botocore session instead of a new one each time.
3. ``lazy-amis``: an EC2 backend loads its default AMIs (and their snapshots) when something first reads
   its AMIs or snapshots, not when the backend is created.
4. ``regions-cache``: moto caches the regions of each service in a cache keyed by the *account's* backend
   object, which kept up to 128 closed accounts' data alive; the cache is now keyed by service only.
5. ``subnet-address-iterator``: each subnet's free-address iterator was cached in a process-wide cache
   keyed by the subnet (so every subnet, with its EC2 backend, lived forever); it is now kept on the subnet.
6. ``rds-cluster-options``: the same for RDS's per-backend cluster options cache.
7. ``lab-managed-policies``: a lab account's AWS managed IAM policies are copies of one per-process set,
   made when the account's IAM policies are first read (moto creates an account's IAM on its first request
   of any service); other accounts get moto's configured behaviour. The set is decoded from moto's JSON
   text one policy at a time.
8. ``s3-per-lab``: each lab account is its own S3 world (labkit's model): its bucket names don't collide
   with other labs' buckets, and it never sees them (on AWS, bucket names are global).
10. ``cloudformation-on-demand``: moto's CloudFormation imports some thirty services' models when it is
   imported, so that their resource types are known (about 16 MB); a lab imports those services when a
   template first uses one of their resource types (``AWS::RDS::DBInstance`` → RDS), and all of them for a
   type none of them answered yet (so what moto supports stays the same).
9. ``one-service-model``: moto reads a service's model (EC2's is about 20 MB once parsed) from the lab
   clients' loader, with moto's extras laid over a copy of only what they change, instead of parsing the
   model file a second time (``moto_lazy.SharedModelLoader``).

``install()`` applies them (idempotent; the lab calls it before moto's services are imported).
``labkit.awslambda.moto_canary.check()`` raises ``MotoChanged`` naming what moved when a moto upgrade
changes an internal a patch relies on; tests/lab/test_lab_lifecycle.py calls it.
"""

from __future__ import annotations

import copy
import importlib.abc
import importlib.machinery
import json
import re
import sys
import threading

from labkit.awslambda.moto_lazy import (
    LazyClassAttribute,
    LazyDict,
    LazyList,
    LazyRegions,
    cloudformation_on_demand,
    cloudformation_placeholders,
    share_service_models,
)

__all__ = [
    "install",
    "installed",
    "MotoChanged",
    "register_lab_account",
    "forget_lab_account",
    "lab_accounts",
    "PATCHES",
]

PATCHES = (
    "lazy-ec2-data",
    "one-botocore-session",
    "lazy-amis",
    "regions-cache",
    "subnet-address-iterator",
    "rds-cluster-options",
    "lab-managed-policies",
    "s3-per-lab",
    "one-service-model",
    "cloudformation-on-demand",
)

_LOCK = threading.RLock()
_installed: set[str] = set()
_LAB_ACCOUNTS: set[str] = set()


class MotoChanged(RuntimeError):
    """moto no longer has an internal one of the lab's patches relies on (a moto upgrade)."""


def register_lab_account(account_id: str) -> None:
    _LAB_ACCOUNTS.add(account_id)


def forget_lab_account(account_id: str) -> None:
    _LAB_ACCOUNTS.discard(account_id)


def lab_accounts() -> frozenset:
    return frozenset(_LAB_ACCOUNTS)


def installed() -> frozenset:
    """The patches applied in this process."""
    return frozenset(_installed)


# -------------------------------------------------------------------------------- import-time patching


class _PatchedLoader(importlib.abc.Loader):
    def __init__(self, loader, around, after):
        self._loader, self._around, self._after = loader, around, after

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        if self._around is not None:
            with self._around():
                self._loader.exec_module(module)
        else:
            self._loader.exec_module(module)
        if self._after is not None:
            self._after(module)


class _Finder(importlib.abc.MetaPathFinder):
    """Wraps the loading of the few moto modules whose import-time work the lab changes."""

    def __init__(self):
        self.hooks: dict[str, tuple] = {}

    def find_spec(self, name, path, target=None):
        hook = self.hooks.get(name)
        if hook is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _PatchedLoader(spec.loader, *hook)
        return spec


_FINDER = _Finder()


def _when_imported(name: str, after=None, around=None) -> None:
    """Run ``after(module)`` once ``name`` is imported (now, if it already is); ``around`` (a context
    manager factory) wraps its import-time code when the import is still to come."""
    module = sys.modules.get(name)
    if module is not None:
        if after is not None:
            after(module)
        return
    _FINDER.hooks[name] = (around, after)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


class _Swap:
    """Temporarily replace attributes (``(object, name, value)``) while a module's code runs."""

    def __init__(self, *swaps):
        self._swaps, self._saved = swaps, []

    def __enter__(self):
        for obj, name, value in self._swaps:
            self._saved.append((obj, name, getattr(obj, name)))
            setattr(obj, name, value)

    def __exit__(self, *exc):
        for obj, name, value in reversed(self._saved):
            setattr(obj, name, value)
        self._saved.clear()


# ------------------------------------------------------------------------------------------ the patches


_SESSION: list = []


def shared_session():
    """One boto3 session for moto's region lists and the lab's (botocore parses its endpoint data once per
    session), on the lab sessions' data loader."""
    if not _SESSION:
        import boto3.session
        import botocore.session

        bs = botocore.session.Session()
        lab = sys.modules.get("labkit.lab")
        share = getattr(lab, "_shared_loader", None)
        if share is not None:
            share(bs)
        _SESSION.append(boto3.session.Session(botocore_session=bs))
    return _SESSION[0]


def _session_factory(*args, **kwargs):
    if args or kwargs:  # pragma: no cover - moto only calls Session() without arguments here
        import boto3.session

        return boto3.session.Session(*args, **kwargs)
    return shared_session()


def _patch_regions_module():  # one-botocore-session (import of availability_zones_and_regions)
    import boto3

    return _Swap((boto3, "Session", _session_factory))


_OFFERINGS_PREFIX = "ec2/resources/instance_type_offerings/"
_INSTANCE_TYPES = "ec2/resources/instance_types.json"


def _instance_types_around():  # lazy-ec2-data: the module's own data loading is deferred
    import moto.utilities.utils as utils

    real = utils.load_resource
    pending: dict = {}
    _instance_types_around.pending = pending  # read by _instance_types_after
    _instance_types_around.real = real

    def deferred(resource, *args, **kwargs):
        if resource == _INSTANCE_TYPES:
            return {}
        if resource.startswith(_OFFERINGS_PREFIX):
            location_type, _, filename = resource[len(_OFFERINGS_PREFIX) :].partition("/")
            pending.setdefault(location_type, {})[filename.split(".")[0]] = resource
            return []
        return real(resource, *args, **kwargs)

    return _Swap((utils, "load_resource", deferred))


def _instance_types_after(module):
    pending = getattr(_instance_types_around, "pending", None)
    real = getattr(_instance_types_around, "real", None)
    if pending is None or real is None:  # imported before the lab: the data is already there
        return
    types = LazyDict(lambda: real(_INSTANCE_TYPES))
    module.INSTANCE_TYPES = types
    module.INSTANCE_FAMILIES = LazyList(lambda: list({name.split(".")[0] for name in types}))
    offerings = module.INSTANCE_TYPE_OFFERINGS
    for location_type in list(offerings):
        offerings[location_type] = LazyRegions(location_type, pending.get(location_type, {}), real)
    backend = module.InstanceTypeBackend
    backend.instance_types = LazyClassAttribute(lambda: list(map(module.InstanceType, types.keys())))
    _installed.add("lazy-ec2-data")


def _amis_after(module):  # lazy-amis
    backend = module.AmiBackend
    if getattr(backend, "_labkit_lazy", False):
        return
    load = backend._load_amis

    def _load_amis(self):  # called by AmiBackend.__init__: only remember that the AMIs are still to load
        self.__dict__["_labkit_amis_pending"] = True

    def _ready(self):
        if self.__dict__.pop("_labkit_amis_pending", False):
            load(self)

    def _get_amis(self):
        _ready(self)
        return self.__dict__["_labkit_amis"]

    def _set_amis(self, value):
        self.__dict__["_labkit_amis"] = value

    backend._load_amis = _load_amis
    backend.amis = property(_get_amis, _set_amis)
    backend._labkit_ready_amis = _ready
    backend._labkit_lazy = True
    _installed.add("lazy-amis")


def _ec2_after(module):  # lazy-amis: the default AMIs' snapshots appear when snapshots are first read
    backend = module.EC2Backend
    if isinstance(backend.__dict__.get("snapshots"), property):
        return
    ready = getattr(backend, "_labkit_ready_amis", None)

    def _get_snapshots(self):
        if ready is not None:
            ready(self)
        return self.__dict__["_labkit_snapshots"]

    def _set_snapshots(self, value):
        self.__dict__["_labkit_snapshots"] = value

    backend.snapshots = property(_get_snapshots, _set_snapshots)


def _subnets_after(module):  # subnet-address-iterator
    subnet = module.Subnet
    cached = subnet.__dict__.get("_base_avail_ip_iterator")
    if getattr(cached, "_labkit", False):
        return
    if hasattr(cached, "cache_clear"):
        cached.cache_clear()

    def _base_avail_ip_iterator(self):
        iterator = self.__dict__.get("_labkit_ip_iterator")
        if iterator is None:
            iterator = self.__dict__["_labkit_ip_iterator"] = self.cidr.hosts()
        return iterator

    _base_avail_ip_iterator._labkit = True
    subnet._base_avail_ip_iterator = _base_avail_ip_iterator
    _installed.add("subnet-address-iterator")


def _rds_after(module):  # rds-cluster-options
    backend = module.RDSBackend
    cached = backend.__dict__.get("db_cluster_options")
    if getattr(cached, "_labkit", False) or not hasattr(cached, "__wrapped__"):
        return
    if hasattr(cached, "cache_clear"):
        cached.cache_clear()
    build = cached.__wrapped__

    def db_cluster_options(self, engine):
        options = self.__dict__.setdefault("_labkit_cluster_options", {})
        if engine not in options:
            options[engine] = build(self, engine)
        return options[engine]

    db_cluster_options._labkit = True
    backend.db_cluster_options = db_cluster_options
    _installed.add("rds-cluster-options")


_REGIONS: dict = {}


def _patch_base_backend():  # regions-cache + one-botocore-session
    from moto.core import base_backend

    account = base_backend.AccountSpecificBackend
    cached = account.__dict__.get("_generate_regions")
    if getattr(cached, "_labkit", False):
        return
    if hasattr(cached, "cache_clear"):
        cached.cache_clear()
    build = getattr(cached, "__wrapped__", cached)

    def _generate_regions(self, service_name):
        regions = _REGIONS.get(service_name)
        if regions is None:
            regions = _REGIONS[service_name] = build(self, service_name)
        return regions

    _generate_regions._labkit = True
    account._generate_regions = _generate_regions
    account.get_session = classmethod(lambda cls: shared_session())
    _installed.add("regions-cache")
    _installed.add("one-botocore-session")


_MANAGED_POLICIES: list = []


#: A top-level key of moto's managed-policy JSON (one space of indent: the policy's name), up to its ``{``.
_POLICY_KEY = re.compile(r'\n "((?:[^"\\\n]|\\.)*)":[ ]?\{')


def managed_policy_entries(data: str):
    """(name, data) for each policy in moto's managed-policy JSON text, in order, decoded one at a time: the
    same pairs as ``json.loads(data).items()`` without holding every policy's parsed JSON at once (about
    13 MB at its peak, for objects that keep 5)."""
    decoder = json.JSONDecoder()
    for match in _POLICY_KEY.finditer(data):
        value, _ = decoder.raw_decode(data, match.end() - 1)
        yield json.loads(f'"{match.group(1)}"'), value


def _managed_policy_templates(iam_models) -> list:
    """AWS's managed policies as moto objects, built once per process (moto builds ~1,300 per account)."""
    if not _MANAGED_POLICIES:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        _MANAGED_POLICIES.extend(
            iam_models.AWSManagedPolicy.from_data(name, "aws", "us-east-1", d)
            for name, d in managed_policy_entries(aws_managed_policies_data)
        )
    return _MANAGED_POLICIES


def _iam_after(module):  # lab-managed-policies
    backend = module.IAMBackend
    original = backend._init_aws_policies
    if getattr(original, "_labkit", False):
        return

    def _init_aws_policies(self):
        if self.account_id not in _LAB_ACCOUNTS:
            return original(self)
        account_id = self.account_id

        def copies():
            policies = []
            for template in _managed_policy_templates(module):
                policy = copy.copy(template)
                policy.account_id, policy.attachment_count, policy.tags = account_id, 0, {}
                policies.append(policy)
            return policies

        # moto creates every account's IAM on its first request, whatever the service: the ~1,300 policies
        # are made when IAM's policies are first read
        return LazyList(copies)

    init_managed = backend._init_managed_policies

    def _init_managed_policies(self):
        policies = self.aws_managed_policies
        if not isinstance(policies, LazyList):
            return init_managed(self)
        return LazyDict(lambda: {p.arn: p for p in policies})

    _init_aws_policies._labkit = True
    _init_aws_policies.__wrapped__ = original
    _init_managed_policies.__wrapped__ = init_managed
    backend._init_aws_policies = _init_aws_policies
    backend._init_managed_policies = _init_managed_policies
    _installed.add("lab-managed-policies")


def _s3_after(module):  # s3-per-lab
    backend = module.S3Backend
    create, get = backend.create_bucket, backend.get_bucket
    if getattr(create, "_labkit", False):
        return
    backends = module.s3_backends

    def create_bucket(self, bucket_name, *args, **kwargs):
        if self.account_id not in _LAB_ACCOUNTS:
            return create(self, bucket_name, *args, **kwargs)
        if bucket_name in self.buckets:  # the lab's own bucket: moto's answer, whatever the global table says
            raise module.BucketAlreadyExists(bucket=bucket_name)
        owners = backends.bucket_accounts
        other = owners.pop(bucket_name, None)  # another account's bucket: not in this lab's world
        try:
            return create(self, bucket_name, *args, **kwargs)
        except BaseException:
            if other is not None:
                owners.setdefault(bucket_name, other)
            raise

    def get_bucket(self, bucket_name):
        if (
            self.account_id in _LAB_ACCOUNTS
            and bucket_name not in self.buckets
            and bucket_name not in self.table_buckets
        ):
            raise module.MissingBucket(bucket=bucket_name)
        return get(self, bucket_name)

    create_bucket._labkit = get_bucket._labkit = True
    create_bucket.__wrapped__, get_bucket.__wrapped__ = create, get
    backend.create_bucket, backend.get_bucket = create_bucket, get_bucket
    _installed.add("s3-per-lab")


def forget_s3_names(account_id: str) -> None:
    """Drop a closed lab account's entries from moto's global bucket-name table."""
    module = sys.modules.get("moto.s3.models")
    if module is None:
        return
    owners = module.s3_backends.bucket_accounts
    for name, (_partition, owner) in list(owners.items()):
        if owner == account_id:
            owners.pop(name, None)


def _marked(name: str, patch):
    """``patch(module)``, recorded in ``installed()`` as ``name`` when it applies."""

    def after(module):
        if patch(module):
            _installed.add(name)

    return after


def install() -> None:
    """Apply every patch (idempotent). Call before moto's service modules are imported, so the import-time
    ones take effect; those already imported keep moto's behaviour for what happens at import."""
    with _LOCK:
        if "installed" in _installed:
            return
        _patch_base_backend()
        _when_imported("moto.ec2.models.availability_zones_and_regions", around=_patch_regions_module)
        _when_imported("moto.ec2.models.instance_types", around=_instance_types_around, after=_instance_types_after)
        _when_imported("moto.ec2.models.amis", after=_amis_after)
        _when_imported("moto.ec2.models", after=_ec2_after)
        _when_imported("moto.ec2.models.subnets", after=_subnets_after)
        _when_imported("moto.rds.models", after=_rds_after)
        _when_imported("moto.iam.models", after=_iam_after)
        _when_imported("moto.s3.models", after=_s3_after)
        _when_imported("moto.core.utils", after=_marked("one-service-model", share_service_models))
        _when_imported(
            "moto.cloudformation.parsing",
            around=cloudformation_placeholders,
            after=_marked("cloudformation-on-demand", cloudformation_on_demand),
        )
        _installed.add("installed")
