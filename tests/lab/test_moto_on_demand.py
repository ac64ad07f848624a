"""What a learner's kernel loads, and when: ``import labkit`` without networkx or graphviz, one parsed copy of
each service model shared by the lab's clients and moto, AWS's managed policies decoded one at a time, and
moto's CloudFormation importing other services' models only for the templates that use them. Each of these
gives the same answers as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from botocore.loaders import Loader

import labkit as lk
from labkit.awslambda import moto_lazy, moto_patches


def _fresh(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


def test_import_labkit_loads_neither_networkx_nor_graphviz_until_a_graph_or_picture_needs_them():
    out = _fresh(
        "import sys, labkit as lk\n"
        "print(sorted(m for m in ('networkx', 'graphviz', 'boto3', 'moto') if m in sys.modules))\n"
        "from labkit.vpc.graph import build_graph\n"
        "print('networkx' in sys.modules, 'graphviz' in sys.modules)\n"
        "from labkit.render import picture\n"
        "print('graphviz' in sys.modules)"
    )
    assert out.splitlines() == ["[]", "False False", "True"]


# ------------------------------------------------------------------------------- one parsed service model


@pytest.mark.parametrize(
    "service, kind",
    [("ec2", "service-2"), ("s3", "service-2"), ("rds", "service-2"), ("lambda", "service-2"), ("ec2", "paginators-1")],
)
def test_the_shared_loader_gives_botocores_models_and_keeps_the_parsed_file_as_read(service, kind):
    shared, botocore_own = moto_lazy.SharedModelLoader(), Loader()
    assert shared.load_service_model(service, kind) == botocore_own.load_service_model(service, kind)
    version = shared.determine_latest_version(service, kind)
    as_read = Loader().load_data(os.path.join(service, version, kind))  # a fresh loader merges nothing yet
    assert shared.load_data(os.path.join(service, version, kind)) == as_read


READS = {
    "ec2": "describe_vpcs",
    "lambda": "list_functions",
    "iam": "list_roles",
    "cloudformation": "list_stacks",
    "rds": "describe_db_instances",
    "sts": "get_caller_identity",
}


@pytest.mark.parametrize("service", ["ec2", "s3", "lambda", "iam", "cloudformation", "rds", "sts"])
def test_moto_answers_from_the_lab_clients_model_with_its_own_extras(service):
    from moto.core import utils

    with lk.Lab() as lab:
        client = lab.client(service)
        if service == "s3":  # botocore rewrites S3's operation models in place as requests go out
            client.create_bucket(Bucket="bucket-one")
            client.put_object(Bucket="bucket-one", Key="k", Body=b"x")
        else:  # a request, so that anything a client changes in its model would show below
            getattr(client, READS[service])()
        patched = utils._load_service_model(service, "service-2")
        assert patched == utils._load_service_model.__wrapped__(service, "service-2")  # moto's own loading
        if service == "ec2":  # moto's two extra error shapes laid over the clients' parsed model, shared
            shared = lab.session._session.get_component("data_loader")
            parsed = shared.load_data(os.path.join("ec2", "2016-11-15", "service-2"))
            assert patched["operations"] is parsed["operations"] and "AuthFailure" not in parsed["shapes"]
            assert patched["shapes"]["AuthFailure"]["error"]["code"] == "AuthFailure"
            assert patched["shapes"]["Vpc"] is parsed["shapes"]["Vpc"]


def test_overlay_merges_like_botocore_and_leaves_the_base_alone():
    from botocore.utils import deep_merge

    base = {"a": {"b": {"c": 1}, "d": [1]}, "e": 2}
    extra = {"a": {"b": {"x": 3}, "d": {"now": "a dict"}}, "f": {"g": 4}}
    expected = json.loads(json.dumps(base))
    deep_merge(expected, extra)
    before = json.dumps(base)
    assert moto_lazy.overlay(base, extra) == expected and json.dumps(base) == before


# ------------------------------------------------------------------------------------- managed policies


def test_managed_policies_decoded_one_at_a_time_are_the_whole_json():
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    entries = list(moto_patches.managed_policy_entries(aws_managed_policies_data))
    assert entries == list(json.loads(aws_managed_policies_data).items())


def test_a_lab_reads_and_attaches_managed_policies_as_before():
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    with lk.Lab() as lab:
        iam = lab.client("iam")
        document = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        )
        iam.create_role(RoleName="r", AssumeRolePolicyDocument=document)
        iam.attach_role_policy(RoleName="r", PolicyArn=arn)
        assert iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"][0]["PolicyArn"] == arn
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        statement = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        assert "ec2:CreateNetworkInterface" in json.dumps(statement)


# ------------------------------------------------------------------------------- CloudFormation on demand


def test_cloudformation_imports_a_service_when_a_template_first_uses_it():
    out = _fresh(
        "import json, sys, labkit as lk\n"
        "lab = lk.Lab()\n"
        "st = lab.deploy('vpc-private')\n"
        "others = ('moto.rds.models', 'moto.redshift.models', 'moto.sagemaker.models', 'moto.elbv2.models')\n"
        "print(sorted(m for m in others if m in sys.modules))\n"
        "import moto\n"
        "print([n for n in ('rds', 'redshift', 'sagemaker') if hasattr(moto, n) or 'moto.' + n in sys.modules])\n"
        "subnets = [st.outputs['privateSubnet1ID'], st.outputs['privateSubnet2ID']]\n"
        "group = {'Type': 'AWS::RDS::DBSubnetGroup', 'Properties': {'DBSubnetGroupDescription': 'd', 'SubnetIds': subnets}}\n"
        "lab.deploy(json.dumps({'Resources': {'G': group}}), name='db')\n"
        "print(lab.client('rds').describe_db_subnet_groups()['DBSubnetGroups'][0]['DBSubnetGroupDescription'])\n"
        "print('moto.rds.models' in sys.modules, 'moto.sagemaker.models' in sys.modules)"
    )
    assert out.splitlines() == ["[]", "[]", "d", "True False"]


def test_a_type_moto_does_not_emulate_is_refused_with_the_whole_list():
    from labkit.awslambda import cfn_templates
    from labkit.awslambda.errors import TemplateError

    with lk.Lab() as lab:
        with pytest.raises(TemplateError, match=r"AWS::EKS::Cluster.*Supported types \((\d+)\)") as caught:
            lab.deploy('{"Resources": {"C": {"Type": "AWS::EKS::Cluster", "Properties": {}}}}', name="eks")
    supported = cfn_templates.supported_types()
    assert f"Supported types ({len(supported)})" in str(caught.value)
    assert {"AWS::SageMaker::Model", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::EC2::VPC"} <= set(supported)


def test_every_resource_type_moto_supports_is_still_found():
    from moto.cloudformation import parsing

    with lk.Lab() as lab:
        lab.deploy("vpc-private")
    for namespace, service in moto_lazy.CLOUDFORMATION_ON_DEMAND.items():
        module = sys.modules.get(f"moto.{service}.models")
        types = []
        if module is not None:
            types = [m.cloudformation_type() for m in parsing.get_model_list() if m.__module__.split(".")[1] == service]
        if not types:  # not imported yet: the first look-up of one of its types imports it
            probe = f"AWS::{namespace}::NoSuchThing"
            parsing.resource_class_from_type(probe)
            assert f"moto.{service}.models" in sys.modules, service
            types = [m.cloudformation_type() for m in parsing.get_model_list() if m.__module__.split(".")[1] == service]
        assert types, service
        for resource_type in types:
            assert parsing.resource_class_from_type(resource_type) is not None, resource_type
        assert getattr(sys.modules[f"moto.{service}"], "__file__", None), f"moto.{service} is a stand-in"
