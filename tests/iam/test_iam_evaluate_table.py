"""The IAM engine against a table of named cases, each following a section of the AWS documentation.

Every row: the policies, the request (action, resource, context), the decision IAM gives, and the
documentation section the expectation comes from. Deny cases pair the Deny with ``ALLOW_ALL`` so that
"not denied" shows as ``allowed`` rather than an implicit deny.
"""

from __future__ import annotations

import pytest

from labkit import iam
from labkit.iam import Decision, evaluate, lambda_vpc_context
from labkit.iam.examples import LAMBDA_VPC_EXAMPLES, STAY_IN_SUBNETS_FIXED
from labkit.iam.operators import OPERATORS

A, X, IMPLICIT = "allowed", "explicitDeny", "implicitDeny"

# documentation sections (IAM User Guide unless said otherwise)
OPS = "IAM UG: IAM JSON policy elements: Condition operators"
STRING = OPS + " > String condition operators"
NUMERIC = OPS + " > Numeric condition operators"
DATE = OPS + " > Date condition operators"
BOOL = OPS + " > Boolean condition operators"
BINARY = OPS + " > Binary condition operators"
IP = OPS + " > IP address condition operators"
ARN = OPS + " > Amazon Resource Name (ARN) condition operators"
IFEXISTS = OPS + " > ...IfExists condition operators"
NULL = OPS + " > Condition operator to check existence of condition keys"
ABSENT = OPS + " (Important: a missing key is false, true for a negated operator)"
MULTI = "IAM UG: Conditions with multiple context keys or values"
SETS = "IAM UG: Single-valued vs. multivalued context keys > set operators"
SET_EXAMPLES = "IAM UG: Multivalued context key examples"
CONDITION = "IAM UG: IAM JSON policy elements: Condition (key names are not case-sensitive)"
ACTION = "IAM UG: IAM JSON policy elements: Action"
NOTACTION = "IAM UG: IAM JSON policy elements: NotAction"
RESOURCE = "IAM UG: IAM JSON policy elements: Resource"
NOTRESOURCE = "IAM UG: IAM JSON policy elements: NotResource"
VARS = "IAM UG: IAM policy elements: Variables and tags"
VERSION = "IAM UG: IAM JSON policy elements: Version (variables need 2012-10-17)"
EVAL = "IAM UG: Policy evaluation logic"
LAMBDA = "Lambda DG: Configuring VPC access > Using IAM condition keys for VPC settings"

FN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"


def S(
    effect="Allow",
    action="lambda:CreateFunction",
    resource="*",
    cond=None,
    sid=None,
    not_action=None,
    not_resource=None,
):
    st = {"Effect": effect}
    if sid:
        st["Sid"] = sid
    if not_action is not None:
        st["NotAction"] = not_action
    else:
        st["Action"] = action
    if not_resource is not None:
        st["NotResource"] = not_resource
    else:
        st["Resource"] = resource
    if cond is not None:
        st["Condition"] = cond
    return st


def P(*statements, version="2012-10-17"):
    doc = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    return doc


ALLOW_ALL = P(S("Allow", action="*", sid="AllowAll"))


def allow_if(cond, **kw):
    return [P(S("Allow", cond=cond, **kw))]


def deny_if(cond, **kw):
    return [P(S("Deny", cond=cond, **kw)), ALLOW_ALL]


def case(id, policies, context, expected, doc, action="lambda:CreateFunction", resource="*"):
    return pytest.param(policies, action, resource, context, expected, doc, id=id)


