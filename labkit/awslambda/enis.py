"""Hyperplane ENIs: one network interface per subnet + security-group combination, shared by functions.

When a function is connected to a VPC, Lambda needs an ENI for each of its subnets with its set of security
groups. The pool hands out those combinations:

* a **new** combination is created after ``timings.eni_create`` (default 90 s): then an EC2 network
  interface appears in the subnet — interface type ``lambda``, the function's security groups, a free
  private IP of the subnet, description ``AWS Lambda VPC ENI-<function>``, status ``in-use``;
* **joining** an existing combination takes ``timings.eni_join`` (default 5 s) and creates nothing;
* when the last function leaves a combination (VPC removed, function deleted or idle), its ENI is deleted
  after ``timings.eni_delete`` (default 20 min), unless a function joins again meanwhile.

Creating an ENI fails — and the function waiting for it fails with that reason code — when, at that
moment, the subnet is gone (``InvalidSubnet``), a security group is gone (``InvalidSecurityGroup``), the
subnet has no free address (``SubnetOutOfIPAddresses``) or the execution role may no longer create network
interfaces (``InsufficientRolePermissions``).

While an ENI exists EC2 refuses to delete its subnet or security groups (``DependencyViolation``) and the
ENI itself (Lambda manages it).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

__all__ = ["Combination", "EniPool", "CREATING", "AVAILABLE", "FAILED"]

CREATING, AVAILABLE, FAILED = "creating", "available", "failed"

#: Why an ENI could not be created: reason code → AWS's description of it (the message adds the resource).
FAILURE_TEXT = {
    "InvalidSubnet": "The subnet ID provided in the Lambda function VPC configuration is not valid",
    "InvalidSecurityGroup": "The security group ID provided in the Lambda function VPC configuration is not valid",
    "SubnetOutOfIPAddresses": (
        "Lambda couldn't set up VPC access for the Lambda function because one or more "
        "configured subnets has no available IP addresses"
    ),
    "InsufficientRolePermissions": "The function's execution role does not have permission to manage network interfaces",
}


@dataclass
class Combination:
    """One subnet + security-group combination and its Hyperplane ENI."""

    subnet_id: str
    security_group_ids: frozenset[str]
    status: str = CREATING
    ready_at: float = 0.0  # lab seconds at which the ENI exists
    users: set[str] = field(default_factory=set)
    eni_id: str | None = None
    private_ip: str | None = None
    failure: tuple[str, str] | None = None  # (reason code, reason)
    creator: str = ""
    role_arn: str = ""
    delete_event: object = None
    create_event: object = None

    @property
    def key(self) -> tuple[str, frozenset[str]]:
        return (self.subnet_id, self.security_group_ids)


class EniPool:
    """The account's Hyperplane ENIs (see the module docstring). ``lab`` gives the clock, timings and clients."""

    def __init__(self, lab):
        self._lab = lab
        self._combos: dict[tuple[str, frozenset[str]], Combination] = {}

    # ----------------------------------------------------------------------------------- queries

    def get(self, key) -> Combination | None:
        return self._combos.get(key)

    def combinations(self) -> list[Combination]:
        return list(self._combos.values())

    def interfaces_in_subnet(self, subnet_id: str) -> list[str]:
        return [c.eni_id for c in self._combos.values() if c.eni_id and c.subnet_id == subnet_id]

    def interfaces_with_group(self, group_id: str) -> list[str]:
        return [c.eni_id for c in self._combos.values() if c.eni_id and group_id in c.security_group_ids]

    def is_lambda_interface(self, eni_id: str) -> bool:
        return any(c.eni_id == eni_id for c in self._combos.values())

    # ---------------------------------------------------------------------------------- changes

    def reserve(self, key, function: str, role_arn: str) -> float:
        """Add ``function`` to the combination; returns the lab seconds at which its ENI is (or will be) ready."""
        lab = self._lab
        now, t = lab.clock.elapsed, lab.timings
        combo = self._combos.get(key)
        if combo is not None and combo.status == FAILED and not combo.users:
            combo = None
        if combo is None:
            combo = Combination(key[0], key[1], CREATING, now + t.eni_create, creator=function, role_arn=role_arn)
            self._combos[key] = combo
            combo.create_event = lab.clock.schedule(
                t.eni_create, lambda: self._create(key), f"create ENI {key[0]} {sorted(key[1])}"
            )
        elif combo.status == FAILED:  # another function waits on a failed attempt: it fails the same way
            combo.users.add(function)
            return now
        combo.users.add(function)
        if combo.delete_event is not None:  # a function came back before the ENI was deleted
            lab.clock.cancel(combo.delete_event)
            combo.delete_event = None
        if combo.status == AVAILABLE:
            return now + t.eni_join
        return max(combo.ready_at, now + t.eni_join)

    def release(self, key, function: str, *, delay: float | None = None) -> None:
        """Remove ``function`` from the combination; the last one out schedules the ENI's deletion."""
        combo = self._combos.get(key)
        if combo is None:
            return
        combo.users.discard(function)
        if combo.users:
            return
        if combo.status != AVAILABLE:
            if combo.status == CREATING:
                self._lab.clock.cancel(combo.create_event)
            del self._combos[key]
            return
        wait = self._lab.timings.eni_delete if delay is None else delay
        if combo.delete_event is None:
            combo.delete_event = self._lab.clock.schedule(wait, lambda: self._delete(key), f"delete ENI {combo.eni_id}")

    def forget_all(self) -> None:
        for combo in self._combos.values():
            self._lab.clock.cancel(combo.create_event)
            self._lab.clock.cancel(combo.delete_event)
        self._combos.clear()

    # --------------------------------------------------------------------------------- the EC2 side

    def _create(self, key) -> None:
        combo = self._combos.get(key)
        if combo is None or combo.status != CREATING:
            return
        combo.create_event = None
        problem = self._problem(combo)
        if problem:
            combo.status, combo.failure = FAILED, problem
            if not combo.users:
                del self._combos[key]
            self._lab.changed()
            return
        ec2 = self._lab.internal("ec2")
        ip = self._free_ip(ec2, combo.subnet_id)
        eni = ec2.create_network_interface(
            SubnetId=combo.subnet_id,
            Groups=sorted(combo.security_group_ids),
            PrivateIpAddress=ip,
            Description=f"AWS Lambda VPC ENI-{combo.creator}",
        )["NetworkInterface"]
        from labkit.awslambda import mock

        mock.mark_lambda_interface(
            self._lab.account_id,
            self._lab.region,
            eni["NetworkInterfaceId"],
            requester_id=self._requester_id(combo.role_arn),
        )
        combo.status, combo.eni_id, combo.private_ip = AVAILABLE, eni["NetworkInterfaceId"], ip
        self._lab.changed()

    def _delete(self, key) -> None:
        combo = self._combos.get(key)
        if combo is None or combo.users:
            return
        del self._combos[key]
        if combo.eni_id:
            from botocore.exceptions import ClientError

            try:
                self._lab.internal("ec2").delete_network_interface(NetworkInterfaceId=combo.eni_id)
            except ClientError:  # already gone with its subnet: nothing left to delete
                pass
        self._lab.changed()

    def _problem(self, combo: Combination) -> tuple[str, str] | None:
        """Why the ENI can't be created now, as (reason code, reason), or None."""
        ec2 = self._lab.internal("ec2")
        subnets = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [combo.subnet_id]}])["Subnets"]
        if not subnets:
            return "InvalidSubnet", f"{FAILURE_TEXT['InvalidSubnet']}: {combo.subnet_id} does not exist."
        groups = ec2.describe_security_groups(
            Filters=[{"Name": "group-id", "Values": sorted(combo.security_group_ids)}]
        )["SecurityGroups"]
        missing = sorted(combo.security_group_ids - {g["GroupId"] for g in groups})
        if missing:
            return "InvalidSecurityGroup", f"{FAILURE_TEXT['InvalidSecurityGroup']}: {missing[0]} does not exist."
        if int(subnets[0].get("AvailableIpAddressCount", 1)) <= 0:
            return (
                "SubnetOutOfIPAddresses",
                f"{FAILURE_TEXT['SubnetOutOfIPAddresses']}: {combo.subnet_id} has no free address.",
            )
        from botocore.exceptions import ClientError

        from labkit.awslambda.validation import role_missing_permission

        try:
            missing_action = role_missing_permission(self._lab.internal("iam"), combo.role_arn)
        except ClientError:
            missing_action = "ec2:CreateNetworkInterface"
        if missing_action:
            return (
                "InsufficientRolePermissions",
                f"{FAILURE_TEXT['InsufficientRolePermissions']}: {combo.role_arn} is not allowed {missing_action}.",
            )
        return None

    @staticmethod
    def _free_ip(ec2, subnet_id: str) -> str:
        """The lowest address of the subnet that no network interface uses (AWS keeps the first four and the last)."""
        subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
        used: set[str] = set()
        paginator = ec2.get_paginator("describe_network_interfaces")
        for page in paginator.paginate(Filters=[{"Name": "subnet-id", "Values": [subnet_id]}]):
            for eni in page["NetworkInterfaces"]:
                used.update(a["PrivateIpAddress"] for a in eni.get("PrivateIpAddresses") or ())
                if eni.get("PrivateIpAddress"):
                    used.add(eni["PrivateIpAddress"])
        network = ipaddress.ip_network(subnet["CidrBlock"])
        first, last = int(network.network_address) + 4, int(network.broadcast_address) - 1
        for value in range(first, last + 1):
            ip = str(ipaddress.ip_address(value))
            if ip not in used:
                return ip
        raise RuntimeError(f"no free address in {subnet_id}")  # pragma: no cover - checked before (_problem)

    def _requester_id(self, role_arn: str) -> str:
        """Lambda creates the ENI with the execution role: the requester is the role's unique id."""
        from botocore.exceptions import ClientError

        from labkit.awslambda.validation import role_name

        try:
            return self._lab.internal("iam").get_role(RoleName=role_name(role_arn))["Role"]["RoleId"]
        except ClientError:
            return "AWSLambda"
