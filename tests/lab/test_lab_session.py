"""The lab as an account: isolation, closing, staying offline, living with the user's own mock_aws, waiters."""

from __future__ import annotations

import json
import re
import time

import pytest
from botocore.exceptions import WaiterError

import labkit as lk
from labkit import samples
from labkit.awslambda import mock
from labkit.errors import LabClosedError, LabError, RealAwsRefused


@pytest.fixture(scope="module")
def lab():
    with lk.Lab() as lab:
        yield lab


@pytest.fixture(scope="module")
def network(lab):
    return samples.build_private(lab.session, name="session-tests")


def _function(lab, network, name):
    samples.create_function(lab.session, name, network["private_subnet_ids"], [network["security_group_id"]])
    return name


# ------------------------------------------------------------------------------------------ accounts


def test_a_lab_is_an_account_of_its_own(lab):
    assert re.fullmatch(r"\d{12}", lab.account_id)
    assert lab.client("sts").get_caller_identity()["Account"] == lab.account_id
    assert lab.account_id in repr(lab) and lab.region == "us-east-1"


def test_two_labs_do_not_see_each_other(lab):
    vpc = lab.client("ec2").create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    lab.client("s3").create_bucket(Bucket="only-in-the-first-lab")
    with lk.Lab() as other:
        assert other.account_id != lab.account_id
        assert vpc not in [v["VpcId"] for v in other.client("ec2").describe_vpcs()["Vpcs"]]
        assert other.client("s3").list_buckets()["Buckets"] == []
        other.client("s3").create_bucket(Bucket="only-in-the-second-lab")
    names = [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]]
    assert names == ["only-in-the-first-lab"]


def test_closing_drops_the_account_and_its_clients_refuse_with_a_clear_error():
    lab = lk.Lab()
    ec2 = lab.client("ec2")
    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    account = lab.account_id
    assert mock.has_account(account)
    lab.close()
    assert lab.closed and not mock.has_account(account)
    with pytest.raises(LabClosedError, match="closed.*lk.Lab()"):
        ec2.describe_vpcs()
    with pytest.raises(LabClosedError):
        lab.client("ec2")
    with pytest.raises(LabClosedError):
        lab.advance(1)
    lab.close()  # idempotent


def test_a_with_block_closes_the_lab():
    with lk.Lab() as lab:
        account = lab.account_id
    assert lab.closed and not mock.has_account(account)


def test_an_unknown_region_is_refused_with_a_suggestion():
    with pytest.raises(LabError, match="Did you mean eu-west-1"):
        lk.Lab(region="eu-west-11")


def test_moto_account_id_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    with pytest.raises(LabError, match="Unset it"):
        lk.Lab()


# --------------------------------------------------------------------------------------------- offline


def test_real_credentials_and_profiles_in_the_environment_are_ignored(monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.write_text("[profile prod]\nregion = eu-west-3\nendpoint_url = https://real.example.com\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALREALREALREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://real.example.com")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    with lk.Lab() as lab:
        sent = []
        lab.session._session.register("before-send", lambda request, **kw: sent.append(request.url))
        assert lab.session.get_credentials().access_key == "testing"
        assert lab.client("sts").get_caller_identity()["Account"] == lab.account_id
        assert lab.client("ec2").describe_vpcs()["Vpcs"]  # moto's default VPC of the lab account
        assert sent and all(
            url.startswith(("https://sts.us-east-1.amazonaws.com", "https://ec2.us-east-1.")) for url in sent
        )


def test_a_request_moto_does_not_answer_never_leaves(lab, monkeypatch):
    from moto.core.models import botocore_stubber

    monkeypatch.setattr(botocore_stubber, "enabled", False)  # as if moto were not running
    with pytest.raises(RealAwsRefused, match="moto is not running"):
        lab.client("ec2").describe_vpcs()


def test_the_users_own_mock_aws_before_and_during_the_lab_leaves_the_lab_alone():
    import boto3
    import moto

    with moto.mock_aws():
        plain = boto3.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1")
        plain.client("s3").create_bucket(Bucket="users-own")
        with lk.Lab() as lab:
            lab.client("s3").create_bucket(Bucket="labs-own")
            with moto.mock_aws():  # a nested mock of the user's, opened and closed while the lab lives
                pass
            assert [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]] == ["labs-own"]
            assert [b["Name"] for b in plain.client("s3").list_buckets()["Buckets"]] == ["users-own"]
        assert [b["Name"] for b in plain.client("s3").list_buckets()["Buckets"]] == ["users-own"]


def test_a_lab_outlives_a_users_mock_that_ends_first():
    import moto

    user_mock = moto.mock_aws()
    user_mock.start()
    lab = lk.Lab()
    try:
        lab.client("s3").create_bucket(Bucket="still-here")
        user_mock.stop()
        assert [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]] == ["still-here"]
    finally:
        lab.close()


