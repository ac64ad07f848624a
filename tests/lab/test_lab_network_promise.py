"""The lab's network promise: during an invocation every socket the handler opens is answered by the lab's
network model (a clear refusal where the path is open, a timeout where it is blocked), never a real
connection; and a sleep past the timeout moves the lab clock instead of blocking."""

from __future__ import annotations

import base64
import json
import socket

import pytest

import labkit as lk
from labkit import samples
from labkit.awslambda.runtime import context as runtime_context

URLLIB_HANDLER = """
import urllib.request

def handler(event, context):
    try:
        with urllib.request.urlopen(event["url"], timeout=event.get("timeout")) as response:
            return {"status": response.status}
    except Exception as e:
        return {"error": type(e).__name__, "message": str(e)}
"""

SOCKET_HANDLER = """
import socket

def handler(event, context):
    try:
        with socket.create_connection((event["host"], event["port"])):
            return {"connected": True}
    except Exception as e:
        return {"error": type(e).__name__, "message": str(e)}
"""

SLEEP_HANDLER = """
import time

def handler(event, context):
    print("before the sleep")
    time.sleep(event["seconds"])
    print("after the sleep")
    return "woke up"
"""


@pytest.fixture(scope="module")
def lab():
    with lk.Lab() as lab:
        yield lab


@pytest.fixture(scope="module")
def network(lab):
    """The guide's private + public network: private subnets that reach the internet through a NAT gateway,
    and a subnet of another VPC with no route out at all."""
    ids = samples.build_private_public(lab.session, name="promise")
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    closed = ec2.create_subnet(VpcId=vpc, CidrBlock="10.70.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(VpcId=vpc, GroupName="fn", Description="function")["GroupId"]
    return {"nat": (list(ids["private_subnet_ids"]), ids["security_group_id"]), "closed": ([closed], group)}


@pytest.fixture
def no_real_network(monkeypatch):
    """The real socket calls fail loudly (and are recorded) if anything reaches them."""
    calls = []

    def refuse(name):
        def real(*args, **kwargs):
            calls.append((name, args[1:]))
            raise AssertionError(f"a real socket call was made: {name}{args[1:]}")

        return real

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if flags & socket.AI_NUMERICHOST:  # a literal address, looked up without any DNS query
            return real_getaddrinfo(host, port, family, type, proto, flags)
        return refuse("getaddrinfo")(None, host, port)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


def create(lab, name, where, source, timeout=5):
    subnets, group = where
    samples.create_function(lab.session, name, subnets, [group], handler_code=source)
    lam = lab.client("lambda")
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Timeout=timeout)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)


def invoke(lab, name, event):
    out = lab.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event), LogType="Tail")
    return out, json.loads(out["Payload"].read()), base64.b64decode(out["LogResult"]).decode()


def test_urllib_to_the_internet_with_a_nat_gateway_says_the_lab_has_no_internet_server(lab, network, no_real_network):
    create(lab, "nat-urllib", network["nat"], URLLIB_HANDLER)
    out, body, _ = invoke(lab, "nat-urllib", {"url": "https://example.com/"})
    assert "FunctionError" not in out
    assert body["error"] == "URLError"
    assert "the lab has no internet server" in body["message"] and "example.com" in body["message"]
    assert no_real_network == []


def test_urllib_to_the_internet_from_a_private_subnet_times_out(lab, network, no_real_network):
    create(lab, "closed-urllib", network["closed"], URLLIB_HANDLER, timeout=4)
    before = lab.clock.elapsed
    out, body, log = invoke(lab, "closed-urllib", {"url": "https://example.com/"})
    assert out["FunctionError"] == "Unhandled"
    assert body["errorMessage"].endswith("Task timed out after 4.00 seconds")
    assert lab.clock.elapsed - before == pytest.approx(4.0)
    assert "example.com" in log and "hung until the function timed out" in log
    assert no_real_network == []


def test_a_socket_to_the_instance_metadata_address_is_answered_by_the_lab(lab, network, no_real_network):
    create(lab, "nat-metadata", network["nat"], SOCKET_HANDLER)
    _, body, _ = invoke(lab, "nat-metadata", {"host": "169.254.169.254", "port": 80})
    assert body["error"] == "ConnectionRefusedError"
    assert "the lab has no internet server" in body["message"] and "169.254.169.254" in body["message"]
    assert "metadata" in body["message"]

    create(lab, "closed-metadata", network["closed"], SOCKET_HANDLER, timeout=3)
    out, body, _ = invoke(lab, "closed-metadata", {"host": "169.254.169.254", "port": 80})
    assert out["FunctionError"] == "Unhandled"
    assert body["errorMessage"].endswith("Task timed out after 3.00 seconds")
    assert no_real_network == []


def test_no_real_connect_happens_during_an_invocation(lab, network, no_real_network):
    create(lab, "nat-socket", network["nat"], SOCKET_HANDLER)
    for host in ("example.com", "203.0.113.10", "2001:db8::10"):
        _, body, _ = invoke(lab, "nat-socket", {"host": host, "port": 443})
        assert body["error"] == "ConnectionRefusedError", (host, body)
    assert no_real_network == []


def test_a_sleep_past_the_timeout_moves_the_lab_clock_instead_of_blocking(lab, network, monkeypatch):
    slept = []
    monkeypatch.setattr(runtime_context, "_real_sleep", slept.append)  # records, never blocks
    create(lab, "sleeper", network["nat"], SLEEP_HANDLER, timeout=3)
    before = lab.clock.elapsed
    out, body, log = invoke(lab, "sleeper", {"seconds": 600})
    assert out["FunctionError"] == "Unhandled"
    assert body["errorMessage"].endswith("Task timed out after 3.00 seconds")
    assert lab.clock.elapsed - before == pytest.approx(3.0)
    assert slept == []  # the machine did not sleep at all
    assert "before the sleep" in log and "after the sleep" not in log and "time.sleep(600)" in log

    # A sleep that ends within the timeout really sleeps (here: recorded) and the handler carries on.
    out, body, log = invoke(lab, "sleeper", {"seconds": 0.5})
    assert "FunctionError" not in out and body == "woke up" and slept == [0.5]
