"""EC2 as Lambda's network needs it: moto's gaps filled in, and deletions a Hyperplane ENI depends on refused."""

from __future__ import annotations

from botocore.exceptions import ClientError

from labkit.awslambda import mock
from labkit.awslambda.exceptions import DependencyViolation, InvalidParameterValue, InvalidRouteTableIdNotFound

__all__ = ["Ec2Hooks"]


class Ec2Hooks:
    """What the lab does before and after EC2 calls (a table from operation name to step, like moto's)."""

    def __init__(self, lab, pool):
        self._lab = lab
        self.pool = pool
        self.default_rules: set[str] = set()  # VPCs whose default group got its self-referencing rule

    def before(self, operation: str, params: dict) -> None:
        """Fill moto's gaps, then check the call (raises an AWS error to refuse it)."""
        self.sync()
        step = _BEFORE.get(operation)
        if step is not None:
            step(self, params)

    def after(self, operation: str, params: dict) -> None:
        step = _AFTER.get(operation)
        if step is not None:
            step(self, params)

    def sync(self) -> None:
        """What moto leaves out of the account's EC2 state, filled in lazily (before each EC2 call, after a
        deploy): every VPC's default security group allows all inbound traffic from itself, and an endpoint
        made without a type is a gateway endpoint."""
        account, region = self._lab.account_id, self._lab.region
        mock.gateway_endpoints_typed(account, region)
        for vpc_id in mock.vpc_ids(account, region):
            if vpc_id in self.default_rules:
                continue
            self.default_rules.add(vpc_id)  # once: a learner may revoke the rule afterwards
            group_id = mock.default_group_id(account, region, vpc_id)
            if group_id is None:
                continue
            try:
                self._lab.internal("ec2").authorize_security_group_ingress(
                    GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_id}]}]
                )
            except ClientError:  # already there
                pass

    # before the call

    def _route_tables_exist(self, params: dict) -> None:
        for table_id in params.get("AddRouteTableIds") or ():
            if not mock.route_table_exists(self._lab.account_id, self._lab.region, table_id):
                raise InvalidRouteTableIdNotFound(f"The routeTable ID '{table_id}' does not exist")

    def _forget_endpoint_routes(self, params: dict) -> None:
        mock.forget_missing_endpoint_routes(self._lab.account_id, self._lab.region, params.get("VpcEndpointIds") or ())

    def _subnet_unused(self, params: dict) -> None:
        subnet_id = params.get("SubnetId", "")
        if self.pool.interfaces_in_subnet(subnet_id):
            raise DependencyViolation(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")

    def _group_unused(self, params: dict) -> None:
        group_id = params.get("GroupId")
        if group_id and self.pool.interfaces_with_group(group_id):
            raise DependencyViolation(f"resource {group_id} has a dependent object")

    def _interface_not_lambdas(self, params: dict) -> None:
        eni_id = params.get("NetworkInterfaceId", "")
        if self.pool.is_lambda_interface(eni_id):
            raise InvalidParameterValue(f"Network interface '{eni_id}' is currently in use.")

    # after the call

    def _endpoint_modified(self, params: dict) -> None:
        """Keep a gateway endpoint's routes (and its PrivateDnsEnabled) in step with ModifyVpcEndpoint."""
        account, region, endpoint_id = self._lab.account_id, self._lab.region, params.get("VpcEndpointId", "")
        mock.endpoint_routes(
            account,
            region,
            endpoint_id,
            add=params.get("AddRouteTableIds") or (),
            remove=params.get("RemoveRouteTableIds") or (),
        )
        if params.get("PrivateDnsEnabled") is not None:
            mock.set_private_dns(account, region, endpoint_id, params["PrivateDnsEnabled"])


_BEFORE = {
    "ModifyVpcEndpoint": Ec2Hooks._route_tables_exist,
    "DeleteVpcEndpoints": Ec2Hooks._forget_endpoint_routes,
    "DeleteSubnet": Ec2Hooks._subnet_unused,
    "DeleteSecurityGroup": Ec2Hooks._group_unused,
    "DeleteNetworkInterface": Ec2Hooks._interface_not_lambdas,
}
_AFTER = {"ModifyVpcEndpoint": Ec2Hooks._endpoint_modified}