CASES = [
    # ------------------------------------------------------------------ String
    case(
        "StringEquals-match",
        allow_if({"StringEquals": {"aws:username": "alice"}}),
        {"aws:username": "alice"},
        A,
        STRING,
    ),
    case(
        "StringEquals-case-sensitive",
        allow_if({"StringEquals": {"aws:username": "alice"}}),
        {"aws:username": "Alice"},
        IMPLICIT,
        STRING,
    ),
    case("StringEquals-absent-key", allow_if({"StringEquals": {"aws:username": "alice"}}), {}, IMPLICIT, ABSENT),
    case(
        "StringEquals-values-OR",
        allow_if({"StringEquals": {"aws:username": ["bob", "alice"]}}),
        {"aws:username": "alice"},
        A,
        MULTI,
    ),
    case(
        "StringEquals-no-wildcards",
        allow_if({"StringEquals": {"aws:username": "al*"}}),
        {"aws:username": "alice"},
        IMPLICIT,
        STRING,
    ),
    case(
        "StringNotEquals-not-listed",
        allow_if({"StringNotEquals": {"aws:username": ["bob", "carol"]}}),
        {"aws:username": "alice"},
        A,
        MULTI,
    ),
    case(
        "StringNotEquals-listed-NOR",
        allow_if({"StringNotEquals": {"aws:username": ["bob", "alice"]}}),
        {"aws:username": "alice"},
        IMPLICIT,
        MULTI,
    ),
    case("StringNotEquals-absent-key-true", allow_if({"StringNotEquals": {"aws:username": "bob"}}), {}, A, ABSENT),
    case(
        "StringEqualsIgnoreCase-match",
        allow_if({"StringEqualsIgnoreCase": {"aws:username": "alice"}}),
        {"aws:username": "ALICE"},
        A,
        STRING,
    ),
    case(
        "StringNotEqualsIgnoreCase-listed",
        allow_if({"StringNotEqualsIgnoreCase": {"aws:username": "alice"}}),
        {"aws:username": "ALICE"},
        IMPLICIT,
        STRING,
    ),
    case(
        "StringLike-star",
        allow_if({"StringLike": {"lambda:VpcIds": "vpc-0a*"}}),
        {"lambda:VpcIds": "vpc-0abc"},
        A,
        STRING,
    ),
    case(
        "StringLike-question-mark",
        allow_if({"StringLike": {"aws:username": "user-?"}}),
        {"aws:username": "user-7"},
        A,
        STRING,
    ),
    case(
        "StringLike-question-mark-one-char",
        allow_if({"StringLike": {"aws:username": "user-?"}}),
        {"aws:username": "user-77"},
        IMPLICIT,
        STRING,
    ),
    case(
        "StringLike-case-sensitive",
        allow_if({"StringLike": {"aws:username": "adm*"}}),
        {"aws:username": "Admin"},
        IMPLICIT,
        STRING,
    ),
    case(
        "StringNotLike-matching",
        allow_if({"StringNotLike": {"aws:username": "adm*"}}),
        {"aws:username": "admin"},
        IMPLICIT,
        STRING,
    ),
    case(
        "StringNotLike-not-matching",
        allow_if({"StringNotLike": {"aws:username": "adm*"}}),
        {"aws:username": "alice"},
        A,
        STRING,
    ),
    case("StringNotLike-absent-key-true", deny_if({"StringNotLike": {"aws:PrincipalTag/team": "dev*"}}), {}, X, ABSENT),
    # ------------------------------------------------------------------ Numeric
    case("NumericEquals", allow_if({"NumericEquals": {"s3:max-keys": "10"}}), {"s3:max-keys": 10}, A, NUMERIC),
    case(
        "NumericEquals-decimal",
        allow_if({"NumericEquals": {"s3:max-keys": "2.5"}}),
        {"s3:max-keys": "2.50"},
        A,
        NUMERIC,
    ),
    case(
        "NumericNotEquals",
        allow_if({"NumericNotEquals": {"s3:max-keys": ["10", "20"]}}),
        {"s3:max-keys": 5},
        A,
        NUMERIC,
    ),
    case(
        "NumericNotEquals-listed",
        allow_if({"NumericNotEquals": {"s3:max-keys": ["10", "20"]}}),
        {"s3:max-keys": 20},
        IMPLICIT,
        MULTI,
    ),
    case("NumericLessThan", allow_if({"NumericLessThan": {"s3:max-keys": "10"}}), {"s3:max-keys": 9}, A, NUMERIC),
    case(
        "NumericLessThan-equal-is-false",
        allow_if({"NumericLessThan": {"s3:max-keys": "10"}}),
        {"s3:max-keys": 10},
        IMPLICIT,
        NUMERIC,
    ),
    case(
        "NumericLessThanEquals",
        allow_if({"NumericLessThanEquals": {"s3:max-keys": "10"}}),
        {"s3:max-keys": 10},
        A,
        NUMERIC,
    ),
    case(
        "NumericLessThanEquals-absent",
        allow_if({"NumericLessThanEquals": {"s3:max-keys": "10"}}),
        {},
        IMPLICIT,
        NUMERIC,
    ),
    case(
        "NumericGreaterThan",
        allow_if({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}),
        {"aws:MultiFactorAuthAge": "3601"},
        A,
        NUMERIC,
    ),
    case(
        "NumericGreaterThanEquals-below",
        allow_if({"NumericGreaterThanEquals": {"s3:max-keys": "10"}}),
        {"s3:max-keys": 9},
        IMPLICIT,
        NUMERIC,
    ),
    case(
        "Numeric-not-a-number-in-request",
        allow_if({"NumericLessThan": {"s3:max-keys": "10"}}),
        {"s3:max-keys": "ten"},
        IMPLICIT,
        NUMERIC,
    ),
    # ------------------------------------------------------------------ Date
    case(
        "DateEquals-same-instant",
        allow_if({"DateEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
        {"aws:CurrentTime": "2020-01-01T01:00:00+01:00"},
        A,
        DATE,
    ),
    case(
        "DateNotEquals",
        allow_if({"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
        {"aws:CurrentTime": "2021-06-01T00:00:00Z"},
        A,
        DATE,
    ),
    case(
        "DateLessThan",
        allow_if({"DateLessThan": {"aws:CurrentTime": "2019-07-16T15:00:00Z"}}),
        {"aws:CurrentTime": "2019-07-16T14:59:59Z"},
        A,
        DATE,
    ),
    case(
        "DateLessThanEquals",
        allow_if({"DateLessThanEquals": {"aws:CurrentTime": "2019-07-16"}}),
        {"aws:CurrentTime": "2019-07-16T00:00:00Z"},
        A,
        DATE,
    ),
    case(
        "DateGreaterThan-token-2020",
        allow_if({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}),
        {"aws:TokenIssueTime": "2020-03-01T10:00:00Z"},
        A,
        DATE,
    ),
    case(
        "DateGreaterThan-no-token-key",
        allow_if({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}),
        {},
        IMPLICIT,
        DATE,
    ),
    case(
        "DateGreaterThanEquals-epoch-policy",
        allow_if({"DateGreaterThanEquals": {"aws:CurrentTime": "1577836800"}}),
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        A,
        DATE,
    ),
    case(
        "DateLessThan-epoch-request",
        allow_if({"DateLessThan": {"aws:EpochTime": "2020-01-01T00:00:00Z"}}),
        {"aws:EpochTime": 1577836799},
        A,
        DATE,
    ),
    # ------------------------------------------------------------------ Bool
    case(
        "Bool-deny-insecure-transport",
        deny_if({"Bool": {"aws:SecureTransport": "false"}}),
        {"aws:SecureTransport": False},
        X,
        BOOL,
    ),
    case(
        "Bool-secure-transport-not-denied",
        deny_if({"Bool": {"aws:SecureTransport": "false"}}),
        {"aws:SecureTransport": True},
        A,
        BOOL,
    ),
    case(
        "Bool-string-true",
        allow_if({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        {"aws:MultiFactorAuthPresent": "true"},
        A,
        BOOL,
    ),
    case("Bool-absent-mfa", allow_if({"Bool": {"aws:MultiFactorAuthPresent": "true"}}), {}, IMPLICIT, ABSENT),
    case(
        "Bool-json-boolean-policy-value",
        allow_if({"Bool": {"aws:MultiFactorAuthPresent": True}}),
        {"aws:MultiFactorAuthPresent": True},
        A,
        BOOL,
    ),
    # ------------------------------------------------------------------ Binary
    case(
        "BinaryEquals-match",
        allow_if({"BinaryEquals": {"my:key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}),
        {"my:key": b"BinaryValueInBase64"},
        A,
        BINARY,
    ),
    case(
        "BinaryEquals-base64-request",
        allow_if({"BinaryEquals": {"my:key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}),
        {"my:key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="},
        A,
        BINARY,
    ),
    case(
        "BinaryEquals-mismatch",
        allow_if({"BinaryEquals": {"my:key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}),
        {"my:key": b"other"},
        IMPLICIT,
        BINARY,
    ),
    # ------------------------------------------------------------------ IP address
    case(
        "IpAddress-in-range",
        allow_if({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        {"aws:SourceIp": "203.0.113.7"},
        A,
        IP,
    ),
    case(
        "IpAddress-out-of-range",
        allow_if({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        {"aws:SourceIp": "198.51.100.7"},
        IMPLICIT,
        IP,
    ),
    case(
        "IpAddress-no-prefix-is-32",
        allow_if({"IpAddress": {"aws:SourceIp": "203.0.113.7"}}),
        {"aws:SourceIp": "203.0.113.8"},
        IMPLICIT,
        IP,
    ),
    case(
        "IpAddress-ipv6",
        allow_if({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}),
        {"aws:SourceIp": "2001:db8:1234:5678::1"},
        A,
        IP,
    ),
    case(
        "IpAddress-absent-via-endpoint", allow_if({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), {}, IMPLICIT, IP
    ),
    case(
        "NotIpAddress-outside-denied",
        deny_if({"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}),
        {"aws:SourceIp": "203.0.113.7"},
        X,
        IP,
    ),
    case(
        "NotIpAddress-inside-not-denied",
        deny_if({"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}),
        {"aws:SourceIp": "192.0.2.44"},
        A,
        IP,
    ),
    # ------------------------------------------------------------------ ARN
    case(
        "ArnLike-segments",
        allow_if({"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}),
        {"aws:SourceArn": "arn:aws:someservice:us-east-2:111122223333:finance/doc.txt"},
        A,
        ARN,
    ),
    case(
        "ArnLike-star-stays-in-segment",
        allow_if({"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}),
        {"aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"},
        IMPLICIT,
        ARN,
    ),
    case(
        "StringLike-star-crosses-colons",
        allow_if({"StringLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}),
        {"aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"},
        A,
        ARN,
    ),
    case(
        "ArnEquals-same-as-ArnLike",
        allow_if({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic-*"}}),
        {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic-7"},
        A,
        ARN,
    ),
    case(
        "ArnNotEquals-different",
        allow_if({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:a"}}),
        {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:b"},
        A,
        ARN,
    ),
    case(
        "ArnNotLike-matching",
        allow_if({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}),
        {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:b"},
        IMPLICIT,
        ARN,
    ),
    case("ArnNotLike-absent-key-true", allow_if({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}), {}, A, ABSENT),
    # ------------------------------------------------------------------ IfExists
    case("StringEqualsIfExists-absent", allow_if({"StringEqualsIfExists": {"aws:username": "alice"}}), {}, A, IFEXISTS),
    case(
        "StringEqualsIfExists-present-mismatch",
        allow_if({"StringEqualsIfExists": {"aws:username": "alice"}}),
        {"aws:username": "bob"},
        IMPLICIT,
        IFEXISTS,
    ),
    case(
        "StringLikeIfExists-instance-type",
        allow_if({"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, action="ec2:RunInstances"),
        {"ec2:InstanceType": "t2.micro"},
        A,
        IFEXISTS,
        action="ec2:RunInstances",
    ),
    case(
        "StringLike-instance-type-absent",
        allow_if({"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, action="ec2:RunInstances"),
        {},
        IMPLICIT,
        IFEXISTS,
        action="ec2:RunInstances",
    ),
    case(
        "StringNotEqualsIfExists-deny-absent",
        deny_if({"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "ops"}}),
        {},
        X,
        IFEXISTS,
    ),
    case(
        "NumericLessThanIfExists-absent", allow_if({"NumericLessThanIfExists": {"s3:max-keys": "10"}}), {}, A, IFEXISTS
    ),
    case(
        "DateLessThanIfExists-present-late",
        allow_if({"DateLessThanIfExists": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
        {"aws:CurrentTime": "2021-01-01T00:00:00Z"},
        IMPLICIT,
        IFEXISTS,
    ),
    case(
        "BoolIfExists-deny-mfa-absent",
        deny_if({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
        {},
        X,
        IFEXISTS,
    ),
    case(
        "IpAddressIfExists-absent", allow_if({"IpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"}}), {}, A, IFEXISTS
    ),
    case(
        "ArnLikeIfExists-absent", allow_if({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}), {}, A, IFEXISTS
    ),
    # ------------------------------------------------------------------ Null
    case(
        "Null-true-key-absent",
        allow_if({"Null": {"aws:TokenIssueTime": "true"}}, action="ec2:*"),
        {},
        A,
        NULL,
        action="ec2:RunInstances",
    ),
    case(
        "Null-true-key-present",
        allow_if({"Null": {"aws:TokenIssueTime": "true"}}, action="ec2:*"),
        {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"},
        IMPLICIT,
        NULL,
        action="ec2:RunInstances",
    ),
    case(
        "Null-false-key-present",
        allow_if({"Null": {"lambda:SubnetIds": "false"}}),
        {"lambda:SubnetIds": ["subnet-1"]},
        A,
        NULL,
    ),
    case("Null-false-key-absent", allow_if({"Null": {"lambda:SubnetIds": "false"}}), {}, IMPLICIT, NULL),
    case(
        "Null-false-empty-list",
        allow_if({"Null": {"lambda:SubnetIds": "false"}}),
        {"lambda:SubnetIds": []},
        IMPLICIT,
        SET_EXAMPLES,
    ),
    case("Null-json-boolean", allow_if({"Null": {"lambda:VpcIds": True}}), {}, A, NULL),
    # ------------------------------------------------------------------ set operators
    case(
        "ForAllValues-absent-key-true",
        allow_if({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        {},
        A,
        SETS,
    ),
    case(
        "ForAllValues-empty-list-true",
        allow_if({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        {"aws:TagKeys": []},
        A,
        SETS,
    ),
    case(
        "ForAllValues-empty-string-true",
        allow_if({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        {"aws:TagKeys": ""},
        A,
        SETS,
    ),
    case(
        "ForAllValues-subset",
        allow_if({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        {"aws:TagKeys": ["b", "a"]},
        A,
        SETS,
    ),
    case(
        "ForAllValues-one-outside",
        allow_if({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        {"aws:TagKeys": ["a", "c"]},
        IMPLICIT,
        SETS,
    ),
    case(
        "ForAnyValue-absent-key-false",
        allow_if({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        {},
        IMPLICIT,
        SETS,
    ),
    case(
        "ForAnyValue-empty-list-false",
        allow_if({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        {"aws:TagKeys": []},
        IMPLICIT,
        SETS,
    ),
    case(
        "ForAnyValue-one-listed",
        allow_if({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        {"aws:TagKeys": ["c", "b"]},
        A,
        SETS,
    ),
    case(
        "ForAnyValue-none-listed",
        allow_if({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        {"aws:TagKeys": ["c", "d"]},
        IMPLICIT,
        SETS,
    ),
    case(
        "ForAllValues-StringNotLike-deny-key1-only",
        deny_if({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}),
        {"aws:TagKeys": ["key1:hr", "key1:personnel"]},
        A,
        SET_EXAMPLES,
    ),
    case(
        "ForAllValues-StringNotLike-deny-key2",
        deny_if({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}),
        {"aws:TagKeys": ["key2:audit"]},
        X,
        SET_EXAMPLES,
    ),
    case(
        "ForAllValues-StringNotLike-deny-absent",
        deny_if({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}),
        {},
        X,
        SET_EXAMPLES,
    ),
    case(
        "ForAllValues-StringLike-dynamodb-attrs",
        allow_if(
            {"ForAllValues:StringLike": {"dynamodb:Attributes": ["PostDateTime", "Message", "Tags"]}},
            action="dynamodb:GetItem",
        ),
        {"dynamodb:Attributes": ["PostDateTime", "UserName"]},
        IMPLICIT,
        MULTI,
        action="dynamodb:GetItem",
    ),
    case(
        "ForAnyValue-StringLike-deny-put",
        deny_if({"ForAnyValue:StringLike": {"dynamodb:Attributes": ["ID", "PostDateTime"]}}, action="dynamodb:PutItem"),
        {"dynamodb:Attributes": ["UserName", "Message", "PostDateTime"]},
        X,
        MULTI,
        action="dynamodb:PutItem",
    ),
    case(
        "ForAnyValue-StringNotEquals-one-outside",
        deny_if({"ForAnyValue:StringNotEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]}}),
        {"lambda:SubnetIds": ["subnet-1", "subnet-9"]},
        X,
        SETS,
    ),
    case(
        "ForAnyValue-StringNotEquals-absent",
        deny_if({"ForAnyValue:StringNotEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]}}),
        {},
        A,
        SETS,
    ),
    case(
        "ForAllValues-with-Null-guard-absent",
        allow_if(
            {"ForAllValues:StringEquals": {"lambda:SubnetIds": ["subnet-1"]}, "Null": {"lambda:SubnetIds": "false"}}
        ),
        {},
        IMPLICIT,
        SET_EXAMPLES,
    ),
    case(
        "ForAllValues-IfExists-absent",
        allow_if({"ForAllValues:StringEqualsIfExists": {"aws:TagKeys": ["a"]}}),
        {},
        A,
        IFEXISTS,
    ),
    # ------------------------------------------------------------------ several operators and keys
    case(
        "operators-AND-one-false",
        allow_if({"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:SecureTransport": "true"}}),
        {"aws:username": "alice", "aws:SecureTransport": False},
        IMPLICIT,
        MULTI,
    ),
    case(
        "operators-AND-all-true",
        allow_if(
            {
                "DateGreaterThan": {"aws:CurrentTime": "2019-07-16T12:00:00Z"},
                "DateLessThan": {"aws:CurrentTime": "2019-07-16T15:00:00Z"},
                "IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
            }
        ),
        {"aws:CurrentTime": "2019-07-16T13:00:00Z", "aws:SourceIp": "203.0.113.9"},
        A,
        MULTI,
    ),
    case(
        "keys-AND-one-false",
        allow_if({"StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "ops"}}),
        {"aws:username": "alice", "aws:PrincipalTag/team": "dev"},
        IMPLICIT,
        MULTI,
    ),
    case(
        "key-name-case-insensitive",
        allow_if({"IpAddress": {"AWS:SOURCEIP": "203.0.113.0/24"}}),
        {"aws:SourceIp": "203.0.113.9"},
        A,
        CONDITION,
    ),
    # ------------------------------------------------------------------ Action / NotAction
    case("Action-prefix-wildcard", allow_if(None, action="lambda:Create*"), {}, A, ACTION),
    case(
        "Action-question-mark", allow_if(None, action="lambda:?etFunction"), {}, A, ACTION, action="lambda:GetFunction"
    ),
    case("Action-case-insensitive", allow_if(None, action="LAMBDA:createfunction"), {}, A, ACTION),
    case("Action-star", allow_if(None, action="*"), {}, A, ACTION),
    case(
        "Action-not-listed", allow_if(None, action=["lambda:GetFunction", "lambda:ListFunctions"]), {}, IMPLICIT, ACTION
    ),
    case("Action-other-service", allow_if(None, action="ec2:*"), {}, IMPLICIT, ACTION),
    case("NotAction-allow-unlisted", [P(S("Allow", not_action=["iam:*"]))], {}, A, NOTACTION),
    case("NotAction-allow-listed", [P(S("Allow", not_action=["lambda:*"]))], {}, IMPLICIT, NOTACTION),
    case("NotAction-deny-everything-else", [P(S("Deny", not_action=["iam:*", "sts:*"])), ALLOW_ALL], {}, X, NOTACTION),
    # ------------------------------------------------------------------ Resource / NotResource
    case("Resource-exact-arn", allow_if(None, resource=FN), {}, A, RESOURCE, resource=FN),
    case(
        "Resource-wildcard-name",
        allow_if(None, resource="arn:aws:lambda:us-east-1:123456789012:function:my-*"),
        {},
        A,
        RESOURCE,
        resource=FN,
    ),
    case(
        "Resource-other-function",
        allow_if(None, resource="arn:aws:lambda:us-east-1:123456789012:function:other"),
        {},
        IMPLICIT,
        RESOURCE,
        resource=FN,
    ),
    case("Resource-star-request-vs-arn-policy", allow_if(None, resource=FN), {}, IMPLICIT, RESOURCE),
    case(
        "Resource-wildcard-keeps-to-segment",
        allow_if(None, resource="arn:aws:lambda:*:111122223333:function:*"),
        {},
        IMPLICIT,
        RESOURCE,
        resource=FN,
    ),
    case(
        "Resource-last-segment-spans-colons", allow_if(None, resource=FN + "*"), {}, A, RESOURCE, resource=FN + ":prod"
    ),
    case(
        "Resource-case-sensitive",
        allow_if(None, resource=FN.replace("my-function", "My-Function")),
        {},
        IMPLICIT,
        RESOURCE,
        resource=FN,
    ),
    case(
        "NotResource-unlisted",
        [P(S("Allow", not_resource=["arn:aws:lambda:*:*:function:admin-*"]))],
        {},
        A,
        NOTRESOURCE,
        resource=FN,
    ),
    case(
        "NotResource-listed",
        [P(S("Allow", not_resource=["arn:aws:lambda:*:*:function:my-*"]))],
        {},
        IMPLICIT,
        NOTRESOURCE,
        resource=FN,
    ),
    # ------------------------------------------------------------------ policy variables
    case(
        "variable-in-resource",
        allow_if(None, resource="arn:aws:lambda:us-east-1:123456789012:function:${aws:username}-*"),
        {"aws:username": "my"},
        A,
        VARS,
        resource=FN,
    ),
    case(
        "variable-in-resource-absent",
        allow_if(None, resource="arn:aws:lambda:us-east-1:123456789012:function:${aws:username}-*"),
        {},
        IMPLICIT,
        VARS,
        resource=FN,
    ),
    case(
        "variable-in-StringLike",
        allow_if({"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}, action="s3:ListBucket"),
        {"aws:username": "alice", "s3:prefix": "home/alice/docs"},
        A,
        VARS,
        action="s3:ListBucket",
    ),
    case(
        "variable-other-user",
        allow_if({"StringLike": {"s3:prefix": "home/${aws:username}/*"}}, action="s3:ListBucket"),
        {"aws:username": "bob", "s3:prefix": "home/alice/docs"},
        IMPLICIT,
        VARS,
        action="s3:ListBucket",
    ),
    case(
        "variable-absent-no-match",
        allow_if({"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}),
        {"aws:PrincipalTag/team": "alice"},
        IMPLICIT,
        VARS,
    ),
    case(
        "variable-default-value",
        allow_if({"StringEquals": {"my:owner": "${aws:userid, 'anonymous'}"}}),
        {"my:owner": "anonymous"},
        A,
        VARS,
    ),
    case(
        "variable-escape-star-literal",
        allow_if({"StringLike": {"my:name": "a${*}"}}),
        {"my:name": "ab"},
        IMPLICIT,
        VARS,
    ),
    case(
        "variable-escape-star-matches-star", allow_if({"StringLike": {"my:name": "a${*}"}}), {"my:name": "a*"}, A, VARS
    ),
    case(
        "variable-escape-question-dollar",
        allow_if({"StringEquals": {"my:name": "${$}x${?}"}}),
        {"my:name": "$x?"},
        A,
        VARS,
    ),
    case(
        "variable-literal-in-2008",
        [P(S("Allow", cond={"StringEquals": {"my:name": "${aws:username}"}}), version="2008-10-17")],
        {"my:name": "${aws:username}", "aws:username": "alice"},
        A,
        VERSION,
    ),
    case(
        "variable-literal-no-version",
        [P(S("Allow", cond={"StringEquals": {"my:name": "${aws:username}"}}), version=None)],
        {"my:name": "alice", "aws:username": "alice"},
        IMPLICIT,
        VERSION,
    ),
    case(
        "variable-unresolved-negated",
        allow_if({"StringNotEquals": {"my:owner": "${aws:username}"}}),
        {"my:owner": "bob"},
        IMPLICIT,
        VARS,
    ),
    case(
        "variable-in-Bool",
        allow_if({"Bool": {"aws:SecureTransport": "${my:expected}"}}),
        {"aws:SecureTransport": True, "my:expected": "true"},
        A,
        BOOL + " (policy variables are supported)",
    ),
    case(
        "variable-in-ArnLike",
        allow_if({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:${aws:username}-*"}}),
        {"aws:username": "alice", "aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:alice-topic"},
        A,
        VARS,
    ),
    # ------------------------------------------------------------------ evaluation logic
    case("deny-overrides-allow", [P(S("Allow"), S("Deny"))], {}, X, EVAL),
    case("default-implicit-deny", [P(S("Allow", action="lambda:GetFunction"))], {}, IMPLICIT, EVAL),
    case("allow-in-second-policy", [P(S("Allow", action="lambda:GetFunction")), P(S("Allow"))], {}, A, EVAL),
    case("deny-in-second-policy", [ALLOW_ALL, P(S("Deny", action="lambda:*"))], {}, X, EVAL),
    case("statement-as-object", [{"Version": "2012-10-17", "Statement": S("Allow")}], {}, A, EVAL),
    case("single-policy-not-list", P(S("Allow")), {}, A, EVAL),
    case(
        "deny-condition-false-not-applied",
        [P(S("Deny", cond={"StringEquals": {"aws:username": "bob"}})), ALLOW_ALL],
        {"aws:username": "alice"},
        A,
        EVAL,
    ),
]


def _seed(sid: str):
    policy = LAMBDA_VPC_EXAMPLES[sid]
    return [policy, ALLOW_ALL] if policy["Statement"][0]["Effect"] == "Deny" else [policy]


REQUESTS = {
    "no-vpc": lambda_vpc_context(),
    "allowed-vpc": lambda_vpc_context(["subnet-1", "subnet-2"], ["sg-1"], "vpc-1"),
    "foreign-vpc": lambda_vpc_context(["subnet-8", "subnet-9"], ["sg-9"], "vpc-9"),
    "partly-inside": lambda_vpc_context(["subnet-1", "subnet-9"], ["sg-1", "sg-9"], "vpc-1"),
    "empty-lists": lambda_vpc_context([], []),
}

# expected decision per seed policy and request (deny examples are paired with ALLOW_ALL)
SEED_EXPECTED = {
    "EnforceVPCFunction": {"no-vpc": X, "allowed-vpc": A, "foreign-vpc": A, "partly-inside": A, "empty-lists": X},
    "EnforceOutOfVPC": {"no-vpc": A, "allowed-vpc": X, "foreign-vpc": A, "partly-inside": X, "empty-lists": A},
    "EnforceOutOfSubnet": {"no-vpc": A, "allowed-vpc": X, "foreign-vpc": A, "partly-inside": X, "empty-lists": A},
    "EnforceOutOfSecurityGroups": {
        "no-vpc": A,
        "allowed-vpc": X,
        "foreign-vpc": A,
        "partly-inside": X,
        "empty-lists": A,
    },
    "EnforceStayInSpecificVpc": {
        "no-vpc": IMPLICIT,
        "allowed-vpc": A,
        "foreign-vpc": IMPLICIT,
        "partly-inside": A,
        "empty-lists": IMPLICIT,
    },
    # the pitfall: ForAllValues alone also allows no VPC at all, and a disconnect
    "EnforceStayInSpecificSubnets": {
        "no-vpc": A,
        "allowed-vpc": A,
        "foreign-vpc": IMPLICIT,
        "partly-inside": IMPLICIT,
        "empty-lists": A,
    },
    "EnforceStayInSpecificSecurityGroup": {
        "no-vpc": A,
        "allowed-vpc": A,
        "foreign-vpc": IMPLICIT,
        "partly-inside": IMPLICIT,
        "empty-lists": A,
    },
}

for _sid, _row in SEED_EXPECTED.items():
    for _req, _expected in _row.items():
        for _action in ("lambda:CreateFunction", "lambda:UpdateFunctionConfiguration")[
            : 1 if _req != "empty-lists" else 2
        ]:
            _id = f"seed-{_sid}-{_req}" + ("-update" if _action.endswith("Configuration") else "")
            CASES.append(case(_id, _seed(_sid), REQUESTS[_req], _expected, LAMBDA, action=_action))

# the fix of the pitfall: Null "false" in the same statement
for _req, _expected in {
    "no-vpc": IMPLICIT,
    "allowed-vpc": A,
    "foreign-vpc": IMPLICIT,
    "partly-inside": IMPLICIT,
    "empty-lists": IMPLICIT,
}.items():
    CASES.append(
        case(
            f"seed-fixed-StayInSpecificSubnets-{_req}",
            [STAY_IN_SUBNETS_FIXED],
            REQUESTS[_req],
            _expected,
            SET_EXAMPLES + " (Null false prevents missing keys)",
        )
    )
# the other fix: pair the allow-list with the require-VPC Deny
for _req, _expected in {"no-vpc": X, "allowed-vpc": A, "empty-lists": X}.items():
    CASES.append(
        case(
            f"seed-paired-StayInSubnets-EnforceVPC-{_req}",
            [LAMBDA_VPC_EXAMPLES["EnforceStayInSpecificSubnets"], LAMBDA_VPC_EXAMPLES["EnforceVPCFunction"]],
            REQUESTS[_req],
            _expected,
            LAMBDA,
        )
    )
# the keys exist only for CreateFunction/UpdateFunctionConfiguration: other actions are not covered by the examples
CASES.append(
    case("seed-other-action-not-covered", _seed("EnforceVPCFunction"), {}, A, LAMBDA, action="lambda:InvokeFunction")
)


@pytest.mark.parametrize("policies, action, resource, context, expected, doc", CASES)
def test_decision(policies, action, resource, context, expected, doc):
    assert doc, "every case names the documentation it follows"
    ev = evaluate(policies, action, resource=resource, context=context)
    assert ev.decision == Decision(expected), str(ev)
    # the decision and the statements that made it agree
    if expected == X:
        assert ev.matched and all(s.effect == "Deny" and s.applies for s in ev.matched)
    elif expected == A:
        assert ev.matched and all(s.effect == "Allow" and s.applies for s in ev.matched)
        assert not any(s.applies and s.effect == "Deny" for s in ev.statements)
    else:
        assert ev.matched == () and not any(s.applies for s in ev.statements)


def test_table_is_large_and_named():
    ids = [c.id for c in CASES]
    assert len(ids) >= 80
    assert len(set(ids)) == len(ids), "case ids are unique"


def _operators_in(policies) -> set[str]:
    docs = policies if isinstance(policies, list) else [policies]
    names = set()
    for doc in docs:
        stmts = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
        for st in stmts:
            for op in st.get("Condition", {}):
                names.add(op.split(":", 1)[-1])
    return names


def test_table_covers_every_base_operator():
    used = set().union(*(_operators_in(c.values[0]) for c in CASES))
    base = {name for name, op in OPERATORS.items() if not op.if_exists}
    assert base - used == set(), f"operators without a table case: {sorted(base - used)}"
    families_with_ifexists = {OPERATORS[n].family for n in used if n.endswith("IfExists")}
    assert families_with_ifexists >= {"String", "Numeric", "Date", "Bool", "IpAddress", "Arn"}


def test_seed_policies_all_in_table():
    seeded = {c.id.split("-")[1] for c in CASES if c.id.startswith("seed-Enforce")}
    assert seeded == set(LAMBDA_VPC_EXAMPLES)
    assert iam.examples.LAMBDA_VPC_EXAMPLES is LAMBDA_VPC_EXAMPLES
