"""Bad input to ``lk.trace``: a labkit error (a ``ValueError`` or ``LookupError``) whose message says what
is accepted, raised without a chain of internal exceptions behind it."""

from __future__ import annotations

import pytest

import labkit as lk
from tests.builders import AccountBuilder


@pytest.fixture
def account(session):
    """A small account: one VPC, a private subnet, a group and a VPC-connected function "orders"."""
    b = AccountBuilder(session)
    vpc = b.vpc("10.0.0.0/16")
    subnet = b.subnet(vpc, "10.0.1.0/24")
    sg = b.sg(vpc)
    b.function("orders", [subnet], [sg])
    return {"topo": lk.Topology.from_boto3(session), "subnet": subnet, "sg": sg}


def _assert_clean(exc: BaseException) -> None:
    """A labkit error, not a leaked internal one, with no exception chain in its traceback."""
    assert isinstance(exc, lk.LabkitError)
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__


# ------------------------------------------------------------------------------------------- sources


def test_unknown_function_is_a_lookup_error_naming_the_known_ones(account):
    with pytest.raises(lk.UnknownFunctionError) as info:
        lk.trace(account["topo"], source="order", destination="internet")
    assert isinstance(info.value, LookupError)
    message = str(info.value)
    assert "'order'" in message
    assert "orders" in message  # the functions that do exist
    assert "name or ARN" in message
    _assert_clean(info.value)


def test_unknown_subnet_as_explicit_source(account):
    with pytest.raises(lk.UnknownSubnetError) as info:
        lk.trace(
            account["topo"], source="subnet-00000000deadbeef", destination="internet", security_groups=[account["sg"]]
        )
    assert isinstance(info.value, LookupError)
    message = str(info.value)
    assert "subnet-00000000deadbeef" in message
    assert account["subnet"] in message  # a subnet that does exist is listed
    _assert_clean(info.value)


def test_unknown_security_group_in_explicit_source(account):
    with pytest.raises(lk.UnknownResourceError) as info:
        lk.trace(account["topo"], source=account["subnet"], destination="internet", security_groups=["sg-0nope"])
    assert isinstance(info.value, LookupError)
    assert "sg-0nope" in str(info.value)
    _assert_clean(info.value)


def test_subnet_source_without_security_groups(account):
    with pytest.raises(lk.SourceError) as info:
        lk.trace(account["topo"], source=account["subnet"], destination="internet")
    assert isinstance(info.value, ValueError)
    assert "security_groups" in str(info.value)
    _assert_clean(info.value)


def test_source_of_the_wrong_type(account):
    with pytest.raises(lk.SourceError) as info:
        lk.trace(account["topo"], source=42, destination="internet")
    assert isinstance(info.value, ValueError)
    assert "function name or ARN" in str(info.value)
    _assert_clean(info.value)


# --------------------------------------------------------------------------------------- destinations

ACCEPTED_WORDS = ("internet", "s3", "IP:PORT")


@pytest.mark.parametrize(
    "destination, key_words",
    [
        pytest.param("", ACCEPTED_WORDS, id="empty"),
        pytest.param("   ", ACCEPTED_WORDS, id="blank"),
        pytest.param("10.0.0.999:80", ("10.0.0.999",) + ACCEPTED_WORDS, id="ip-octet-out-of-range"),
        pytest.param("host:abc", ("host",) + ACCEPTED_WORDS, id="hostname-with-text-port"),
        pytest.param("db.internal:5432", ("db.internal",) + ACCEPTED_WORDS, id="hostname-with-port"),
        pytest.param("not-a-service", ("not-a-service",) + ACCEPTED_WORDS, id="unknown-service"),
        pytest.param("10.0.0.5", ("IP:PORT", "10.0.0.5:443"), id="ip-without-port"),
        pytest.param("10.0.0.5:99999", ("1", "65535"), id="port-out-of-range"),
        pytest.param("10.0.0.5:0", ("1", "65535"), id="port-zero"),
        pytest.param("10.0.0.5:", ("1", "65535"), id="port-missing-after-colon"),
        pytest.param("internet:http", ("1", "65535"), id="internet-with-text-port"),
        pytest.param("::1:443", ("IPv4",), id="ipv6"),
    ],
)
def test_malformed_destination_says_what_is_accepted(account, destination, key_words):
    with pytest.raises(lk.DestinationError) as info:
        lk.trace(account["topo"], source="orders", destination=destination)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    for word in key_words:
        assert word in message, message
    _assert_clean(info.value)


