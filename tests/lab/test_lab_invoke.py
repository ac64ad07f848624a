"""Invoke through the lab: the handler runs, and the network decides whether its SDK calls get an answer."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

import labkit as lk
from labkit import samples

S3_HANDLER = """
import boto3

def handler(event, context):
    return sorted(b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"])
"""


def package(source: str) -> bytes:
    return samples.handler_zip(source, "index.py")


@pytest.fixture(scope="module")
def lab():
    with lk.Lab() as lab:
        lab.client("s3").create_bucket(Bucket="reports")
        yield lab


@pytest.fixture(scope="module")
def isolated(lab):
    """A VPC whose subnet has neither a NAT gateway nor an S3 endpoint, and one that has the S3 endpoint."""
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    bare = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.1.0/24")["Subnet"]["SubnetId"]
    served = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.2.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=served)
    ec2.create_vpc_endpoint(
        VpcEndpointType="Gateway", VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", RouteTableIds=[table]
    )
    group = ec2.create_security_group(VpcId=vpc, GroupName="fn", Description="function")["GroupId"]
    return {"bare": bare, "served": served, "group": group}


def create(lab, name, subnets, group, source=S3_HANDLER, timeout=30):
    samples.create_function(lab.session, name, subnets, [group] if subnets else [], handler_code=source)
    lam = lab.client("lambda")
    lam.get_waiter("function_active_v2").wait(FunctionName=name)  # a new VPC function is Pending first
    lam.update_function_configuration(FunctionName=name, Timeout=timeout)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)


def test_s3_from_a_private_subnet_without_endpoint_or_nat_times_out(lab, isolated):
    create(lab, "no-route", [isolated["bare"]], isolated["group"], timeout=4)
    before = lab.clock.elapsed
    out = lab.client("lambda").invoke(FunctionName="no-route", LogType="Tail")
    body = json.loads(out["Payload"].read())
    assert out["StatusCode"] == 200 and out["FunctionError"] == "Unhandled"
    assert body["errorMessage"].endswith("Task timed out after 4.00 seconds")
    assert lab.clock.elapsed - before == pytest.approx(4.0)  # the lab clock moved by the function's timeout
    log = base64.b64decode(out["LogResult"]).decode()
    assert "Task timed out after 4.00 seconds" in log and "REPORT RequestId" in log
    blocker = lab.control_plane.last_result.blocked_by
    assert blocker is not None and not blocker.reachable
    # the VPC has an S3 endpoint, but not on this subnet's route table
    assert blocker.paths[0].blocked_by.code.value == "NO_ENDPOINT_ACCESS"


def test_s3_through_a_gateway_endpoint_succeeds(lab, isolated):
    create(lab, "with-endpoint", [isolated["served"]], isolated["group"])
    out = lab.client("lambda").invoke(FunctionName="with-endpoint", LogType="Tail")
    assert "FunctionError" not in out, (out["Payload"].read(), base64.b64decode(out["LogResult"]))
    assert json.loads(out["Payload"].read()) == ["reports"]


def test_during_a_network_update_invocations_use_the_previous_network(lab, isolated):
    lam = lab.client("lambda")
    create(lab, "moving", [isolated["bare"]], isolated["group"])
    lam.update_function_configuration(
        FunctionName="moving", VpcConfig={"SubnetIds": [isolated["served"]], "SecurityGroupIds": [isolated["group"]]}
    )
    assert lam.get_function(FunctionName="moving")["Configuration"]["LastUpdateStatus"] == "InProgress"
    assert lam.invoke(FunctionName="moving").get("FunctionError") == "Unhandled"  # still the bare subnet
    lam.get_waiter("function_updated_v2").wait(FunctionName="moving")
    out = lam.invoke(FunctionName="moving")
    assert "FunctionError" not in out and json.loads(out["Payload"].read()) == ["reports"]


def test_a_function_outside_any_vpc_reaches_s3(lab):
    create(lab, "outside", [], "")
    assert json.loads(lab.client("lambda").invoke(FunctionName="outside")["Payload"].read()) == ["reports"]


def test_the_guides_private_network_reaches_s3_but_not_other_services():
    source = """
import boto3

def handler(event, context):
    if event["service"] == "s3":
        return len(boto3.client("s3").list_buckets()["Buckets"])
    return boto3.client("secretsmanager").list_secrets()["SecretList"]
"""
    with lk.Lab() as lab:
        stack = lab.deploy("vpc-private", name="private")
        subnets = [stack.outputs["privateSubnet1ID"], stack.outputs["privateSubnet2ID"]]
        group = lab.client("ec2").describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [stack.outputs["privateVPCID"]]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"][0]["GroupId"]
        create(lab, "private-fn", subnets, group, source=source)
        lam = lab.client("lambda")
        assert json.loads(lam.invoke(FunctionName="private-fn", Payload=b'{"service": "s3"}')["Payload"].read()) == 0
        denied = lam.invoke(FunctionName="private-fn", Payload=json.dumps({"service": "secretsmanager"}))
        assert denied["FunctionError"] == "Unhandled"
        assert "Task timed out" in json.loads(denied["Payload"].read())["errorMessage"]


def test_event_and_dry_run_invocations(lab, isolated):
    create(lab, "async", [isolated["served"]], isolated["group"])
    lam = lab.client("lambda")
    event = lam.invoke(FunctionName="async", InvocationType="Event")
    assert event["StatusCode"] == 202 and event["Payload"].read() == b""
    assert lam.invoke(FunctionName="async", InvocationType="DryRun")["StatusCode"] == 204


def test_a_handler_error_and_a_payload_that_is_not_json(lab):
    create(lab, "broken", [], "", source="def handler(event, context):\n    raise ValueError('bad input')\n")
    lam = lab.client("lambda")
    out = lam.invoke(FunctionName="broken", Payload=b"{}")
    body = json.loads(out["Payload"].read())
    assert out["FunctionError"] == "Unhandled" and body["errorType"] == "ValueError"
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName="broken", Payload=b"{not json")
    assert info.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_invoking_a_function_that_does_not_exist(lab):
    with pytest.raises(lab.client("lambda").exceptions.ResourceNotFoundException):
        lab.client("lambda").invoke(FunctionName="nobody")
