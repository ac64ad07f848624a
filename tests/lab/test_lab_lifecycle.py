"""A lab's life: each lab its own S3 world, the same bucket name lab after lab, close() (and garbage
collection) freeing what the lab made, and the canary for the lab's moto patches."""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import threading
import weakref

import pytest
from botocore.exceptions import ClientError

import labkit as lk
from labkit import samples
from labkit.awslambda import mock, moto_canary, moto_patches

HANDLER = "import json\n\ndef handler(event, context):\n    return {'n': event['n']}\n"


@pytest.fixture
def private_tmp(monkeypatch, tmp_path):
    """The process's temporary directory, for this test only (other processes use the real one)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _labkit_entries(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith("labkit"))


def _task_modules() -> list[str]:
    """Modules alive anywhere in the process whose code was unpacked from a deployment package."""
    gc.collect()
    return [
        m.__name__
        for m in gc.get_objects()
        if type(m).__name__ == "module" and "labkit-task-" in str(getattr(m, "__file__", "") or "")
    ]


def _used_lab(lab, name="fn"):
    """Deploy a network, create a VPC function and invoke it: what a lesson does with a lab."""
    stack = lab.deploy("vpc-private")
    subnets = [stack.outputs["privateSubnet1ID"], stack.outputs["privateSubnet2ID"]]
    groups = lab.client("ec2").describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [stack.outputs["privateVPCID"]]}]
    )["SecurityGroups"]
    samples.create_function(lab.session, name, subnets, [groups[0]["GroupId"]], HANDLER)
    lab.advance("2 min")
    out = lab.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"n": 7}))
    assert json.loads(out["Payload"].read()) == {"n": 7}
    lk.trace(lab.topology(), name, "s3")


# ---------------------------------------------------------------------------------------- S3 per lab


def test_another_labs_buckets_are_invisible():
    with lk.Lab() as one, lk.Lab() as two:
        s3_one, s3_two = one.client("s3"), two.client("s3")
        s3_one.create_bucket(Bucket="orders-data")
        s3_one.put_object(Bucket="orders-data", Key="a.txt", Body=b"one")
        assert [b["Name"] for b in s3_two.list_buckets()["Buckets"]] == []
        for call in (
            lambda: s3_two.get_object(Bucket="orders-data", Key="a.txt"),
            lambda: s3_two.put_object(Bucket="orders-data", Key="b.txt", Body=b"two"),
            lambda: s3_two.delete_object(Bucket="orders-data", Key="a.txt"),
            lambda: s3_two.head_bucket(Bucket="orders-data"),
        ):
            with pytest.raises(ClientError) as caught:
                call()
            assert caught.value.response["Error"]["Code"] in ("NoSuchBucket", "404")
        assert s3_one.get_object(Bucket="orders-data", Key="a.txt")["Body"].read() == b"one"


def test_two_open_labs_can_each_have_a_bucket_of_the_same_name():
    with lk.Lab() as one, lk.Lab() as two:
        one.client("s3").create_bucket(Bucket="my-bucket")
        two.client("s3").create_bucket(Bucket="my-bucket")
        one.client("s3").put_object(Bucket="my-bucket", Key="k", Body=b"one")
        two.client("s3").put_object(Bucket="my-bucket", Key="k", Body=b"two")
        two.client("s3").delete_object(Bucket="my-bucket", Key="k")
        two.client("s3").delete_bucket(Bucket="my-bucket")
        assert one.client("s3").get_object(Bucket="my-bucket", Key="k")["Body"].read() == b"one"
        # within one lab the bucket is the lab's own: creating it again in us-east-1 changes nothing (as on AWS)
        one.client("s3").create_bucket(Bucket="my-bucket")
        assert one.client("s3").get_object(Bucket="my-bucket", Key="k")["Body"].read() == b"one"


def test_the_same_bucket_lab_after_lab_whether_or_not_the_old_lab_was_closed():
    for _run in range(3):  # a cell re-run: the old lab closed by its with block
        with lk.Lab() as lab:
            lab.client("s3").create_bucket(Bucket="my-bucket")
            assert [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]] == ["my-bucket"]
    kept = []  # a cell re-run whose old lab is still referenced (the notebook's output history)
    for _run in range(3):
        lab = lk.Lab()
        lab.client("s3").create_bucket(Bucket="my-bucket")
        lab.client("s3").put_object(Bucket="my-bucket", Key="k", Body=b"x")
        kept.append(lab)
    assert [lab.client("s3").list_objects_v2(Bucket="my-bucket")["KeyCount"] for lab in kept] == [1, 1, 1]
    for lab in kept:
        lab.close()
    with lk.Lab() as lab:
        lab.client("s3").create_bucket(Bucket="my-bucket")


# ---------------------------------------------------------------------------------------- close() frees


def test_close_frees_the_account_its_environments_temp_folders_and_handler_modules(private_tmp):
    threads = set(threading.enumerate())
    lab = lk.Lab()
    _used_lab(lab)
    account = lab.account_id
    assert _labkit_entries(private_tmp), "the function's code is unpacked into a labkit-task-* folder"
    from moto.ec2.models import ec2_backends

    backend = weakref.ref(ec2_backends[account][lab.region])
    lab.close()
    gc.collect()
    assert _labkit_entries(private_tmp) == []
    assert _task_modules() == []
    assert not mock.has_account(account)
    assert backend() is None, "the closed account's EC2 data is still referenced"
    assert set(threading.enumerate()) <= threads


def test_a_lab_that_is_never_closed_is_freed_when_it_is_garbage_collected(private_tmp):
    lab = lk.Lab()
    _used_lab(lab, "forgotten")
    account = lab.account_id
    del lab
    gc.collect()
    assert not mock.has_account(account)
    assert _labkit_entries(private_tmp) == []
    assert _task_modules() == []


def test_many_labs_leave_no_moto_backends_behind():
    from moto.core.base_backend import BackendDict

    accounts = []
    for _ in range(3):
        with lk.Lab() as lab:
            _used_lab(lab)
            accounts.append(lab.account_id)
    gc.collect()
    held = {account for backend in BackendDict._instances for account in dict.keys(backend)}  # noqa: SLF001
    assert not held & set(accounts)


# ------------------------------------------------------------------------------------ the moto canary


def test_the_moto_internals_the_patches_rely_on_are_still_there():
    """Fails when a moto upgrade moves what labkit/awslambda/moto_patches.py changes: review the patches."""
    moto_patches.install()
    import moto.rds.models  # noqa: F401 - imported when first used; here to check its patch
    import moto.s3.models  # noqa: F401

    with lk.Lab() as lab:
        lab.client("ec2").describe_vpcs()
        lab.client("iam").list_roles()
    moto_canary.check()
    assert moto_patches.installed() >= set(moto_patches.PATCHES)


def test_data_loaded_on_demand_still_answers():
    with lk.Lab() as lab, lk.Lab(region="eu-west-1") as eu:
        ec2 = lab.client("ec2")
        types = ec2.describe_instance_types(InstanceTypes=["t3.micro"])["InstanceTypes"]
        assert types[0]["VCpuInfo"]["DefaultVCpus"] == 2
        offered = ec2.describe_instance_type_offerings(LocationType="availability-zone")["InstanceTypeOfferings"]
        assert {o["Location"] for o in offered} >= {"us-east-1a", "us-east-1b"}
        images = ec2.describe_images(Owners=["amazon"])["Images"]
        assert images and all(i["OwnerId"] for i in images)
        snapshot_ids = {s["SnapshotId"] for s in ec2.describe_snapshots()["Snapshots"]}
        assert {m["Ebs"]["SnapshotId"] for m in images[0]["BlockDeviceMappings"] if "Ebs" in m} <= snapshot_ids
        ec2_eu = eu.client("ec2")
        zones = [z["ZoneName"] for z in ec2_eu.describe_availability_zones()["AvailabilityZones"]]
        assert zones == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
        image = ec2_eu.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        run = ec2_eu.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")
        assert run["Instances"][0]["Placement"]["AvailabilityZone"].startswith("eu-west-1")
        policies = lab.client("iam").list_policies(Scope="AWS", MaxItems=1000)["Policies"]
        assert "AWSLambdaVPCAccessExecutionRole" in {p["PolicyName"] for p in policies}


def test_moto_is_imported_service_by_service_when_first_used():
    # a lab that only reads EC2 has not loaded Lambda's, CloudFormation's or RDS's moto support
    code = (
        "import sys, labkit as lk\nlab = lk.Lab()\nlab.client('ec2').describe_vpcs()\n"
        "print(sorted(m for m in ('moto.awslambda.models', 'moto.cloudformation.models', 'moto.rds.models') "
        "if m in sys.modules))"
    )
    import subprocess

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"
