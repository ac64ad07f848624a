"""The canary of the lab's changes to moto: ``check()`` raises ``MotoChanged`` naming what moved when a
moto (or botocore) upgrade changes an internal one of labkit/awslambda/moto_patches.py's patches relies on.

tests/lab/test_lab_lifecycle.py calls it, so an upgrade that breaks a patch fails there, by name, rather
than as a wrong answer somewhere in a lesson.
"""

from __future__ import annotations

import sys

from labkit.awslambda.moto_lazy import CLOUDFORMATION_ON_DEMAND
from labkit.awslambda.moto_patches import _INSTANCE_TYPES, _POLICY_KEY, MotoChanged

__all__ = ["check", "MotoChanged"]


def check() -> None:
    """Raise ``MotoChanged`` when moto's internals differ from what the patches rely on."""
    import inspect

    problems = []

    def need(condition, what):
        if not condition:
            problems.append(what)

    from moto.core import base_backend
    from moto.utilities import utils

    need(
        hasattr(base_backend.AccountSpecificBackend, "_generate_regions"),
        "moto.core.base_backend.AccountSpecificBackend._generate_regions",
    )
    need(
        hasattr(base_backend.AccountSpecificBackend, "get_session"),
        "moto.core.base_backend.AccountSpecificBackend.get_session",
    )
    need(callable(getattr(utils, "load_resource", None)), "moto.utilities.utils.load_resource")
    import moto.ec2.models as ec2
    from moto.ec2.models import amis, instance_types, subnets
    from moto.ec2.models import availability_zones_and_regions as azr

    need("Session()" in inspect.getsource(azr), "availability_zones_and_regions calls boto3's Session()")
    source = inspect.getsource(instance_types)
    need(
        f'load_resource("{_INSTANCE_TYPES}")' in source and '"resources/instance_type_offerings"' in source,
        "instance_types loads instance_types.json and resources/instance_type_offerings at import",
    )
    for name in (
        "INSTANCE_TYPES",
        "INSTANCE_FAMILIES",
        "INSTANCE_TYPE_OFFERINGS",
        "InstanceType",
        "InstanceTypeBackend",
    ):
        need(hasattr(instance_types, name), f"moto.ec2.models.instance_types.{name}")
    need("self._load_amis()" in inspect.getsource(amis.AmiBackend.__init__), "AmiBackend.__init__ calls _load_amis()")
    need("self.amis[" in inspect.getsource(amis.AmiBackend), "AmiBackend keeps its AMIs in self.amis")
    need("self.snapshots" in inspect.getsource(ec2.EBSBackend.__init__), "EBSBackend keeps snapshots in self.snapshots")
    need(
        "return self.cidr.hosts()" in inspect.getsource(subnets.Subnet),
        "Subnet._base_avail_ip_iterator returns self.cidr.hosts()",
    )
    from moto.iam import models as iam_models

    need(
        "self._init_aws_policies()" in inspect.getsource(iam_models.IAMBackend.__init__)
        and "self._init_managed_policies()" in inspect.getsource(iam_models.IAMBackend.__init__),
        "IAMBackend.__init__ calls _init_aws_policies() and _init_managed_policies()",
    )
    need(
        "self.aws_managed_policies" in inspect.getsource(inspect.unwrap(iam_models.IAMBackend._init_managed_policies)),
        "IAMBackend._init_managed_policies builds on self.aws_managed_policies",
    )
    need(hasattr(iam_models, "AWSManagedPolicy"), "moto.iam.models.AWSManagedPolicy")
    from moto.s3 import models as s3_models

    need(hasattr(s3_models.s3_backends, "bucket_accounts"), "moto.s3.models.s3_backends.bucket_accounts")
    need(
        "bucket_accounts" in inspect.getsource(inspect.unwrap(s3_models.S3Backend.create_bucket))
        and "bucket_accounts" in inspect.getsource(inspect.unwrap(s3_models.S3Backend.get_bucket)),
        "S3Backend.create_bucket/get_bucket use the global bucket_accounts table",
    )
    need(
        hasattr(s3_models, "MissingBucket") and hasattr(s3_models, "BucketAlreadyExists"),
        "moto.s3.models.MissingBucket and BucketAlreadyExists",
    )
    from moto.core import loaders as moto_loaders
    from moto.core import utils as moto_utils

    loading = inspect.unwrap(moto_utils._load_service_model)
    need(
        "create_loader()" in inspect.getsource(loading)
        and "_load_service_model(service_name" in inspect.getsource(moto_utils),
        "moto.core.utils loads its service models with _load_service_model (a moto.core.loaders loader)",
    )
    need(
        moto_loaders.Loader.BUILTIN_EXTRAS_TYPES == ["moto"] and hasattr(moto_loaders.Loader, "_find_extras"),
        "moto.core.loaders.Loader applies moto's extras only (_find_extras)",
    )
    from botocore.loaders import Loader

    need(
        all(hasattr(Loader, name) for name in ("_potential_locations", "_find_extras", "load_data"))
        and "self._extras_processor.process(model, extras_data)" in inspect.getsource(sys.modules[Loader.__module__]),
        "botocore's Loader.load_service_model merges _find_extras into load_data's model",
    )
    from labkit.awslambda.moto_lazy import REWRITTEN, mutating_handlers

    changed = mutating_handlers()
    need(
        changed and set(changed) <= REWRITTEN and set().union(*changed.values()) <= {"http", "endpoint"},
        f"botocore's handlers rewrite these services' models in place: {changed} (the lab's clients copy only "
        "the operations' http and endpoint of moto_lazy.REWRITTEN's services)",
    )
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    found = sum(1 for _ in _POLICY_KEY.finditer(aws_managed_policies_data))
    need(
        found > 1000 and found == aws_managed_policies_data.count('\n "'),
        "moto.iam.aws_managed_policies_data is a JSON object with one policy per key at one space of indent",
    )
    from moto.cloudformation import parsing

    source = inspect.getsource(parsing)
    missing = [s for s in CLOUDFORMATION_ON_DEMAND.values() if f"from moto.{s} import models as" not in source]
    need(not missing, f"moto.cloudformation.parsing imports the models of {', '.join(missing)}")
    need(
        all(
            hasattr(getattr(parsing, n, None), "cache_clear")
            for n in ("get_model_list", "get_model_map", "get_name_type_map")
        )
        and hasattr(parsing, "NULL_MODELS")
        and "CloudFormationModel.__subclasses__()" in source,
        "moto.cloudformation.parsing finds resource types in cached maps of CloudFormationModel's subclasses",
    )
    need(
        "resource_class_from_type(resource_type)" in source
        and "resource_name_property_from_type(resource_type)" in source,
        "moto.cloudformation.parsing looks resource types up with resource_class_from_type/resource_name_property_from_type",
    )
    from moto.rds import models as rds_models

    need(hasattr(rds_models.RDSBackend, "db_cluster_options"), "moto.rds.models.RDSBackend.db_cluster_options")
    if problems:
        raise MotoChanged(
            "moto changed what labkit's patches (labkit/awslambda/moto_patches.py) rely on: "
            + "; ".join(problems)
            + ". Review each patch against the new moto, or pin moto back to 5.2.x."
        )