# ---------------------------------------------------------------------------------------- topology


def test_topology_is_cached_until_the_network_changes(lab):
    first = lab.topology()
    assert lab.topology() is first
    lab.client("s3").create_bucket(Bucket="not-a-network-change")
    assert lab.topology() is first
    vpc = lab.client("ec2").create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    second = lab.topology()
    assert second is not first and vpc in [v.id for v in second.vpcs]
    assert second.account_id == lab.account_id


# ---------------------------------------------------------------------------------------------- clock


def test_advance_takes_every_documented_form_and_moves_now(lab):
    before = lab.now
    after = lab.advance("1 min 30 s")
    assert (after - before).total_seconds() == 90 and lab.now == after and after.tzinfo is not None
    with pytest.raises(lk.errors.DurationError, match="Accepted"):
        lab.advance("a while")


# -------------------------------------------------------------------------------------------- waiters


def test_function_active_v2_waits_on_the_lab_clock_not_the_wall(lab, network):
    lam = lab.client("lambda")
    _function(lab, network, "waits-for-active")
    assert lam.get_function(FunctionName="waits-for-active")["Configuration"]["State"] == "Pending"
    before, wall = lab.clock.elapsed, time.perf_counter()
    lam.get_waiter("function_active_v2").wait(FunctionName="waits-for-active")
    assert lam.get_function(FunctionName="waits-for-active")["Configuration"]["State"] == "Active"
    assert lab.clock.elapsed - before >= lab.timings.eni_create  # 90 lab seconds went by
    assert time.perf_counter() - wall < lab.timings.eni_create / 2  # and far fewer real ones


def test_function_updated_v2_and_function_exists(lab, network):
    lam = lab.client("lambda")
    _function(lab, network, "waits-for-update")
    lam.get_waiter("function_active").wait(FunctionName="waits-for-update")
    lam.update_function_configuration(FunctionName="waits-for-update", MemorySize=256)
    assert lam.get_function(FunctionName="waits-for-update")["Configuration"]["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName="waits-for-update")
    assert lam.get_function_configuration(FunctionName="waits-for-update")["LastUpdateStatus"] == "Successful"
    lam.update_function_configuration(FunctionName="waits-for-update", MemorySize=512)
    before = lab.clock.elapsed
    lam.get_waiter("function_updated").wait(FunctionName="waits-for-update")  # the v1 waiter: 5 s delays
    assert lam.get_function_configuration(FunctionName="waits-for-update")["LastUpdateStatus"] == "Successful"
    assert lab.clock.elapsed - before == 5
    lam.get_waiter("function_exists").wait(FunctionName="waits-for-update")


def test_a_waiter_that_can_never_succeed_fails_after_its_attempts_without_sleeping(lab):
    lam = lab.client("lambda")
    before, wall = lab.clock.elapsed, time.perf_counter()
    with pytest.raises(WaiterError, match="Max attempts exceeded"):
        lam.get_waiter("function_exists").wait(
            FunctionName="never-created", WaiterConfig={"Delay": 30, "MaxAttempts": 4}
        )
    assert lab.clock.elapsed - before == 3 * 30  # three sleeps between four attempts
    assert time.perf_counter() - wall < 5


def test_ec2_waiters_use_the_lab_clock_too(lab):
    ec2 = lab.client("ec2")
    before = lab.clock.elapsed
    with pytest.raises(WaiterError):
        ec2.get_waiter("subnet_available").wait(
            SubnetIds=["subnet-0000000000000dead"], WaiterConfig={"Delay": 15, "MaxAttempts": 3}
        )
    assert lab.clock.elapsed - before in (0, 30)  # an error acceptor may stop at once; never a real sleep


def test_policies_of_a_restricted_client_are_checked_at_once():
    with lk.Lab() as lab:
        with pytest.raises(lk.iam.PolicyError):
            lab.client("lambda", policies={"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]})
        with pytest.raises(LabError, match="IAM user name"):
            lab.client("lambda", policies=json.dumps({"Version": "2012-10-17", "Statement": []}), user="no spaces")


def test_reading_another_session_while_a_lab_is_open_is_refused():
    import boto3

    import labkit as lk
    from labkit.errors import AwsSetupError

    other = boto3.Session(aws_access_key_id="AKIAREAL", aws_secret_access_key="real", region_name="us-east-1")
    with lk.Lab() as lab:
        with pytest.raises(AwsSetupError, match="offline lab"):
            lk.Topology.from_boto3(other)
        assert lk.Topology.from_boto3(lab.session).region == "us-east-1"  # the lab's own session is fine
