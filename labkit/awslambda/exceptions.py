"""AWS errors the lab returns to boto3, one class per AWS error code.

The lab raises these inside its botocore hooks; the hook turns each into an error response with AWS's
code, message and HTTP status, so boto3 raises its usual ``ClientError`` — the modelled subclass when the
service model has one (``client.exceptions.ResourceConflictException``…), exactly as with AWS:

    try:
        lam.invoke(FunctionName="f")
    except lam.exceptions.ResourceConflictException as e:
        e.response["Error"]["Code"]     # "ResourceConflictException"

>>> e = ResourceConflictException("An update is in progress")
>>> e.code, e.status, e.parsed()["Error"]
('ResourceConflictException', 409, {'Code': 'ResourceConflictException', 'Message': 'An update is in progress'})
"""

from __future__ import annotations

import uuid

__all__ = [
    "AwsError",
    "ResourceConflictException",
    "ResourceNotReadyException",
    "InvalidParameterValueException",
    "ResourceNotFoundException",
    "AccessDeniedException",
    "ValidationException",
    "InvalidRequestContentException",
    "ServiceException",
    "UnauthorizedOperation",
    "DependencyViolation",
    "InvalidParameterValue",
    "InvalidRouteTableIdNotFound",
    "AccessDenied",
    "error_for_denial",
]


class AwsError(Exception):
    """An AWS error response: ``code`` (AWS's error code), ``status`` (HTTP status) and a message."""

    code = "InternalFailure"
    status = 500
    #: "Sender" or "Receiver", as AWS's error type
    fault = "Sender"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def parsed(self) -> dict:
        """The parsed response botocore turns into a ``ClientError``."""
        request_id = str(uuid.uuid4())
        return {
            "Error": {"Code": self.code, "Message": self.message},
            "ResponseMetadata": {
                "RequestId": request_id,
                "HTTPStatusCode": self.status,
                "HTTPHeaders": {
                    "x-amzn-requestid": request_id,
                    "x-amzn-errortype": self.code,
                    "content-type": "application/json",
                },
                "RetryAttempts": 0,
            },
        }

    def response(self):
        """``(http_response, parsed)`` for a botocore ``before-call`` hook to short-circuit the call."""
        from labkit.awslambda.response_builders import http_response

        return http_response(self.status), self.parsed()


# ------------------------------------------------------------------------------------------- Lambda


class ResourceConflictException(AwsError):
    """409: the function is Pending (or Failed), or an update is in progress."""

    code, status = "ResourceConflictException", 409


class ResourceNotReadyException(AwsError):
    """502: the function is Inactive; its network interfaces are being recreated."""

    code, status, fault = "ResourceNotReadyException", 502, "Receiver"


class InvalidParameterValueException(AwsError):
    """400: a parameter is not valid (subnets, security groups, role, VPC tenancy…)."""

    code, status = "InvalidParameterValueException", 400


class ResourceNotFoundException(AwsError):
    """404: no such function."""

    code, status = "ResourceNotFoundException", 404


class AccessDeniedException(AwsError):
    """403: the caller's policies don't allow the action (Lambda, DynamoDB and most JSON services)."""

    code, status = "AccessDeniedException", 403


class InvalidRequestContentException(AwsError):
    """400: an invocation payload that is not JSON."""

    code, status = "InvalidRequestContentException", 400


class ValidationException(AwsError):
    """400: a request that breaks the API's constraints (e.g. more than 16 subnets)."""

    code, status = "ValidationException", 400


class ServiceException(AwsError):
    """500: Lambda could not run the request."""

    code, status, fault = "ServiceException", 500, "Receiver"


# ---------------------------------------------------------------------------------------------- EC2


class UnauthorizedOperation(AwsError):
    """403: the caller's policies don't allow an EC2 action."""

    code, status = "UnauthorizedOperation", 403


class DependencyViolation(AwsError):
    """400: EC2 refuses to delete a subnet or security group that a network interface still uses."""

    code, status = "DependencyViolation", 400


class InvalidParameterValue(AwsError):
    """400: EC2 refuses a parameter (e.g. deleting a network interface Lambda manages)."""

    code, status = "InvalidParameterValue", 400


class InvalidRouteTableIdNotFound(AwsError):
    """400: a route table that does not exist (e.g. added to a gateway endpoint)."""

    code, status = "InvalidRouteTableID.NotFound", 400


# ------------------------------------------------------------------------------------- S3, IAM, STS


class AccessDenied(AwsError):
    """403: the caller's policies don't allow an S3, IAM or STS action."""

    code, status = "AccessDenied", 403


#: The error code each service uses for a denied request.
_DENIAL_BY_SERVICE = {"ec2": UnauthorizedOperation, "s3": AccessDenied, "iam": AccessDenied, "sts": AccessDenied}


def error_for_denial(service: str, message: str) -> AwsError:
    """The error a service returns when IAM denies a request.

    >>> type(error_for_denial("lambda", "no")).__name__, type(error_for_denial("ec2", "no")).__name__
    ('AccessDeniedException', 'UnauthorizedOperation')
    """
    return _DENIAL_BY_SERVICE.get(service, AccessDeniedException)(message)