def test_non_text_destination(account):
    with pytest.raises(lk.DestinationError) as info:
        lk.trace(account["topo"], source="orders", destination=None)
    assert "internet" in str(info.value)
    _assert_clean(info.value)


def test_unknown_service_error_lists_known_service_names(account):
    with pytest.raises(lk.DestinationError) as info:
        lk.trace(account["topo"], source="orders", destination="not-a-service")
    message = str(info.value)
    for service in ("dynamodb", "secretsmanager", "sqs"):
        assert service in message


def test_can_reach_raises_the_same_errors(account):
    with pytest.raises(lk.UnknownFunctionError):
        lk.can_reach(account["topo"], source="nope", destination="internet")
    with pytest.raises(lk.DestinationError):
        lk.can_reach(account["topo"], source="orders", destination="10.0.0.5")


@pytest.mark.parametrize(
    "destination",
    ["internet", "INTERNET", "s3", "S3", "internet:8080", "sqs", "10.0.1.7:5432", "com.amazonaws.us-east-1.dynamodb"],
)
def test_well_formed_destinations_are_accepted(account, destination):
    t = lk.trace(account["topo"], source="orders", destination=destination)
    assert len(t.paths) == 1


# ------------------------------------------------------------------------------- misuse of the API


@pytest.mark.parametrize("topo", [None, 1, {}, "orders", []], ids=["none", "int", "dict", "str", "list"])
def test_a_topology_that_is_not_one_is_a_source_error_saying_how_to_get_one(account, topo):
    with pytest.raises(lk.SourceError) as info:
        lk.trace(topo, "orders", "internet")
    assert "Topology" in str(info.value) and "from_boto3" in str(info.value)
    _assert_clean(info.value)


@pytest.mark.parametrize("source", [None, 1, {}, 4.5, b"orders"], ids=["none", "int", "dict", "float", "bytes"])
def test_a_source_of_the_wrong_type_is_a_source_error(account, source):
    with pytest.raises(lk.SourceError) as info:
        lk.trace(account["topo"], source, "internet")
    assert "function name or ARN" in str(info.value)
    _assert_clean(info.value)


@pytest.mark.parametrize("groups", [42, {"sg": 1}, [42], [None]], ids=["int", "dict", "list-of-int", "list-of-none"])
def test_security_groups_of_the_wrong_type_are_a_source_error(account, groups):
    with pytest.raises(lk.SourceError) as info:
        lk.trace(account["topo"], account["subnet"], "internet", security_groups=groups)
    assert "security_groups" in str(info.value) and "sg-" in str(info.value)
    _assert_clean(info.value)


def test_subnet_ids_that_are_not_text_are_a_source_error(account):
    with pytest.raises(lk.SourceError):
        lk.trace(account["topo"], [account["subnet"], 7], "internet", security_groups=[account["sg"]])


@pytest.mark.parametrize(
    "destination",
    [
        pytest.param("10.20.1.5:+80", id="plus-sign"),
        pytest.param("10.20.1.5: 80", id="space-before-port"),
        pytest.param("internet:\u0663", id="arabic-indic-digit"),
        pytest.param("internet:1_000", id="underscore-in-port"),
        pytest.param("internet:000080", id="more-than-five-digits"),
    ],
)
def test_ports_are_ascii_digits_only(account, destination):
    with pytest.raises(lk.DestinationError) as info:
        lk.trace(account["topo"], "orders", destination)
    assert "1 to 65535" in str(info.value)
    _assert_clean(info.value)
